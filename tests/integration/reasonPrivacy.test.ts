/**
 * A moderator's free-text reason — an entry's rejection or takedown, an announcement's rejection
 * or withdrawal, an emergency's pull — is kept in the record and in the append-only audit log,
 * which outlive the erasure of an entry's raw data (DESIGN non-negotiable 8). One that holds an
 * ID or phone number (or, for an entry, the listed person's own full name, legal representative
 * or ID number) is refused with a 400 "personal_data" naming the reason, and nothing changes; an
 * ordinary reason, in a court's words, goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isErrorReason, wordError } from "../../shared/messages/errorMessages";
import type { AnnouncementView } from "../../shared/schemas/announcement";
import { AuditPageSchema, type AuditRecord } from "../../shared/schemas/auditRecord";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import {
  EmergencyAnswerSchema,
  EmergencyListSchema,
  type EmergencyView,
} from "../../shared/schemas/schedule";
import { announcementOf } from "../support/announcements";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";
import type { ErrorBody } from "../support/errorBody";

/** A resident ID number with its GB 11643 check digit, from its first 17 digits. */
function withIdCheck(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * (weights[i] ?? 0), 0);
  return first17 + ("10X98765432"[sum % 11] ?? "");
}

/** A fictional resident ID with a valid check digit: found in any text. */
const RESIDENT_ID = withIdCheck("32010619860315123");
/** The entry's own ID number, its check digit wrong: found only as the entry's own. */
const OWN_ID = "110101199001013321";
const FULL_NAME = "宋明远";
const REPRESENTATIVE = "严秋生";

/** What a reason with personal data must hold, whatever holds it. */
const FOUND_IN_ANY_REASON: [string, string][] = [
  ["a resident ID number", `材料中写有身份证号${RESIDENT_ID}，请核实`],
  ["a name next to a phone number", "请联系张伟 13800138000 核实"],
];

/** What an entry's reason must not hold besides: the entry's own person. */
const FOUND_IN_ENTRY_REASON: [string, string][] = [
  ...FOUND_IN_ANY_REASON,
  ["the listed person's full name", `${FULL_NAME}已经履行`],
  ["the listed person's full name, spaced", "宋 明 远 本人到庭说明情况"],
  ["the legal representative's name", `${REPRESENTATIVE}已代为偿还`],
  ["the entry's own ID number, spaced", "证件号 110101 19900101 3321 录入有误"],
];

let t: TestServer;
let operator: TestUser;
let moderator: TestUser;
beforeAll(async () => {
  t = await startTestServer();
  await createDistrict(t.baseUrl, "rp");
  operator = await createUser(t.baseUrl, "operator", [{ role: "operator", scope: "rp" }]);
  moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "rp" }]);
}, 120_000);
afterAll(async () => {
  await t.stop();
  removeDataDir(t.dataDir);
});

/** Checks a refusal: 400 personal_data naming the reason, in both languages, repeating nothing. */
async function expectRefused(res: Response, reason: string): Promise<void> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe("personal_data");
  expect(body.error.reason).toBe(reason);
  expect(body.error.issues?.[0]?.path).toBe("reason");
  expect(body.error.message).toMatch(/^The reason/);
  // The refusal never repeats what it found.
  expect(JSON.stringify(body)).not.toMatch(
    new RegExp(`${RESIDENT_ID}|320106|110101|13800138000|${FULL_NAME}|${REPRESENTATIVE}`),
  );
  if (!isErrorReason(reason)) throw new Error(`${reason} is no reason`);
  expect(wordError(reason, body.error.params ?? {}, "zh-CN")).toMatch(/理由.*个人信息/);
}

/** The audit records of `action` about `targetId`. */
async function audited(action: string, targetId: string, entry = false): Promise<AuditRecord[]> {
  const query = new URLSearchParams({
    action,
    limit: "500",
    ...(entry ? { entry: targetId } : {}),
  });
  const res = await api(`${t.baseUrl}/api/audit?${query.toString()}`);
  expect(res.status).toBe(200);
  return AuditPageSchema.parse(await res.json()).records.filter((r) => r.target?.id === targetId);
}

describe("an entry's rejection or takedown reason", () => {
  /** A person's entry with no photo, made by the default admin, waiting for review. */
  async function createEntry(): Promise<EntryView> {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({
        districtIds: ["rp"],
        fullName: FULL_NAME,
        idNumber: OWN_ID,
        legalRepresentative: REPRESENTATIVE,
      }),
    );
    expect(res.status).toBe(201);
    return EntryViewSchema.parse((res.body as { entry: unknown }).entry);
  }

  async function entry(id: string): Promise<EntryView> {
    const res = await api(`${t.baseUrl}/api/entries/${id}`);
    return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
  }

  let toReject: EntryView;
  let toRevoke: EntryView;
  beforeAll(async () => {
    toReject = await createEntry();
    toRevoke = await createEntry();
    expect((await approveAsSeen(t.baseUrl, moderator, toRevoke.id)).status).toBe(200);
  });

  it.each(FOUND_IN_ENTRY_REASON)(
    "refuses a rejection whose reason holds %s, and changes nothing",
    async (_what, reason) => {
      const res = await moderator.post(`${t.baseUrl}/api/entries/${toReject.id}/reject`, {
        reason,
      });
      await expectRefused(res, "entry.reasonPersonalData");
      const after = await entry(toReject.id);
      expect(after).toMatchObject({ state: "pending_review", reviewNote: null, reviewedBy: null });
      expect(await audited("entry.rejected", toReject.id, true)).toEqual([]);
    },
  );

  it.each(FOUND_IN_ENTRY_REASON)(
    "refuses a takedown whose text holds %s, and erases nothing",
    async (_what, text) => {
      const res = await operator.post(`${t.baseUrl}/api/entries/${toRevoke.id}/revoke`, {
        reason: "other",
        text,
      });
      await expectRefused(res, "entry.reasonPersonalData");
      const after = await entry(toRevoke.id);
      expect(after).toMatchObject({ state: "approved", revokeReason: null, hasIdNumber: true });
      expect(await audited("entry.revoked", toRevoke.id, true)).toEqual([]);
    },
  );

  it("rejects with an ordinary reason", async () => {
    const res = await moderator.post(`${t.baseUrl}/api/entries/${toReject.id}/reject`, {
      reason: "照片不是本人",
    });
    expect(res.status).toBe(200);
    expect(await entry(toReject.id)).toMatchObject({
      state: "rejected",
      reviewNote: "照片不是本人",
    });
    const [record] = await audited("entry.rejected", toReject.id, true);
    expect(record?.details).toMatchObject({ reason: "照片不是本人" });
  });

  it("takes down with an ordinary text, and then erases the raw data", async () => {
    const res = await operator.post(`${t.baseUrl}/api/entries/${toRevoke.id}/revoke`, {
      reason: "other",
      text: "已履行完毕",
    });
    expect(res.status).toBe(200);
    expect(await entry(toRevoke.id)).toMatchObject({
      state: "revoked",
      revokeReason: { reason: "other", text: "已履行完毕" },
      hasIdNumber: false,
    });
    expect(await audited("entry.revoked", toRevoke.id, true)).toHaveLength(1);
  });
});

describe("an announcement's rejection or withdrawal reason", () => {
  const url = (path: string) => `${t.baseUrl}/api/announcements${path}`;

  async function submitted(title: string): Promise<AnnouncementView> {
    const res = await operator.post(url(""), {
      title,
      body: "本周六 22 时起暂停供水。",
      target: { districtIds: ["rp"], screenTags: [] },
      submit: true,
    });
    expect(res.status).toBe(201);
    return announcementOf(res);
  }

  async function read(id: string): Promise<AnnouncementView> {
    return announcementOf(await api(url(`/${id}`)));
  }

  let toReject: AnnouncementView;
  let toWithdraw: AnnouncementView;
  beforeAll(async () => {
    toReject = await submitted("停水通知");
    toWithdraw = await submitted("停电通知");
  });

  it.each(FOUND_IN_ANY_REASON)(
    "refuses a rejection whose reason holds %s, and changes nothing",
    async (_what, reason) => {
      const res = await moderator.post(url(`/${toReject.id}/reject`), {
        revision: toReject.revision,
        reason,
      });
      await expectRefused(res, "announcement.reasonPersonalData");
      expect(await read(toReject.id)).toMatchObject({ state: "in_review", reason: null });
      expect(await audited("announcement.rejected", toReject.id)).toEqual([]);
    },
  );

  it.each(FOUND_IN_ANY_REASON)(
    "refuses a withdrawal whose reason holds %s, and changes nothing",
    async (_what, reason) => {
      const res = await operator.post(url(`/${toWithdraw.id}/withdraw`), { reason });
      await expectRefused(res, "announcement.reasonPersonalData");
      expect(await read(toWithdraw.id)).toMatchObject({ state: "in_review", reason: null });
      expect(await audited("announcement.withdrawn", toWithdraw.id)).toEqual([]);
    },
  );

  it("rejects and withdraws with ordinary reasons", async () => {
    const rejected = await moderator.post(url(`/${toReject.id}/reject`), {
      revision: toReject.revision,
      reason: "请写明停水区域",
    });
    expect(rejected.status).toBe(200);
    expect(await announcementOf(rejected)).toMatchObject({
      state: "draft",
      reason: "请写明停水区域",
    });
    expect(await audited("announcement.rejected", toReject.id)).toHaveLength(1);

    const withdrawn = await operator.post(url(`/${toWithdraw.id}/withdraw`), {
      reason: "已恢复供电",
    });
    expect(withdrawn.status).toBe(200);
    expect(await announcementOf(withdrawn)).toMatchObject({
      state: "withdrawn",
      reason: "已恢复供电",
    });
    expect(await audited("announcement.withdrawn", toWithdraw.id)).toHaveLength(1);
  });
});

describe("an emergency's pull reason", () => {
  const url = (path: string) => `${t.baseUrl}/api/emergencies${path}`;
  const emergencyOf = async (res: Response): Promise<EmergencyView> =>
    EmergencyAnswerSchema.parse(await res.json()).emergency;

  let notice: EmergencyView;
  beforeAll(async () => {
    const res = await operator.post(url(""), {
      title: "燃气泄漏 请绕行",
      body: "滨海路封闭。",
      districtIds: ["rp"],
    });
    expect(res.status).toBe(201);
    notice = await emergencyOf(res);
    expect(notice.reviewState).toBe("unreviewed");
  });

  async function read(id: string): Promise<EmergencyView | undefined> {
    const res = await moderator.fetch(url(""));
    return EmergencyListSchema.parse(await res.json()).emergencies.find((e) => e.id === id);
  }

  it.each(FOUND_IN_ANY_REASON)(
    "refuses a pull whose reason holds %s, and leaves the notice on the screens",
    async (_what, reason) => {
      const res = await moderator.post(url(`/${notice.id}/pull`), { reason });
      await expectRefused(res, "emergency.reasonPersonalData");
      expect(await read(notice.id)).toMatchObject({
        reviewState: "unreviewed",
        clearedAt: null,
        reviewReason: null,
      });
      expect(await audited("emergency.pulled", notice.id)).toEqual([]);
    },
  );

  it("pulls with an ordinary reason", async () => {
    const res = await moderator.post(url(`/${notice.id}/pull`), { reason: "信息有误" });
    expect(res.status).toBe(200);
    expect(await emergencyOf(res)).toMatchObject({
      reviewState: "pulled",
      reviewReason: "信息有误",
    });
    expect(await audited("emergency.pulled", notice.id)).toHaveLength(1);
  });
});
