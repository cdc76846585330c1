/**
 * An entry's public texts (case number, court, obligation, performance, listing ground, legal
 * basis) are shown on street screens beside the masked name: no way in — the API, an edit, an
 * import — may put the listed person's full name, the legal representative's, or an ID or phone
 * number there (shared/privacy/entryTextCheck.ts). Refused with a 400 and a sentence in both
 * languages, nothing written.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../server/store/database";
import { wordError } from "../../shared/messages/errorMessages";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import {
  buildOrganisationRow,
  buildPersonRow,
  toCsv,
  withCreditCodeCheck,
} from "../fixtures/courtExport";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type TestServer,
} from "../support/testServer";
import type { ErrorBody } from "../support/errorBody";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await createDistrict(t.baseUrl, "dongcheng");
}, 120_000);
afterAll(async () => {
  await t.stop();
  removeDataDir(t.dataDir);
});

/** Writes an entry's columns straight into the database, as a release before the checks did. */
async function storeAsOlderRelease(
  id: string,
  set: { obligation?: string; masked_name?: string },
): Promise<void> {
  const store = openStore({ kind: "sqlite", file: join(t.dataDir, "signage.db") });
  try {
    await store.db.updateTable("entries").set(set).where("id", "=", id).execute();
  } finally {
    await store.db.destroy();
  }
}

async function entryCount(): Promise<number> {
  const res = await api(`${t.baseUrl}/api/entries?limit=200`);
  return ((await res.json()) as { entries: unknown[] }).entries.length;
}

async function patch(id: string, body: unknown): Promise<Response> {
  return api(`${t.baseUrl}/api/entries/${id}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function entry(id: string): Promise<EntryView> {
  const res = await api(`${t.baseUrl}/api/entries/${id}`);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

describe("an entry's public texts", () => {
  it.each([
    ["the listed person's name", { obligation: "被告宋明远于判决生效后十日内偿还借款" }],
    ["the name with a space in it", { listingGround: "宋 明远拒不申报财产" }],
    ["the name with an invisible character", { performance: "宋\u200b明远未履行" }],
    ["the legal representative's name", { obligation: "由负责人严秋生偿还" }],
    ["the entry's own ID number, spaced", { obligation: "110101 19900101 3321 给付" }],
    ["a phone number", { performance: "联系电话 138 0013 8000" }],
    ["a third party named after a label", { obligation: "由当事人钱多多，代为偿还" }],
  ])("refuses %s at creation, and writes nothing", async (_what, texts) => {
    const before = await entryCount();
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({
        fullName: "宋明远",
        idNumber: "110101199001013321",
        legalRepresentative: "严秋生",
        ...texts,
      }),
    );
    expect(res.status).toBe(400);
    const body = res.body as ErrorBody;
    expect(body.error.code).toBe("personal_data");
    expect(body.error.reason).toBe("entry.personalData");
    expect(body.error.issues?.[0]?.path).toBe(Object.keys(texts)[0]);
    // The refusal never repeats what it found.
    expect(JSON.stringify(body)).not.toMatch(/宋\s*\u200b?明远|严秋生|110101|13800138000|138 0013/);
    const chinese = wordError("entry.personalData", body.error.params ?? {}, "zh-CN");
    expect(chinese).toMatch(/个人信息/);
    expect(await entryCount()).toBe(before);
  });

  it("accepts an organisation's own name and a masked one in them", async () => {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({
        subjectType: "organisation",
        fullName: "东城区宏达建材有限公司",
        obligation: "东城区宏达建材有限公司偿还原告张某货款",
      }),
    );
    expect(res.status).toBe(201);
  });

  it("refuses an edit that puts the name in a text, or a name that is in one, and changes nothing", async () => {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ fullName: "宋明远", obligation: "偿还借款，原告冯晓东" }),
    );
    expect(res.status).toBe(201);
    const created = EntryViewSchema.parse((res.body as { entry: unknown }).entry);

    const text = await patch(created.id, { obligation: "被告宋明远偿还借款" });
    expect(text.status).toBe(400);
    expect(((await text.json()) as ErrorBody).error.code).toBe("personal_data");
    // The name changed to one the text already holds (the plaintiff's, typed as the subject).
    const name = await patch(created.id, { fullName: "冯晓东" });
    expect(name.status).toBe(400);
    expect(((await name.json()) as ErrorBody).error.issues?.[0]?.path).toBe("obligation");

    const after = await entry(created.id);
    expect(after.obligation).toBe("偿还借款，原告冯晓东");
    expect(after.maskedName).toBe("宋某");
    expect(after.revision).toBe(created.revision);
  });

  it("refuses to approve an entry an older release let in with the name in its texts", async () => {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ fullName: "宋明远", subjectType: "organisation", idNumber: undefined }),
    );
    expect(res.status).toBe(201);
    const created = EntryViewSchema.parse((res.body as { entry: unknown }).entry);
    await storeAsOlderRelease(created.id, { obligation: "被告宋明远偿还借款" });
    const moderator = await createUser(t.baseUrl, "moderator", [
      { role: "moderator", scope: "dongcheng" },
    ]);
    const approve = await approveAsSeen(t.baseUrl, moderator, created.id);
    expect(approve.status).toBe(400);
    expect(((await approve.json()) as ErrorBody).error.reason).toBe("entry.personalData");
    expect((await entry(created.id)).state).toBe("pending_review");
  });

  it("masks on screens an 'organisation' an older release stored under a person's name", async () => {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({
        subjectType: "organisation",
        fullName: "东城区明远建材有限公司",
        idNumber: undefined,
      }),
    );
    expect(res.status).toBe(201);
    const created = EntryViewSchema.parse((res.body as { entry: unknown }).entry);
    // As a release before readsLikePersonName stored "宋明远" picked as an organisation.
    await storeAsOlderRelease(created.id, { masked_name: "宋明远" });
    const moderator = await createUser(t.baseUrl, "moderator2", [
      { role: "moderator", scope: "dongcheng" },
    ]);
    expect((await approveAsSeen(t.baseUrl, moderator, created.id)).status).toBe(200);
    const kiosk = await pairKiosk(t.baseUrl, "dongcheng");
    try {
      const shown = (await syncKiosk(kiosk.socket, 0)).entries.find((e) => e.id === created.id);
      expect(shown?.maskedName).toBe("宋某");
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("refuses an imported row whose obligation names the person, in both languages", async () => {
    const named = buildPersonRow({
      "被执行人姓名/名称": "卫书恒",
      生效法律文书确定的义务: "被告卫书恒偿还原告借款5000元",
      照片: "",
    });
    const clean = buildPersonRow({ 照片: "" });
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "dongcheng");
    form.set("expiryDate", "2029-12-31");
    form.set("file", new Blob([new Uint8Array(toCsv([named, clean]))]), "export.csv");
    const res = await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form });
    const body = (await res.json()) as {
      report: {
        accepted: number;
        refused: number;
        rows: { line: number; status: string; reasons?: string[] }[];
      };
    };
    expect(body.report.accepted).toBe(1);
    expect(body.report.refused).toBe(1);
    const refused = body.report.rows.find((r) => r.status === "refused");
    expect(refused?.reasons?.join(" ")).toMatch(
      /生效法律文书确定的义务.*listed person's full name/,
    );
    expect(JSON.stringify(body)).not.toContain("卫书恒");
  });

  it("masks a sole trader's row (credit code of category 92), even with a shop's name", async () => {
    // Category 9 (industry and commerce), type 2: 个体工商户.
    const code = withCreditCodeCheck(
      buildOrganisationRow()["身份证号码/组织机构代码"].slice(0, 17).replace(/^91/, "92"),
    );
    const row = buildOrganisationRow({
      // The owner's name and a trade: it reads as a shop, but a sole trader is a person.
      "被执行人姓名/名称": "龚子健餐馆",
      "身份证号码/组织机构代码": code,
      法定代表人或者负责人姓名: "",
    });
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "dongcheng");
    form.set("expiryDate", "2029-12-31");
    form.set("file", new Blob([new Uint8Array(toCsv([row]))]), "export.csv");
    const res = await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const list = await api(`${t.baseUrl}/api/entries?limit=200`);
    const text = await list.text();
    expect(text).toContain("龚某");
    expect(text).not.toContain("龚子健");
  });

  it("masks the legal representative's name inside an organisation's name, on screens and in the console", async () => {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({
        subjectType: "organisation",
        // A sole trader entered by hand under a shop named after its owner.
        fullName: "东城区欧阳明轩烧烤店",
        legalRepresentative: "欧阳明轩",
        idNumber: undefined,
      }),
    );
    expect(res.status).toBe(201);
    const created = EntryViewSchema.parse((res.body as { entry: unknown }).entry);
    expect(created.maskedName).toBe("东城区欧阳某烧烤店");
    const moderator = await createUser(t.baseUrl, "moderator3", [
      { role: "moderator", scope: "dongcheng" },
    ]);
    expect((await approveAsSeen(t.baseUrl, moderator, created.id)).status).toBe(200);
    const kiosk = await pairKiosk(t.baseUrl, "dongcheng");
    try {
      const sync = await syncKiosk(kiosk.socket, 0);
      expect(sync.entries.find((e) => e.id === created.id)?.maskedName).toBe("东城区欧阳某烧烤店");
      expect(JSON.stringify(sync)).not.toContain("明轩");
    } finally {
      kiosk.socket.disconnect();
    }
  });
});
