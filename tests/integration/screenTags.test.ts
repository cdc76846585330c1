import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../shared/schemas/apiError";
import { AuditPageSchema, type AuditRecord } from "../../shared/schemas/auditRecord";
import { ScreenSchema, type Screen } from "../../shared/schemas/screen";
import type { SyncDelta } from "../../shared/schemas/sync";
import { TimelineSchema } from "../../shared/schemas/timeline";
import { evaluateSchedule } from "../../shared/schedule/evaluateSchedule";
import { playbackPlan } from "../../shared/schedule/playbackPlan";
import { publishAnnouncement } from "../support/announcements";
import { createTempDatabase } from "../support/postgres";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  makeDataDir,
  pairKiosk,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

/** What a kiosk holds, applied as the display's ContentStore does (a full manifest replaces). */
class HeldContent {
  readonly ids = new Set<string>();
  version = 0;

  apply(delta: SyncDelta): void {
    if (delta.full) this.ids.clear();
    for (const id of delta.removedIds) this.ids.delete(id);
    for (const e of delta.entries) this.ids.add(e.id);
    for (const a of delta.announcements) this.ids.add(a.id);
    this.version = delta.version;
  }
}

/** The same cases on each database the server runs on (the tag filter is SQL). */
const backends: {
  name: string;
  env: () => Promise<{ env: Record<string, string>; drop?: () => Promise<void> }>;
}[] = [
  { name: "SQLite", env: () => Promise.resolve({ env: {} }) },
  {
    name: "PostgreSQL",
    env: async () => {
      const temp = await createTempDatabase();
      return { env: { DATABASE_URL: temp.url }, drop: () => temp.drop() };
    },
  },
];

describe.each(backends)("screen tags on $name", (backend) => {
  let running: TestServer | undefined;
  let drop: (() => Promise<void>) | undefined;
  const server = (): TestServer => {
    if (!running) throw new Error("the test server has not started");
    return running;
  };
  let operatorA: TestUser;
  let operatorB: TestUser;
  const opened: KioskSocket[] = [];

  beforeAll(async () => {
    const db = await backend.env();
    drop = db.drop;
    running = await startTestServer({ dataDir: makeDataDir(), env: db.env });
    const t = running;
    await createDistrict(t.baseUrl, "tag-city");
    await createDistrict(t.baseUrl, "tag-a", "tag-city");
    await createDistrict(t.baseUrl, "tag-b", "tag-city");
    operatorA = await createUser(t.baseUrl, "operatorA", [{ role: "operator", scope: "tag-a" }]);
    operatorB = await createUser(t.baseUrl, "operatorB", [{ role: "operator", scope: "tag-b" }]);
    // One change-log version, so a kiosk in sync gets a delta, not the full manifest of version 0.
    await publishAnnouncement(t, { title: "全市通知" });
  });

  afterAll(async () => {
    for (const s of opened) s.disconnect();
    if (running) {
      await running.stop();
      removeDataDir(running.dataDir);
    }
    await drop?.();
  });

  const paired = async (name: string, districtId = "tag-a") => {
    const kiosk = await pairKiosk(server().baseUrl, districtId, name);
    opened.push(kiosk.socket);
    return kiosk;
  };
  /** PUT /api/screens/:id/tags as `as` (the admin by default). */
  const putTags = (screenId: string, body: unknown, as?: TestUser): Promise<Response> => {
    const url = `${server().baseUrl}/api/screens/${screenId}/tags`;
    const init: RequestInit = {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    };
    return as ? as.fetch(url, init) : api(url, init);
  };
  const screenOf = async (screenId: string): Promise<Screen> => {
    const res = await api(`${server().baseUrl}/api/screens/${screenId}`);
    expect(res.status).toBe(200);
    return ScreenSchema.parse(((await res.json()) as { screen: unknown }).screen);
  };
  const listed = async (query: string): Promise<{ status: number; ids: string[] }> => {
    const res = await api(`${server().baseUrl}/api/screens${query}`);
    if (res.status !== 200) return { status: res.status, ids: [] };
    const { screens } = (await res.json()) as { screens: unknown[] };
    return { status: 200, ids: screens.map((s) => ScreenSchema.parse(s).id) };
  };
  const taggedRecords = async (screenId: string): Promise<AuditRecord[]> => {
    const res = await api(
      `${server().baseUrl}/api/audit?action=screen.tagged&screen=${screenId}&limit=500`,
    );
    expect(res.status).toBe(200);
    return AuditPageSchema.parse(await res.json()).records;
  };
  const stateOf = async (screenId: string) =>
    server()
      .server.store.db.selectFrom("screens")
      .select(["tags_json", "district_epoch", "stale_districts_json", "stale_cleared_version"])
      .where("id", "=", screenId)
      .executeTakeFirstOrThrow();
  /** The next "content:changed" the kiosk hears (waited for generously); its payload. */
  const nextPush = (socket: KioskSocket) =>
    new Promise<{ version: number; ids: string[] }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("no content:changed reached the kiosk")),
        15_000,
      );
      socket.once("content:changed", (p) => {
        clearTimeout(timer);
        resolve(p);
      });
    });
  /** Syncs as the display does, applies the answer, then acknowledges it as the display does. */
  const syncAndAck = async (socket: KioskSocket, held: HeldContent): Promise<SyncDelta> => {
    const delta = await syncKiosk(socket, held.version);
    held.apply(delta);
    socket.emit(
      "kiosk:applied",
      delta.full ? { version: delta.version, full: true } : { version: delta.version },
    );
    return delta;
  };
  /** Whether the screen owes a full sync (store/screens.ts needsFullSync, read from the row). */
  const owesFullSync = async (screenId: string) => {
    const row = await stateOf(screenId);
    return row.stale_districts_json !== null && row.stale_cleared_version === null;
  };
  /** Waits until the screen's full manifest is acknowledged (its next sync is a delta again). */
  const settled = async (screenId: string) =>
    expect.poll(() => owesFullSync(screenId), { timeout: 10_000 }).toBe(false);

  it("stores a screen's tags normalised, shows them, lists by tag, and audits before and after", async () => {
    const kiosk = await paired("地铁屏");
    const other = await paired("公交屏");
    expect((await screenOf(kiosk.screenId)).tags).toEqual([]);

    const res = await putTags(kiosk.screenId, { tags: ["Metro", "bus-stop", "metro "] });
    expect(res.status).toBe(200);
    const { screen } = (await res.json()) as { screen: unknown };
    expect(ScreenSchema.parse(screen).tags).toEqual(["bus-stop", "metro"]);
    expect((await screenOf(kiosk.screenId)).tags).toEqual(["bus-stop", "metro"]);

    const metro = await listed("?tag=metro");
    expect(metro.ids).toContain(kiosk.screenId);
    expect(metro.ids).not.toContain(other.screenId);
    // "metro" must not match a longer tag containing it.
    expect((await listed("?tag=metr")).ids).toEqual([]);
    expect((await listed("")).ids).toEqual(
      expect.arrayContaining([kiosk.screenId, other.screenId]),
    );
    const bad = await api(`${server().baseUrl}/api/screens?tag=${encodeURIComponent("no way")}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe(
      "validation_failed",
    );

    const [record, ...more] = await taggedRecords(kiosk.screenId);
    expect(more).toEqual([]);
    expect(record?.details).toEqual({
      before: { tags: [] },
      after: { tags: ["bus-stop", "metro"] },
    });

    // The same tags again change nothing: no record, no full sync owed.
    const before = await stateOf(kiosk.screenId);
    expect((await putTags(kiosk.screenId, { tags: ["metro", "bus-stop"] })).status).toBe(200);
    expect(await taggedRecords(kiosk.screenId)).toHaveLength(1);
    expect((await stateOf(kiosk.screenId)).district_epoch).toBe(before.district_epoch);

    const cleared = await putTags(kiosk.screenId, { tags: [] });
    expect(cleared.status).toBe(200);
    expect((await screenOf(kiosk.screenId)).tags).toEqual([]);
    expect((await taggedRecords(kiosk.screenId))[0]?.details).toEqual({
      before: { tags: ["bus-stop", "metro"] },
      after: { tags: [] },
    });
  });

  it.each([
    ["a tag with a space", { tags: ["bus stop"] }, "tags.0"],
    ["a tag with an underscore", { tags: ["bus_stop"] }, "tags.0"],
    ["a tag of 33 characters", { tags: ["m".repeat(33)] }, "tags.0"],
    ["21 tags", { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "tags"],
    ["no tags field", {}, "tags"],
    ["a string instead of a list", { tags: "metro" }, "tags"],
    ["an unknown field", { tags: ["metro"], name: "x" }, "(root)"],
  ])("refuses %s with a 400, a code and a sentence, and changes nothing", async (_, body, path) => {
    const kiosk = await paired("校验屏");
    expect((await putTags(kiosk.screenId, { tags: ["indoor"] })).status).toBe(200);
    const before = await stateOf(kiosk.screenId);

    const res = await putTags(kiosk.screenId, body);
    expect(res.status).toBe(400);
    const { error } = ApiErrorSchema.parse(await res.json());
    expect(error.code).toBe("validation_failed");
    expect(error.message).toMatch(/^The screen tags is not valid \(.+\)\.$/);
    expect(error.issues?.[0]?.path).toBe(path);
    expect(await stateOf(kiosk.screenId)).toEqual(before);
    expect(await taggedRecords(kiosk.screenId)).toHaveLength(1);
  });

  it("refuses malformed JSON with a 400 and changes nothing", async () => {
    const kiosk = await paired("坏请求屏");
    const before = await stateOf(kiosk.screenId);
    const res = await putTags(kiosk.screenId, "{ tags: [metro");
    expect(res.status).toBe(400);
    expect(await stateOf(kiosk.screenId)).toEqual(before);
  });

  it("lets only those who manage the screen's district tag it", async () => {
    const kiosk = await paired("权限屏");
    const refused = await putTags(kiosk.screenId, { tags: ["metro"] }, operatorB);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    expect((await screenOf(kiosk.screenId)).tags).toEqual([]);
    expect(await taggedRecords(kiosk.screenId)).toEqual([]);

    const allowed = await putTags(kiosk.screenId, { tags: ["metro"] }, operatorA);
    expect(allowed.status).toBe(200);
    const [record] = await taggedRecords(kiosk.screenId);
    expect(record?.actor).toEqual({ type: "user", id: operatorA.id });

    const anonymous = await api(`${server().baseUrl}/api/screens/${kiosk.screenId}/tags`, {
      method: "PUT",
      anonymous: true,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tags: ["metro"] }),
    });
    expect(anonymous.status).toBe(401);
    const missing = await putTags("00000000-0000-4000-8000-000000000000", { tags: ["metro"] });
    expect(missing.status).toBe(404);
  });

  it("refuses to tag an unpaired screen", async () => {
    const kiosk = await paired("拆除屏");
    const revoked = await api(`${server().baseUrl}/api/screens/${kiosk.screenId}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(revoked.status).toBe(200);
    const res = await putTags(kiosk.screenId, { tags: ["metro"] });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("conflict");
    expect(await taggedRecords(kiosk.screenId)).toEqual([]);
  });

  it("tells a connected kiosk to re-sync at once, and its next sync is full", async () => {
    const kiosk = await paired("在线屏");
    const bystander = await paired("旁观屏");
    const held = new HeldContent();
    const first = await syncAndAck(kiosk.socket, held);
    expect(first.full).toBe(true);
    await settled(kiosk.screenId);
    // In sync: a delta.
    expect((await syncKiosk(kiosk.socket, held.version)).full).toBe(false);

    const pushed = nextPush(kiosk.socket);
    let bystanderPushes = 0;
    bystander.socket.on("content:changed", () => {
      bystanderPushes += 1;
    });
    expect((await putTags(kiosk.screenId, { tags: ["metro"] })).status).toBe(200);
    expect(await pushed).toEqual({ version: 0, ids: [] });

    // Marked: its district set is stale until it applies a full manifest there.
    expect(await owesFullSync(kiosk.screenId)).toBe(true);
    const marked = await stateOf(kiosk.screenId);
    expect(JSON.parse(marked.stale_districts_json ?? "[]")).toEqual(["tag-a", "tag-city"]);

    // It asks from the version it holds; the answer is nonetheless the full manifest, with its tags.
    const answer = await syncAndAck(kiosk.socket, held);
    expect(answer.full).toBe(true);
    expect(answer.screen?.tags).toEqual(["metro"]);
    await settled(kiosk.screenId);
    expect((await syncKiosk(kiosk.socket, held.version)).full).toBe(false);

    // Another screen of the district was told nothing. Pushes leave the server in order, so
    // once the bystander hears its own tagging, it would have heard the first one before it.
    const probe = nextPush(bystander.socket);
    expect((await putTags(bystander.screenId, { tags: ["indoor"] })).status).toBe(200);
    await probe;
    expect(bystanderPushes).toBe(1);
  });

  it("gives a screen tagged while offline a full manifest when it reconnects", async () => {
    const kiosk = await paired("离线屏");
    const held = new HeldContent();
    await syncAndAck(kiosk.socket, held);
    await settled(kiosk.screenId);
    kiosk.socket.disconnect();

    expect((await putTags(kiosk.screenId, { tags: ["portrait"] })).status).toBe(200);

    const socket = await connectKiosk(server().baseUrl, kiosk.token);
    opened.push(socket);
    const answer = await syncKiosk(socket, held.version);
    expect(answer.full).toBe(true);
    expect(answer.screen?.tags).toEqual(["portrait"]);
  });

  it("gives a screen the announcements of its tags, and drops them when the tag goes", async () => {
    const kiosk = await paired("公告屏");
    const held = new HeldContent();
    const metroOnly = await publishAnnouncement(server(), {
      title: "地铁站通知",
      target: { districtIds: ["tag-a"], screenTags: ["metro"] },
    });
    const everyone = await publishAnnouncement(server(), {
      title: "全区通知",
      target: { districtIds: ["tag-a"], screenTags: [] },
    });
    await syncAndAck(kiosk.socket, held);
    expect(held.ids).toContain(everyone.id);
    expect(held.ids).not.toContain(metroOnly.id);

    let pushed = nextPush(kiosk.socket);
    expect((await putTags(kiosk.screenId, { tags: ["metro"] })).status).toBe(200);
    await pushed;
    expect((await syncAndAck(kiosk.socket, held)).full).toBe(true);
    expect(held.ids).toContain(metroOnly.id);
    expect(held.ids).toContain(everyone.id);
    await settled(kiosk.screenId);

    pushed = nextPush(kiosk.socket);
    expect((await putTags(kiosk.screenId, { tags: ["bus-stop"] })).status).toBe(200);
    await pushed;
    expect((await syncAndAck(kiosk.socket, held)).full).toBe(true);
    // The full manifest replaces what it held: the metro notice is gone from it.
    expect(held.ids).not.toContain(metroOnly.id);
    expect(held.ids).toContain(everyone.id);
  });

  it("plays a window only on screens carrying its tags, in the screen's timeline", async () => {
    const t = server();
    const putSchedule = (windows: unknown[]) =>
      api(`${t.baseUrl}/api/districts/tag-b/schedule`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ windows }),
      });
    const allDay = {
      id: "all-day",
      days: [1, 2, 3, 4, 5, 6, 7],
      start: "00:00",
      end: "24:00",
      playlist: [{ type: "announcementsTagged", tag: "general" }],
      dwellSeconds: 10,
    };
    const metroWindow = { ...allDay, id: "metro", priority: 5, screenTags: ["metro"] };
    const refused = await putSchedule([allDay, { ...metroWindow, screenTags: ["Not A Tag"] }]);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      "validation_failed",
    );
    expect((await putSchedule([allDay, metroWindow])).status).toBe(200);
    await publishAnnouncement(t, {
      title: "乙区通知",
      tags: ["general"],
      target: { districtIds: ["tag-b"], screenTags: [] },
    });

    const tagged = await paired("乙区地铁屏", "tag-b");
    const plain = await paired("乙区普通屏", "tag-b");
    expect((await putTags(tagged.screenId, { tags: ["metro"] })).status).toBe(200);
    const windowNow = async (path: string) => {
      const res = await api(`${t.baseUrl}${path}?hours=1`);
      expect(res.status).toBe(200);
      const { now } = TimelineSchema.parse(await res.json());
      return now?.kind === "slide" ? now.windowId : now?.kind;
    };
    expect(await windowNow(`/api/screens/${tagged.screenId}/timeline`)).toBe("metro");
    expect(await windowNow(`/api/screens/${plain.screenId}/timeline`)).toBe("all-day");
    // The district's own timeline is that of a screen without tags.
    expect(await windowNow(`/api/districts/tag-b/timeline`)).toBe("all-day");
    // Each kiosk, planning from its own sync as the display does, plays what the server said.
    const kioskWindowNow = async (socket: KioskSocket) => {
      const delta = await syncKiosk(socket);
      const plan = playbackPlan({
        announcements: delta.announcements,
        entries: delta.entries,
        schedule: delta.schedule,
        screenTags: delta.screen?.tags,
      });
      const now = evaluateSchedule(plan.schedule, plan.manifest, Date.now(), delta.emergencies);
      return now.kind === "slide" ? now.windowId : now.kind;
    };
    expect(await kioskWindowNow(tagged.socket)).toBe("metro");
    expect(await kioskWindowNow(plain.socket)).toBe("all-day");
  });
});
