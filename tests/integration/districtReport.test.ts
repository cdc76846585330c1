import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { DistrictReportSchema, type DistrictReport } from "../../shared/schemas/districtReport";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { closeConnection, openConnection } from "../../server/store/screenHistory";
import pino from "pino";
import { RetentionSweep } from "../../server/services/RetentionSweep";
import { insertPlays } from "../../server/store/plays";
import { publishAnnouncement } from "../support/announcements";
import { databaseBackends, useTestServerOn } from "../support/databases";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

/** The past week the exact figures are about: 2026-03-01 to 2026-03-08 (10,080 minutes). */
const FROM = "2026-03-01T00:00:00.000Z";
const TO = "2026-03-08T00:00:00.000Z";
const at = (s: string): string => new Date(`2026-${s}:00.000Z`).toISOString();

/** Waits (in set-up, where expect.poll is not available) until `check` holds. */
async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(databaseBackends)("district report on $name", (backend) => {
  const server = useTestServerOn(backend, {}, async (t) => {
    await createDistrict(t.baseUrl, "city");
    await createDistrict(t.baseUrl, "da", "city");
    await createDistrict(t.baseUrl, "da-sub", "da");
    await createDistrict(t.baseUrl, "db", "city");
  });
  let moderator: TestUser;
  let operatorB: TestUser;
  const kiosks: Record<"north" | "sub" | "east", { socket: KioskSocket; screenId: string }> = {
    north: { socket: undefined as unknown as KioskSocket, screenId: "" },
    sub: { socket: undefined as unknown as KioskSocket, screenId: "" },
    east: { socket: undefined as unknown as KioskSocket, screenId: "" },
  };
  let revokedEntry: EntryView;
  let completedEntry: EntryView;
  let announcementId = "";
  /** Change-log versions of the takedowns: withdrawn announcement, revoked entries. */
  const versions = { announcement: 0, completedEntry: 0, pendingEntry: 0, otherDistrict: 0 };

  const createEntry = async (t: TestServer, districtIds: string[], fullName: string) => {
    const form = new FormData();
    form.set("entry", JSON.stringify(buildEntryInput({ districtIds, fullName })));
    const res = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const entry = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
    return entry;
  };
  const revoke = async (t: TestServer, id: string): Promise<number> => {
    const res = await api(`${t.baseUrl}/api/entries/${id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(res.status).toBe(200);
    return latestVersion(t);
  };
  const latestVersion = async (t: TestServer): Promise<number> => {
    const row = await t.server.store.db
      .selectFrom("change_log")
      .select((eb) => eb.fn.max("version").as("v"))
      .executeTakeFirstOrThrow();
    return Number(row.v);
  };
  /** Acknowledges `version` from these kiosks and waits until the server holds it. */
  const acknowledge = async (t: TestServer, version: number, ...names: (keyof typeof kiosks)[]) => {
    for (const n of names) kiosks[n].socket.emit("kiosk:applied", { version });
    await waitUntil(`acknowledgement of ${version}`, async () => {
      const rows = await t.server.store.db
        .selectFrom("screens")
        .select("applied_version")
        .where(
          "id",
          "in",
          names.map((n) => kiosks[n].screenId),
        )
        .execute();
      return rows.every((r) => Number(r.applied_version) >= version);
    });
  };
  /** The audit log's "all screens acknowledged" times, by version. */
  const recordedMs = async (t: TestServer): Promise<Map<number, number>> => {
    const rows = await t.server.store.db
      .selectFrom("audit_log")
      .select("details_json")
      .where("action", "=", "takedown.acknowledged")
      .execute();
    const out = new Map<number, number>();
    for (const r of rows) {
      const d = JSON.parse(r.details_json) as { version: number; msToAllScreens: number };
      out.set(d.version, d.msToAllScreens);
    }
    return out;
  };

  beforeAll(async () => {
    const t = server();
    const db = t.server.store.db;
    moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
    operatorB = await createUser(t.baseUrl, "operatorB", [{ role: "operator", scope: "db" }]);
    for (const [key, district, name] of [
      ["north", "da", "Stop 1, north"],
      ["sub", "da-sub", '=HYPERLINK("http://evil.example")'],
      ["east", "db", "东门"],
    ] as const) {
      const k = await pairKiosk(t.baseUrl, district, name);
      kiosks[key] = { socket: k.socket, screenId: k.screenId };
    }
    await db.updateTable("screens").set({ paired_at: "2026-02-01T00:00:00.000Z" }).execute();
    // Connections of the past week, with known times (the live ones are today's).
    const connect = async (key: keyof typeof kiosks, from: string, to: string) => {
      const id = randomUUID();
      await openConnection(db, kiosks[key].screenId, id, from);
      await closeConnection(db, id, to);
    };
    // North: 00:00–12:00 on the first day from two overlapping connections (one began the day
    // before), and the last 12 hours of the week (its connection ran past the period): 24 h.
    await connect("north", at("02-28T22:00"), at("03-01T06:00"));
    await connect("north", at("03-01T03:00"), at("03-01T12:00"));
    await connect("north", at("03-07T12:00"), at("03-08T02:00"));
    // The sub-district's screen: three and a half days, half the week.
    await connect("sub", at("03-02T00:00"), at("03-05T12:00"));
    // District B's screen: all week, not district A's.
    await connect("east", at("02-28T00:00"), at("03-09T00:00"));

    revokedEntry = await createEntry(t, ["da"], "欧阳娜娜");
    completedEntry = await createEntry(t, ["da"], "司马光明");
    const elsewhere = await createEntry(t, ["db"], "王小明");
    const announcement = await publishAnnouncement(t, {
      title: "=cmd|' /C calc'!A0",
      body: "停水通知",
      language: "zh-CN",
    });
    announcementId = announcement.id;

    // Plays of the week: on district A's screens, and some that must not count.
    const play = (
      key: keyof typeof kiosks,
      kind: "entry" | "announcement" | "emergency",
      contentId: string,
      startedAt: string,
      durationMs: number,
    ) => ({
      screen_id: kiosks[key].screenId,
      play_id: randomUUID(),
      kind,
      content_id: contentId,
      version: 1,
      started_at: startedAt,
      duration_ms: durationMs,
      received_at: startedAt,
    });
    // Stored as the kiosks' uploads are, so the daily rollup the report reads is kept.
    await insertPlays(db, [
      ...[0, 1, 2].map((i) =>
        play("north", "entry", revokedEntry.id, at(`03-02T0${i}:00`), 10_000),
      ),
      ...[0, 1].map((i) => play("sub", "entry", revokedEntry.id, at(`03-03T0${i}:00`), 15_000)),
      ...[0, 1, 2, 3].map((i) =>
        play("north", "announcement", announcementId, at(`03-04T0${i}:00`), 20_000),
      ),
      play("sub", "emergency", "gone-emergency", at("03-05T00:00"), 30_500),
      // Outside the period, or on district B's screen: not counted.
      play("north", "announcement", announcementId, at("02-28T23:59"), 20_000),
      play("north", "announcement", announcementId, TO, 20_000),
      ...[0, 1, 2].map((i) =>
        play("east", "announcement", announcementId, at(`03-04T0${i}:00`), 20_000),
      ),
    ]);

    // Takedowns (today): district B's entry (not district A's), the city-wide announcement and
    // one entry acknowledged by every screen, then one entry the sub-district's screen never
    // acknowledges.
    versions.otherDistrict = await revoke(t, elsewhere.id);
    const withdrawn = await api(`${t.baseUrl}/api/announcements/${announcementId}/withdraw`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "已恢复供水" }),
    });
    expect(withdrawn.status).toBe(200);
    versions.announcement = await latestVersion(t);
    await acknowledge(t, versions.announcement, "north", "sub", "east");
    versions.completedEntry = await revoke(t, completedEntry.id);
    await acknowledge(t, versions.completedEntry, "north", "sub");
    versions.pendingEntry = await revoke(t, revokedEntry.id);
    await acknowledge(t, versions.pendingEntry, "north");
    // The audit log records each completed takedown's time to its last screen.
    await waitUntil("the completed takedowns' audit records", async () => {
      const recorded = await recordedMs(t);
      return recorded.has(versions.announcement) && recorded.has(versions.completedEntry);
    });
  }, 120_000);

  const reportOf = async (
    query: string,
    as?: TestUser,
  ): Promise<{ status: number; report: DistrictReport }> => {
    const url = `${server().baseUrl}/api/districts/da/report${query}`;
    const res = as ? await as.fetch(url) : await api(url);
    const body = (await res.json()) as { report: unknown };
    return { status: res.status, report: DistrictReportSchema.parse(body.report) };
  };
  const asModerator = (query: string) => reportOf(query, moderator);

  it("gives each screen's connected minutes and uptime over the period, sub-districts included", async () => {
    const { status, report } = await asModerator(`?from=${FROM}&to=${TO}`);
    expect(status).toBe(200);
    expect(report).toMatchObject({ districtId: "da", from: FROM, to: TO });
    expect(report.screens).toEqual({
      count: 2,
      online: 2,
      uptimePercent: 32.1,
      truncated: false,
      items: [
        {
          id: kiosks.sub.screenId,
          name: '=HYPERLINK("http://evil.example")',
          districtId: "da-sub",
          state: "active",
          online: true,
          connectedMinutes: 5040,
          uptimePercent: 50,
        },
        {
          id: kiosks.north.screenId,
          name: "Stop 1, north",
          districtId: "da",
          state: "active",
          online: true,
          connectedMinutes: 1440,
          uptimePercent: 14.3,
        },
      ],
    });
  });

  it("counts plays and seconds per content shown in the district, masked, most played first", async () => {
    const { report } = await asModerator(`?from=${FROM}&to=${TO}`);
    expect(report.plays).toEqual({
      from: FROM,
      to: TO,
      total: 10,
      seconds: 171,
      truncated: false,
      items: [
        {
          kind: "entry",
          contentId: revokedEntry.id,
          label: "欧阳某",
          plays: 5,
          seconds: 60,
        },
        {
          kind: "announcement",
          contentId: announcementId,
          label: "=cmd|' /C calc'!A0",
          plays: 4,
          seconds: 80,
        },
        { kind: "emergency", contentId: "gone-emergency", label: null, plays: 1, seconds: 31 },
      ],
    });
    // Never a full name, nor anything of the other district.
    const text = JSON.stringify(report);
    expect(text).not.toContain("欧阳娜娜");
    expect(text).not.toContain(kiosks.east.screenId);
  });

  it("lists the period's takedowns with screens, acknowledgements and times to the last screen", async () => {
    const t = server();
    const recorded = await recordedMs(t);
    const announcementMs = recorded.get(versions.announcement);
    const entryMs = recorded.get(versions.completedEntry);
    expect(announcementMs).toBeTypeOf("number");
    expect(entryMs).toBeTypeOf("number");
    const seconds = (ms: number | undefined) => Math.round((ms ?? -1) / 100) / 10;
    const { report } = await asModerator("");
    expect(report.takedowns.items).toEqual([
      {
        version: versions.announcement,
        kind: "announcement.withdrawn",
        contentType: "announcement",
        contentId: announcementId,
        label: "=cmd|' /C calc'!A0",
        at: expect.any(String) as string,
        screens: 2,
        acknowledged: 2,
        neverAcknowledged: 0,
        secondsToLast: seconds(announcementMs),
      },
      {
        version: versions.completedEntry,
        kind: "entry.revoked",
        contentType: "entry",
        contentId: completedEntry.id,
        label: "司马某",
        at: expect.any(String) as string,
        screens: 2,
        acknowledged: 2,
        neverAcknowledged: 0,
        secondsToLast: seconds(entryMs),
      },
      {
        version: versions.pendingEntry,
        kind: "entry.revoked",
        contentType: "entry",
        contentId: revokedEntry.id,
        label: "欧阳某",
        at: expect.any(String) as string,
        screens: 2,
        acknowledged: 1,
        neverAcknowledged: 1,
        secondsToLast: null,
      },
    ]);
    const times = [seconds(announcementMs), seconds(entryMs)].sort((a, b) => a - b);
    expect(report.takedowns).toMatchObject({
      count: 3,
      incomplete: 1,
      truncated: false,
      secondsToLast: { measured: 2, p50: times[0], p90: times[1], max: times[1] },
    });
    expect(JSON.stringify(report)).not.toContain("司马光明");
    // The past week had none.
    expect((await asModerator(`?from=${FROM}&to=${TO}`)).report.takedowns.count).toBe(0);
  });

  it("serves the plays per content as CSV, safe from spreadsheet formulas", async () => {
    const res = await api(
      `${server().baseUrl}/api/districts/da/report?from=${FROM}&to=${TO}&format=csv`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="report-da-plays-2026-03-01-2026-03-08.csv"',
    );
    expect(await res.text()).toBe(
      [
        "kind,contentId,label,plays,seconds",
        `entry,${revokedEntry.id},欧阳某,5,60`,
        `announcement,${announcementId},'=cmd|' /C calc'!A0,4,80`,
        "emergency,gone-emergency,,1,31",
        "",
      ].join("\r\n"),
    );
    const screens = await api(
      `${server().baseUrl}/api/districts/da/report?from=${FROM}&to=${TO}&format=csv&table=screens`,
    );
    expect((await screens.text()).split("\r\n")[1]).toBe(
      `${kiosks.sub.screenId},"'=HYPERLINK(""http://evil.example"")",da-sub,active,yes,5040,50`,
    );
  });

  it("shows a district's report only to those who may read it there, as if others did not exist", async () => {
    const base = server().baseUrl;
    // District B's operator: their own district, not district A (404, as for no district).
    const own = await operatorB.fetch(`${base}/api/districts/db/report?from=${FROM}&to=${TO}`);
    expect(own.status).toBe(200);
    const ownReport = DistrictReportSchema.parse(
      ((await own.json()) as { report: unknown }).report,
    );
    expect(ownReport.screens.items.map((s) => s.id)).toEqual([kiosks.east.screenId]);
    expect(ownReport.plays.items).toEqual([
      expect.objectContaining({ contentId: announcementId, plays: 3, seconds: 60 }),
    ]);
    for (const district of ["da", "da-sub", "nowhere"]) {
      const res = await operatorB.fetch(`${base}/api/districts/${district}/report`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
    // A user without a role may read no report anywhere (403); without a session, nobody (401).
    const roleless = await createUser(base, "roleless", []);
    const refused = await roleless.fetch(`${base}/api/districts/da/report`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "forbidden" } });
    expect((await api(`${base}/api/districts/da/report`, { anonymous: true })).status).toBe(401);
  });

  it("refuses a bad period or query with a 400, a code and a sentence", async () => {
    for (const query of [
      `?from=${TO}&to=${FROM}`,
      `?from=${FROM}&to=${FROM}`,
      "?from=2025-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
      "?from=yesterday",
      "?format=xml",
      "?format=csv&table=entries",
      "?district=da",
    ]) {
      const res = await moderator.fetch(`${server().baseUrl}/api/districts/da/report${query}`);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, query).toBe("validation_failed");
      expect(body.error.message.length, query).toBeGreaterThan(10);
    }
    const badId = await moderator.fetch(`${server().baseUrl}/api/districts/NOT%20AN%20ID/report`);
    expect(badId.status).toBe(400);
  });

  it("sums plays per whole UTC day from the rollup, counts a retried upload once, and drops days with retention", async () => {
    const t = server();
    const db = t.server.store.db;
    const day = "2026-01-10";
    const retried = {
      screen_id: kiosks.north.screenId,
      play_id: randomUUID(),
      kind: "emergency" as const,
      content_id: "rollup-emergency",
      version: 1,
      started_at: `${day}T23:00:00.000Z`,
      duration_ms: 4_000,
      received_at: `${day}T23:00:00.000Z`,
    };
    expect(await insertPlays(db, [retried])).toBe(1);
    // The same upload again (a lost receipt), and one more play the same day.
    expect(
      await insertPlays(db, [retried, { ...retried, play_id: randomUUID(), duration_ms: 6_000 }]),
    ).toBe(1);
    // A period inside the day is rounded out to the whole day, and says so.
    const { report } = await asModerator(`?from=${day}T12:00:00.000Z&to=${day}T13:00:00.000Z`);
    expect(report.plays).toMatchObject({
      from: `${day}T00:00:00.000Z`,
      to: "2026-01-11T00:00:00.000Z",
      total: 2,
      seconds: 10,
    });
    // The retention sweep deletes the days wholly before its cut (2026-01-11T05:00), as it
    // deletes the plays shown before it.
    const sweep = new RetentionSweep({
      db,
      log: pino({ level: "silent" }),
      settings: { playsDays: 1, endedSessionsDays: 30 },
      now: () => new Date("2026-01-12T05:00:00.000Z"),
    });
    expect((await sweep.sweep()).plays).toBe(2);
    const after = await asModerator(`?from=${day}T00:00:00.000Z&to=2026-01-11T00:00:00.000Z`);
    expect(after.report.plays.total).toBe(0);
  });

  it("lists this district's takedowns even when another district had more than a report holds", async () => {
    const db = server().server.store.db;
    const at = "2026-02-10T10:00:00.000Z";
    // 501 takedowns of district B first, then one of district A.
    await db
      .insertInto("change_log")
      .values(
        Array.from({ length: 501 }, () => ({
          kind: "announcement.withdrawn" as const,
          entity_id: randomUUID(),
          at,
          scope_json: JSON.stringify({ districtIds: ["db"], screenTags: [] }),
        })),
      )
      .execute();
    const ours = randomUUID();
    await db
      .insertInto("change_log")
      .values({
        kind: "announcement.withdrawn",
        entity_id: ours,
        at,
        scope_json: JSON.stringify({ districtIds: ["da"], screenTags: [] }),
      })
      .execute();
    const query = "?from=2026-02-10T00:00:00.000Z&to=2026-02-11T00:00:00.000Z";
    const { report } = await asModerator(query);
    expect(report.takedowns).toMatchObject({ count: 1, truncated: false, incomplete: 1 });
    expect(report.takedowns.items).toEqual([
      // Sent to district A: its screen and its sub-district's.
      expect.objectContaining({ contentId: ours, screens: 2, acknowledged: 0 }),
    ]);
    const other = await operatorB.fetch(`${server().baseUrl}/api/districts/db/report${query}`);
    const otherReport = DistrictReportSchema.parse(
      ((await other.json()) as { report: unknown }).report,
    );
    expect(otherReport.takedowns).toMatchObject({ count: 500, truncated: true });
  });
});
