import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiErrorSchema } from "../../shared/schemas/apiError";
import { ScreenHistorySchema, ScreenSchema, type ScreenHistory } from "../../shared/schemas/screen";
import { RetentionSweep } from "../../server/services/RetentionSweep";
import { databaseBackends, useTestServerOn } from "../support/databases";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  pairKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const MIN = 60_000;
const DAY = 86_400_000;
const ScreenListSchema = z.object({ screens: z.array(ScreenSchema) });

/** The status report a kiosk sends every 30 s, with what a test wants to say. */
function report(socket: KioskSocket, extra: Record<string, unknown> = {}): void {
  socket.emit("screen:status", {
    width: 1920,
    height: 1080,
    appVersion: "0.4.0",
    appliedVersion: 0,
    currentSlide: "idle",
    uptimeSeconds: 60,
    memoryMb: 210,
    clockSkewMs: 150,
    storageUsedMb: 120,
    storageQuotaMb: 2048,
    ...extra,
  });
}

describe.each(databaseBackends)("screen history on $name", (backend) => {
  const server = useTestServerOn(
    backend,
    // The alert monitor checks every second, so a reported problem shows in the filter soon.
    { env: { SIGNAGE_ALERT_CHECK_SECONDS: "1" } },
    async (t) => {
      await createDistrict(t.baseUrl, "north");
      await createDistrict(t.baseUrl, "south");
    },
  );
  const sockets: KioskSocket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
  });

  async function historyOf(
    t: TestServer,
    screenId: string,
    query = "",
    user?: TestUser,
  ): Promise<ScreenHistory> {
    const url = `${t.baseUrl}/api/screens/${screenId}/history${query}`;
    const res = user ? await user.fetch(url) : await api(url);
    expect(res.status).toBe(200);
    return ScreenHistorySchema.parse(((await res.json()) as { history: unknown }).history);
  }

  async function listNames(t: TestServer, query: string): Promise<string[]> {
    const res = await api(`${t.baseUrl}/api/screens${query}`);
    expect(res.status).toBe(200);
    return ScreenListSchema.parse(await res.json()).screens.map((s) => s.name);
  }

  it("records a kiosk's connections and status reports and answers its history", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "north", "北站一号屏");
    report(kiosk.socket, { currentSlide: "idle", memoryMb: 200 });
    await expect
      .poll(async () => (await historyOf(t, kiosk.screenId)).reports.length, { timeout: 10_000 })
      .toBe(1);
    report(kiosk.socket, { currentSlide: "blank", memoryMb: 250, clockSkewMs: -2_600 });
    await expect
      .poll(async () => (await historyOf(t, kiosk.screenId)).reports.length, { timeout: 10_000 })
      .toBe(2);
    kiosk.socket.disconnect();
    // The disconnect closes the first connection; the screen comes back on a second one.
    await expect
      .poll(async () => (await historyOf(t, kiosk.screenId)).spans.every((s) => !s.open), {
        timeout: 10_000,
      })
      .toBe(true);
    const back = await connectKiosk(t.baseUrl, kiosk.token);
    sockets.push(back);
    report(back, { appVersion: "0.5.0", memoryMb: 300, storageUsedMb: 1900 });
    await expect
      .poll(async () => (await historyOf(t, kiosk.screenId)).reports.length, { timeout: 10_000 })
      .toBe(3);

    const history = await historyOf(t, kiosk.screenId);
    expect(history.days).toBe(7);
    expect(Date.parse(history.to) - Date.parse(history.from)).toBe(7 * DAY);
    expect(history.spans).toHaveLength(2);
    expect(history.spans[0]?.open).toBe(false);
    expect(history.spans[1]?.open).toBe(true);
    // Paired moments ago: uptime counts from the pairing, not from seven days back.
    expect(Date.parse(history.observedFrom)).toBeGreaterThan(Date.now() - 10 * MIN);
    expect(history.uptimePercent).not.toBeNull();
    expect(history.uptimePercent ?? 0).toBeGreaterThan(50);
    expect(history.uptimePercent ?? 0).toBeLessThanOrEqual(100);
    // Newest first, each as it came.
    expect(history.reports.map((r) => r.memoryMb)).toEqual([300, 250, 200]);
    expect(history.reports[0]).toMatchObject({
      appVersion: "0.5.0",
      storageUsedMb: 1900,
      storageQuotaMb: 2048,
      showing: { kind: "idle" },
    });
    // The report moved its connection's last sign of life (one statement on PostgreSQL).
    const open = await t.server.store.db
      .selectFrom("screen_connections")
      .select("last_seen_at")
      .where("screen_id", "=", kiosk.screenId)
      .where("disconnected_at", "is", null)
      .execute();
    expect(open.map((r) => r.last_seen_at)).toEqual([history.reports[0]?.at]);
    expect(history.reports[1]).toMatchObject({
      clockSkewMs: -2_600,
      currentSlide: "blank",
      showing: { kind: "blank" },
    });
  });

  it("ends a connection its process never closed at its last report, and cuts one begun before the period", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "north", "北站二号屏");
    kiosk.socket.disconnect();
    // Its connection written and closed (presence writes land a moment after the events).
    await expect
      .poll(
        async () => {
          const { spans } = await historyOf(t, kiosk.screenId);
          return spans.length > 0 && spans.every((s) => !s.open);
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const now = Date.now();
    const iso = (ago: number) => new Date(now - ago).toISOString();
    // Paired long ago, so the whole period is observed.
    await t.server.store.db
      .updateTable("screens")
      .set({ paired_at: iso(30 * DAY) })
      .where("id", "=", kiosk.screenId)
      .execute();
    await t.server.store.db
      .deleteFrom("screen_connections")
      .where("screen_id", "=", kiosk.screenId)
      .execute();
    await t.server.store.db
      .insertInto("screen_connections")
      .values([
        // Began nine days ago, ended six days ago: shown from the period's start.
        {
          id: "11111111-1111-4111-8111-111111111111",
          screen_id: kiosk.screenId,
          connection_id: "long-connection",
          connected_at: iso(9 * DAY),
          last_seen_at: iso(6 * DAY),
          disconnected_at: iso(6 * DAY),
        },
        // Its process was killed two hours ago: never closed, last report then.
        {
          id: "22222222-2222-4222-8222-222222222222",
          screen_id: kiosk.screenId,
          connection_id: "killed-process-connection",
          connected_at: iso(3 * 60 * MIN),
          last_seen_at: iso(2 * 60 * MIN),
          disconnected_at: null,
        },
      ])
      .execute();
    const week = await historyOf(t, kiosk.screenId);
    expect(week.spans).toEqual([
      { from: week.from, to: iso(6 * DAY), open: false },
      { from: iso(3 * 60 * MIN), to: iso(2 * 60 * MIN), open: false },
    ]);
    // The server's period began a moment after this test's `now` went back seven days.
    const firstSpanMs = now - 6 * DAY - Date.parse(week.from);
    expect(firstSpanMs).toBeGreaterThan(DAY - MIN);
    expect(week.connectedMs).toBe(firstSpanMs + 60 * MIN);
    expect(week.uptimePercent).toBeCloseTo(((DAY + 60 * MIN) / (7 * DAY)) * 100, 0);
    // A one-day period holds the killed connection only.
    const day = await historyOf(t, kiosk.screenId, "?days=1");
    expect(day.spans).toEqual([{ from: iso(3 * 60 * MIN), to: iso(2 * 60 * MIN), open: false }]);
    expect(day.uptimePercent).toBeCloseTo((60 / (24 * 60)) * 100, 0);

    // The daily retention sweep deletes connections ended more than eight days ago only.
    await t.server.store.db
      .updateTable("screen_connections")
      .set({ disconnected_at: iso(8 * DAY + MIN), last_seen_at: iso(8 * DAY + MIN) })
      .where("connection_id", "=", "long-connection")
      .execute();
    const sweep = new RetentionSweep({
      db: t.server.store.db,
      log: pino({ level: "silent" }),
      settings: { playsDays: 400, endedSessionsDays: 30 },
    });
    await sweep.sweep();
    const left = await t.server.store.db
      .selectFrom("screen_connections")
      .select("connection_id")
      .where("screen_id", "=", kiosk.screenId)
      .execute();
    expect(left.map((r) => r.connection_id)).toEqual(["killed-process-connection"]);
  });

  it("sorts the screens list by name and last seen and filters it by problem", async () => {
    const t = server();
    await createDistrict(t.baseUrl, "west");
    const a = await pairKiosk(t.baseUrl, "west", "西-甲");
    const b = await pairKiosk(t.baseUrl, "west", "西-乙");
    const c = await pairKiosk(t.baseUrl, "west", "西-丙");
    sockets.push(a.socket, c.socket);
    // b goes dark; a's clock is off; c is well.
    b.socket.disconnect();
    report(a.socket, { clockSkewMs: 5_000 });
    report(c.socket);
    const west = (names: string[]) => names.filter((n) => n.startsWith("西-"));
    await expect
      .poll(async () => west(await listNames(t, "?problem=clock_skew")), { timeout: 20_000 })
      .toEqual(["西-甲"]);
    await expect
      .poll(async () => west(await listNames(t, "?problem=offline")), { timeout: 10_000 })
      .toEqual(["西-乙"]);
    expect(west(await listNames(t, "?problem=any&sort=name"))).toEqual(["西-甲", "西-乙"]);
    expect(west(await listNames(t, "?problem=storage_low"))).toEqual([]);

    // Last seen: b longest ago, then a, then c.
    const seen = async (id: string, ago: number) =>
      t.server.store.db
        .updateTable("screens")
        .set({ last_seen_at: new Date(Date.now() - ago).toISOString() })
        .where("id", "=", id)
        .execute();
    await seen(b.screenId, 50 * MIN);
    await seen(a.screenId, 20 * MIN);
    await seen(c.screenId, 10 * MIN);
    expect(west(await listNames(t, "?sort=lastSeen&order=asc"))).toEqual([
      "西-乙",
      "西-甲",
      "西-丙",
    ]);
    expect(west(await listNames(t, "?sort=lastSeen&order=desc"))).toEqual([
      "西-丙",
      "西-甲",
      "西-乙",
    ]);
    expect(west(await listNames(t, "?sort=name&order=desc"))).toEqual(["西-乙", "西-甲", "西-丙"]);
  });

  it("answers bad queries with a 400, a code and a sentence, and hides other districts' screens", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "south", "南站屏");
    sockets.push(kiosk.socket);
    const base = `${t.baseUrl}/api/screens/${kiosk.screenId}/history`;
    for (const query of ["?days=0", "?days=8", "?days=1.5", "?days=week", "?from=2026-01-01"]) {
      const res = await api(`${base}${query}`);
      expect(res.status, query).toBe(400);
      const body = ApiErrorSchema.parse(await res.json());
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    for (const query of ["?problem=broken", "?sort=age", "?order=up", "?limit=5"]) {
      const res = await api(`${t.baseUrl}/api/screens${query}`);
      expect(res.status, query).toBe(400);
      expect(ApiErrorSchema.parse(await res.json()).error.code).toBe("validation_failed");
    }
    expect((await api(`${t.baseUrl}/api/screens/not-a-uuid/history`)).status).toBe(400);
    const unknown = await api(
      `${t.baseUrl}/api/screens/33333333-3333-4333-8333-333333333333/history`,
    );
    expect(unknown.status).toBe(404);
    expect(ApiErrorSchema.parse(await unknown.json()).error.code).toBe("not_found");
    expect((await api(base, { anonymous: true })).status).toBe(401);

    // A north operator does not see a south screen, not even that it exists.
    const northOp = await createUser(t.baseUrl, "north-op", [{ role: "operator", scope: "north" }]);
    const hidden = await northOp.fetch(base);
    expect(hidden.status).toBe(404);
    expect(ApiErrorSchema.parse(await hidden.json()).error.code).toBe("not_found");
    const southOp = await createUser(t.baseUrl, "south-op", [{ role: "operator", scope: "south" }]);
    expect((await historyOf(t, kiosk.screenId, "?days=2", southOp)).days).toBe(2);
  });
});
