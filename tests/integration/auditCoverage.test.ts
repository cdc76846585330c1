import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { auditActions } from "../../shared/schemas/auditAction";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { AuditLog } from "../../server/services/AuditLog";
import { EntryExpiry } from "../../server/services/EntryExpiry";
import { RetentionSweep } from "../../server/services/RetentionSweep";
import { RawVault } from "../../server/services/crypto/RawVault";
import { buildCourtExportRows, toCsv } from "../fixtures/courtExport";
import { demoPhoto } from "../fixtures/images";
import { announcementApprover, announcementOf } from "../support/announcements";
import { expectAudited } from "../support/auditRecords";
import { useTestServerOn } from "../support/databases";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen, createEntryWithPhoto } from "../support/entryPublishing";
import { drawnPoster } from "../support/posterAnnouncements";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  pairKiosk,
  postJson,
  putSchedule,
  signIn,
  syncKiosk,
  TEST_ADMIN,
  waitForRedaction,
  type TestServer,
} from "../support/testServer";

const integrationDir = import.meta.dirname;

/** Every test file under tests/integration, recursively. */
function integrationTestFiles(dir = integrationDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? integrationTestFiles(join(dir, d.name))
      : d.name.endsWith(".ts")
        ? [join(dir, d.name)]
        : [],
  );
}

describe("every audit action is asserted by an integration test", () => {
  it("names each action of the enum in at least one integration test that makes the server record it", () => {
    // auditLog.test.ts writes records of its own making (the chain's maths), not the server's.
    const sources = integrationTestFiles()
      .filter((f) => relative(integrationDir, f) !== "auditLog.test.ts")
      .map((f) => readFileSync(f, "utf8"));
    const unasserted = auditActions.filter(
      (action) => !sources.some((text) => text.includes(`"${action}"`)),
    );
    expect(unasserted).toEqual([]);
  });
});

describe("the server records who did what to what, for every audit action", () => {
  const CITY = "ac-city";
  const DISTRICT = "ac-d";
  // On SQLite; the server start and stop get room on a busy machine.
  const server = useTestServerOn({ name: "SQLite" }, { env: { SIGNAGE_REDACTION_WORKERS: "1" } });
  let t: TestServer;
  let adminId: string;
  let moderator: TestUser;
  const admin = (): { type: "user"; id: string } => ({ type: "user", id: adminId });
  const as = (u: TestUser): { type: "user"; id: string } => ({ type: "user", id: u.id });

  /** A request as `who` (the default admin unless given), with a JSON body when given. */
  const send = (method: string, path: string, body?: unknown, who?: TestUser) => {
    const init: RequestInit = {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    };
    return who ? who.fetch(`${t.baseUrl}${path}`, init) : api(`${t.baseUrl}${path}`, init);
  };

  beforeAll(async () => {
    t = server();
    const me = await api(`${t.baseUrl}/api/auth/me`);
    adminId = ((await me.json()) as { user: { id: string } }).user.id;
    moderator = await createUser(t.baseUrl, "ac-moderator", [{ role: "moderator", scope: "*" }]);
  }, 60_000);

  /** An entry without a photo in the district, created by the admin. */
  async function newEntry(over: Parameters<typeof buildEntryInput>[0] = {}): Promise<EntryView> {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: [DISTRICT], ...over }),
    );
    expect(res.status).toBe(201);
    return EntryViewSchema.parse((res.body as { entry: unknown }).entry);
  }

  it("districts and schedules: district.created, district.updated, district.settings_approved, schedule.changed, schedule.idle_slide_approved", async () => {
    const city = { id: CITY, parentId: null, nameZh: "审计市", nameEn: "Audit city" };
    expect((await postJson(`${t.baseUrl}/api/districts`, city)).status).toBe(201);
    await expectAudited(t, "district.created", admin(), { type: "district", id: CITY });
    const district = { id: DISTRICT, parentId: CITY, nameZh: "审计区", nameEn: "Audit district" };
    expect((await postJson(`${t.baseUrl}/api/districts`, district)).status).toBe(201);
    const renamed = await send("PUT", `/api/districts/${CITY}`, { ...city, nameEn: "Audit town" });
    expect(renamed.status).toBe(200);
    await expectAudited(t, "district.updated", admin(), { type: "district", id: CITY });
    const lined = { ...city, nameEn: "Audit town", contestText: "请向审计市法院申请纠正" };
    expect((await send("PUT", `/api/districts/${CITY}`, lined)).status).toBe(200);
    const settings = {
      contestText: lined.contestText,
      contestUrl: null,
      contestContact: "",
      emergencyApproval: null,
    };
    const settled = await send(
      "POST",
      `/api/districts/${CITY}/settings/approval`,
      { settings },
      moderator,
    );
    expect(settled.status).toBe(200);
    await expectAudited(t, "district.settings_approved", as(moderator), {
      type: "district",
      id: CITY,
    });
    await putSchedule(t.baseUrl, DISTRICT, {
      playlist: [{ type: "discredited" }],
      dwellSeconds: 10,
    });
    await expectAudited(t, "schedule.changed", admin(), { type: "district", id: DISTRICT });
    const idleSlide = { title: "审计空闲画面", body: "" };
    const path = `/api/districts/${DISTRICT}/schedule`;
    expect((await send("PUT", path, { windows: [], idleSlide })).status).toBe(200);
    const approved = await send("POST", `${path}/idle-slide/approval`, { idleSlide }, moderator);
    expect(approved.status).toBe(200);
    await expectAudited(t, "schedule.idle_slide_approved", as(moderator), {
      type: "district",
      id: DISTRICT,
    });
  });

  it("users and sign-in: user.created, auth.login, auth.logout, auth.password_changed, user.updated, user.roles_changed, user.disabled, user.password_reset", async () => {
    const user = await createUser(t.baseUrl, "ac-operator", [
      { role: "operator", scope: DISTRICT },
    ]);
    const target = { type: "user", id: user.id };
    await expectAudited(t, "user.created", admin(), target);
    // createUser signed them in.
    await expectAudited(t, "auth.login", as(user), target);

    const changed = await user.post(`${t.baseUrl}/api/auth/password`, {
      currentPassword: user.password,
      newPassword: "another long enough password",
    });
    expect(changed.status).toBe(204);
    await expectAudited(t, "auth.password_changed", as(user), target);
    const cookie = await signIn(t.baseUrl, user.email, "another long enough password");
    const out = await api(`${t.baseUrl}/api/auth/logout`, {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(out.status).toBeLessThan(300);
    await expectAudited(t, "auth.logout", as(user), target);

    expect((await send("PATCH", `/api/users/${user.id}`, { displayName: "改名" })).status).toBe(
      200,
    );
    await expectAudited(t, "user.updated", admin(), target);
    const roles = [{ role: "moderator", scope: DISTRICT }];
    expect((await send("PATCH", `/api/users/${user.id}`, { roles })).status).toBe(200);
    await expectAudited(t, "user.roles_changed", admin(), target);
    expect((await send("POST", `/api/users/${user.id}/reset-password`, {})).status).toBe(200);
    await expectAudited(t, "user.password_reset", admin(), target);
    expect((await send("PATCH", `/api/users/${user.id}`, { disabled: true })).status).toBe(200);
    await expectAudited(t, "user.disabled", admin(), target);
    // The admin's own sign-in at set-up, for completeness of auth.login's actor.
    await signIn(t.baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    await expectAudited(t, "auth.login", admin(), { type: "user", id: adminId });
  });

  it("screens: screen.paired, screen.updated, screen.moved, screen.tagged, screen.reload_requested, screen.screenshot_requested, screen.token_rotated, screen.unpaired", async () => {
    const other = "ac-other";
    expect(
      (
        await postJson(`${t.baseUrl}/api/districts`, {
          id: other,
          parentId: CITY,
          nameZh: "他区",
          nameEn: "Other district",
        })
      ).status,
    ).toBe(201);
    const kiosk = await pairKiosk(t.baseUrl, DISTRICT, "审计屏");
    try {
      const target = { type: "screen", id: kiosk.screenId };
      await expectAudited(t, "screen.paired", admin(), target);
      const path = `/api/screens/${kiosk.screenId}`;
      expect((await send("PATCH", path, { name: "审计屏二" })).status).toBe(200);
      await expectAudited(t, "screen.updated", admin(), target);
      expect((await send("PATCH", path, { districtId: other })).status).toBe(200);
      await expectAudited(t, "screen.moved", admin(), target);
      expect((await send("PUT", `${path}/tags`, { tags: ["metro"] })).status).toBe(200);
      await expectAudited(t, "screen.tagged", admin(), target);
      expect((await send("POST", `${path}/reload`, {})).status).toBeLessThan(300);
      await expectAudited(t, "screen.reload_requested", admin(), target);
      expect((await send("POST", `${path}/screenshots`, {})).status).toBe(202);
      await expectAudited(t, "screen.screenshot_requested", admin(), target);
      expect((await send("POST", `${path}/rotate-token`, {})).status).toBe(200);
      await expectAudited(t, "screen.token_rotated", admin(), target);
      expect((await send("POST", `${path}/revoke`, {})).status).toBe(200);
      await expectAudited(t, "screen.unpaired", admin(), target);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("entries by hand: entry.created, entry.redacted, entry.photo_replaced, entry.regions_changed, entry.crop_changed, entry.cover_all_changed, entry.raw_viewed, entry.edited", async () => {
    const entry = await createEntryWithPhoto(t, await demoPhoto(1), { districtIds: [DISTRICT] });
    const target = { type: "entry", id: entry.id };
    await expectAudited(t, "entry.created", admin(), target);
    await waitForRedaction(t, entry.id);
    // The queue records each result itself.
    await expectAudited(t, "entry.redacted", { type: "system" }, target);

    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array(await demoPhoto(2))]), "photo.jpg");
    const replaced = await api(`${t.baseUrl}/api/entries/${entry.id}/photo`, {
      method: "PUT",
      body: form,
    });
    expect(replaced.status).toBe(200);
    await expectAudited(t, "entry.photo_replaced", admin(), target);
    await waitForRedaction(t, entry.id);

    const box = { x: 0.1, y: 0.1, width: 0.3, height: 0.3 };
    const path = `/api/entries/${entry.id}`;
    expect((await send("PUT", `${path}/regions`, { regions: [box] }, moderator)).status).toBe(200);
    await expectAudited(t, "entry.regions_changed", as(moderator), target);
    await waitForRedaction(t, entry.id);
    const crop = { x: 0, y: 0, width: 0.9, height: 0.9 };
    expect((await send("PUT", `${path}/crop`, { box: crop }, moderator)).status).toBe(200);
    await expectAudited(t, "entry.crop_changed", as(moderator), target);
    await waitForRedaction(t, entry.id);
    expect((await send("PUT", `${path}/cover-all`, { on: true }, moderator)).status).toBe(200);
    await expectAudited(t, "entry.cover_all_changed", as(moderator), target);
    await waitForRedaction(t, entry.id);
    expect((await send("GET", `${path}/raw-photo`, undefined, moderator)).status).toBe(200);
    await expectAudited(t, "entry.raw_viewed", as(moderator), target);
    expect((await send("PATCH", path, { obligation: "给付1元" })).status).toBe(200);
    await expectAudited(t, "entry.edited", admin(), target);
  }, 240_000);

  it("review: entry.approved, entry.published, entry.rejected, entry.revoked, takedown.acknowledged", async () => {
    const kiosk = await pairKiosk(t.baseUrl, DISTRICT, "审计屏三");
    try {
      const entry = await newEntry();
      const target = { type: "entry", id: entry.id };
      expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
      await expectAudited(t, "entry.approved", as(moderator), target);
      await expectAudited(t, "entry.published", as(moderator), target);

      const refused = await newEntry();
      const rejected = await moderator.post(`${t.baseUrl}/api/entries/${refused.id}/reject`, {
        reason: "案号有误",
      });
      expect(rejected.status).toBe(200);
      await expectAudited(t, "entry.rejected", as(moderator), { type: "entry", id: refused.id });

      const revoked = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
        reason: "court_order",
      });
      expect(revoked.status).toBe(200);
      await expectAudited(t, "entry.revoked", as(moderator), target);
      // The screen applies the takedown; once every screen has, the server records it.
      const { version } = await syncKiosk(kiosk.socket);
      kiosk.socket.emit("kiosk:applied", { version });
      await expectAudited(t, "takedown.acknowledged", { type: "system" }, target, 30_000);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("imports and expiry: entry.imported, entry.expired", async () => {
    const rows = buildCourtExportRows(2, { seed: 31 }).map((r) => ({ ...r, 照片: "" }));
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", DISTRICT);
    form.set("expiryDate", "2029-12-31");
    form.set("file", new Blob([new Uint8Array(toCsv(rows, { encoding: "utf-8" }))]), "export.csv");
    const res = await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const { report } = (await res.json()) as { report: { batchId?: string; id?: string } };
    const batch = report.batchId ?? report.id;
    expect(batch).toBeTruthy();
    await expectAudited(t, "entry.imported", admin(), { type: "import_batch", id: batch ?? "" });

    const entry = await newEntry({ expiryDate: "2028-06-01" });
    const { db, kind } = t.server.store;
    const expiry = new EntryExpiry({
      db,
      log: pino({ level: "silent" }),
      now: () => new Date("2028-06-01T00:00:00Z"),
      audit: new AuditLog({ db, kind, key: RawVault.open({ dataDir: t.dataDir }).auditChainKey() }),
    });
    expect(await expiry.sweep()).toContain(entry.id);
    await expectAudited(t, "entry.expired", { type: "system" }, { type: "entry", id: entry.id });
  });

  it("announcements: announcement.created, announcement.edited, announcement.submitted, announcement.rejected, announcement.approved, announcement.published, announcement.withdrawn, announcement.ended", async () => {
    const approver = await announcementApprover(t);
    const created = await postJson(`${t.baseUrl}/api/announcements`, {
      title: "停水通知",
      submit: false,
    });
    expect(created.status).toBe(201);
    let a = await announcementOf(new Response(JSON.stringify(created.body)));
    const target = { type: "announcement", id: a.id };
    await expectAudited(t, "announcement.created", admin(), target);

    const edited = await send("PATCH", `/api/announcements/${a.id}`, {
      revision: a.revision,
      title: "停水通知（更正）",
    });
    expect(edited.status).toBe(200);
    a = await announcementOf(edited);
    await expectAudited(t, "announcement.edited", admin(), target);

    const submitted = await send("POST", `/api/announcements/${a.id}/submit`, {
      revision: a.revision,
    });
    expect(submitted.status).toBe(200);
    a = await announcementOf(submitted);
    await expectAudited(t, "announcement.submitted", admin(), target);
    const rejected = await approver.post(`${t.baseUrl}/api/announcements/${a.id}/reject`, {
      reason: "日期不对",
      revision: a.revision,
    });
    expect(rejected.status).toBe(200);
    a = await announcementOf(rejected);
    await expectAudited(t, "announcement.rejected", as(approver), target);

    const again = await send("POST", `/api/announcements/${a.id}/submit`, {
      revision: a.revision,
    });
    expect(again.status).toBe(200);
    a = await announcementOf(again);
    const approved = await approver.post(`${t.baseUrl}/api/announcements/${a.id}/approve`, {
      revision: a.revision,
    });
    expect(approved.status).toBe(200);
    await expectAudited(t, "announcement.approved", as(approver), target);
    await expectAudited(t, "announcement.published", as(approver), target);
    const withdrawn = await send("POST", `/api/announcements/${a.id}/withdraw`, {
      reason: "已恢复供水",
    });
    expect(withdrawn.status).toBe(200);
    await expectAudited(t, "announcement.withdrawn", admin(), target);

    // One that ends a few seconds from now: the server's own sweep ends it.
    const short = await postJson(`${t.baseUrl}/api/announcements`, {
      title: "临时通知",
      endsAt: new Date(Date.now() + 5_000).toISOString(),
      submit: true,
    });
    expect(short.status).toBe(201);
    const s = await announcementOf(new Response(JSON.stringify(short.body)));
    expect(
      (
        await approver.post(`${t.baseUrl}/api/announcements/${s.id}/approve`, {
          revision: s.revision,
        })
      ).status,
    ).toBe(200);
    await expectAudited(
      t,
      "announcement.ended",
      { type: "system" },
      { type: "announcement", id: s.id },
      90_000,
    );
  }, 240_000);

  it("posters: announcement.poster_uploaded, announcement.poster_redacted", async () => {
    const created = await postJson(`${t.baseUrl}/api/announcements`, {
      title: "海报通知",
      submit: false,
    });
    expect(created.status).toBe(201);
    const a = await announcementOf(new Response(JSON.stringify(created.body)));
    const target = { type: "announcement", id: a.id };
    const form = new FormData();
    form.set("poster", new Blob([new Uint8Array(await drawnPoster(800, 450, "#2e4a7a"))]), "p.jpg");
    const uploaded = await api(`${t.baseUrl}/api/announcements/${a.id}/poster`, {
      method: "PUT",
      body: form,
    });
    expect(uploaded.status).toBe(200);
    await expectAudited(t, "announcement.poster_uploaded", admin(), target);
    // The face pipeline passes it on its own.
    await expectAudited(t, "announcement.poster_redacted", { type: "system" }, target, 120_000);
  }, 300_000);

  it("emergencies: emergency.sent, emergency.confirmed, emergency.cleared, emergency.pulled, emergency.requested, emergency.approved", async () => {
    const url = `${t.baseUrl}/api/emergencies`;
    const idOf = async (res: Response) =>
      ((await res.json()) as { emergency: { id: string } }).emergency.id;
    const sent = await send("POST", "/api/emergencies", {
      title: "道路积水",
      districtIds: [DISTRICT],
    });
    expect(sent.status).toBe(201);
    const first = { type: "emergency", id: await idOf(sent) };
    await expectAudited(t, "emergency.sent", admin(), first);
    expect((await moderator.post(`${url}/${first.id}/confirm`, {})).status).toBe(200);
    await expectAudited(t, "emergency.confirmed", as(moderator), first);
    expect((await send("POST", `/api/emergencies/${first.id}/clear`, {})).status).toBe(200);
    await expectAudited(t, "emergency.cleared", admin(), first);

    const wrong = await send("POST", "/api/emergencies", {
      title: "燃气泄漏",
      districtIds: [DISTRICT],
    });
    const second = { type: "emergency", id: await idOf(wrong) };
    expect((await moderator.post(`${url}/${second.id}/pull`, { reason: "误报" })).status).toBe(200);
    await expectAudited(t, "emergency.pulled", as(moderator), second);

    // A district that wants two people: the notice waits for a second one.
    const held = "ac-held";
    const district = { id: held, parentId: null, nameZh: "双人区", nameEn: "Two-person district" };
    expect((await postJson(`${t.baseUrl}/api/districts`, district)).status).toBe(201);
    expect(
      (
        await send("PUT", `/api/districts/${held}`, {
          ...district,
          emergencyApproval: "two-person",
        })
      ).status,
    ).toBe(200);
    const asked = await send("POST", "/api/emergencies", {
      title: "山体滑坡预警",
      districtIds: [held],
    });
    expect(asked.status).toBe(201);
    const third = { type: "emergency", id: await idOf(asked) };
    await expectAudited(t, "emergency.requested", admin(), third);
    expect((await moderator.post(`${url}/${third.id}/approve`, {})).status).toBe(200);
    await expectAudited(t, "emergency.approved", as(moderator), third);
  });

  it("objections: objection.filed, objection.viewed, objection.suspended, objection.dismissed, objection.forwarded, objection.erased", async () => {
    const entry = await newEntry();
    expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
    const file = async (): Promise<string> => {
      const form = new FormData();
      for (const [k, v] of Object.entries({
        name: "慕容秋水",
        contact: "qiushui.murong@example.test",
        text: "本人已全部履行判决义务，请予更正。",
        consent: "yes",
        website: "",
      }))
        form.set(k, v);
      form.set("document", new Blob([]), "");
      const res = await fetch(`${t.baseUrl}/n/${entry.publicId}/objections`, {
        method: "POST",
        headers: { Origin: t.baseUrl, Accept: "application/json" },
        body: form,
      });
      expect(res.status).toBe(201);
      const { reference } = ((await res.json()) as { objection: { reference: string } }).objection;
      const row = await t.server.store.db
        .selectFrom("objections")
        .select("id")
        .where("reference", "=", reference)
        .executeTakeFirstOrThrow();
      return row.id;
    };
    const first = await file();
    await expectAudited(
      t,
      "objection.filed",
      { type: "anonymous" },
      { type: "objection", id: first },
    );
    expect((await moderator.fetch(`${t.baseUrl}/api/objections/${first}`)).status).toBe(200);
    await expectAudited(t, "objection.viewed", as(moderator), { type: "objection", id: first });
    const path = (id: string, what: string) => `${t.baseUrl}/api/objections/${id}/${what}`;
    expect((await moderator.post(path(first, "dismiss"), { reason: "信息无误" })).status).toBe(200);
    await expectAudited(t, "objection.dismissed", as(moderator), { type: "objection", id: first });
    const second = await file();
    expect((await moderator.post(path(second, "forward"), {})).status).toBe(200);
    await expectAudited(t, "objection.forwarded", as(moderator), {
      type: "objection",
      id: second,
    });
    const third = await file();
    expect((await moderator.post(path(third, "suspend"), {})).status).toBe(200);
    await expectAudited(t, "objection.suspended", as(moderator), { type: "objection", id: third });

    // The entry is taken down: its objections' sealed data goes with the next retention sweep.
    expect(
      (await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/revoke`, { reason: "error" }))
        .status,
    ).toBe(200);
    const { db, kind } = t.server.store;
    const sweep = new RetentionSweep({
      db,
      log: pino({ level: "silent" }),
      settings: { playsDays: 400, endedSessionsDays: 30 },
      audit: new AuditLog({ db, kind, key: RawVault.open({ dataDir: t.dataDir }).auditChainKey() }),
    });
    expect((await sweep.sweepObjections()).blanked).toBeGreaterThan(0);
    await expectAudited(t, "objection.erased", { type: "system" }, null);
  });
});
