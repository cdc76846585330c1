import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import type pg from "pg";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, postgresPoolOf } from "../../server/store/database";
import { SessionLock } from "../../server/store/sessionLock";
import { AlertListSchema, type Alert } from "../../shared/schemas/alert";
import { spawnServer, type ServerProcess } from "../support/faultServer";
import { reportStatus } from "../support/kioskStatus";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import {
  api,
  createDistrict,
  makeDataDir,
  pairKiosk,
  removeDataDir,
  type KioskSocket,
} from "../support/testServer";

const CHECKS_HERE = "alert checks: this process checks";
const CHECKS_ELSEWHERE = "alert checks: another process checks";

/** Every alert (open and resolved) as the console of `s` lists it. */
async function alertsOn(s: ServerProcess): Promise<Alert[]> {
  const res = await api(`${s.baseUrl}/api/alerts`);
  expect(res.status).toBe(200);
  return AlertListSchema.parse(await res.json()).alerts;
}

const skewAlertsOf = async (s: ServerProcess, screenId: string): Promise<Alert[]> =>
  (await alertsOn(s)).filter((a) => a.kind === "clock_skew" && a.screenId === screenId);

// Two `signage serve` processes on one PostgreSQL database, checking alerts every second: one
// of them is elected to check for both (a session-level advisory lock); killed, the other takes
// over. The screen is connected to the one that is not elected, so it stays up throughout.
describe("alert checks elected across two server processes on PostgreSQL", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("raises one alert per cause from the elected process only; killed, the other takes over", async () => {
    const database: TempDatabase = await createTempDatabase();
    cleanups.push(() => database.drop());
    // One data directory: both processes must hold the same master key.
    const dataDir = makeDataDir();
    cleanups.push(() => removeDataDir(dataDir));
    const env = { DATABASE_URL: database.url, SIGNAGE_ALERT_CHECK_SECONDS: "1" };
    const first = await spawnServer(dataDir, env);
    cleanups.push(() => first.kill());
    await expect.poll(() => first.output(), { timeout: 30_000 }).toContain(CHECKS_HERE);
    const second = await spawnServer(dataDir, env);
    cleanups.push(() => second.kill());
    // Its first round found the checks taken.
    await expect.poll(() => second.output(), { timeout: 30_000 }).toContain(CHECKS_ELSEWHERE);
    await createDistrict(second.baseUrl, "da");
    const kiosk: { socket: KioskSocket; screenId: string } = await pairKiosk(
      second.baseUrl,
      "da",
      "选举屏",
    );
    cleanups.push(() => void kiosk.socket.disconnect());

    reportStatus(kiosk.socket, { clockSkewMs: 4_500 });
    await expect
      .poll(() => skewAlertsOf(second, kiosk.screenId), { timeout: 30_000 })
      .toEqual([expect.objectContaining({ resolvedAt: null, detail: { skewMs: 4_500 } })]);
    // Both processes list the same single alert.
    expect(await skewAlertsOf(first, kiosk.screenId)).toHaveLength(1);
    // The first process raised it; the second has never checked.
    expect(first.output()).toMatch(/"raised":[1-9].*"msg":"alerts changed"/);
    expect(second.output()).not.toContain(CHECKS_HERE);
    expect(second.output()).not.toContain('"msg":"alerts changed"');

    // The elected process dies without a word: the other one takes the checks over.
    await first.kill();
    await expect.poll(() => second.output(), { timeout: 30_000 }).toContain(CHECKS_HERE);
    // The clock is right again: the process that took over resolves the alert.
    reportStatus(kiosk.socket, { clockSkewMs: 80 });
    await expect
      .poll(() => skewAlertsOf(second, kiosk.screenId), { timeout: 30_000 })
      .toEqual([expect.objectContaining({ resolvedAt: expect.any(String) as unknown })]);
    expect(second.output()).toMatch(/"resolved":[1-9].*"msg":"alerts changed"/);
  }, 240_000);
});

/**
 * A TCP relay to PostgreSQL whose connections can be stalled as a half-open connection is: both
 * sockets stay open, nothing passes either way, and the database's side is never closed (its
 * session lives on, holding what it holds), whatever the client does with its own socket.
 */
async function stallableRelay(target: URL): Promise<{
  port: number;
  stallOpen(): void;
  close(): Promise<void>;
}> {
  const pairs: { client: Socket; upstream: Socket; stalled: boolean }[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const pair = { client, upstream, stalled: false };
    pairs.push(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
    client.on("close", () => {
      if (!pair.stalled) upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stallOpen() {
      for (const pair of pairs) {
        if (pair.client.destroyed) continue;
        pair.stalled = true;
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        pair.client.pause();
        pair.upstream.pause();
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The connection holding the lock goes half-open (a partition, a NAT timeout): no answer and no
// error ever come, and the server's side of the session keeps the lock for hours. The liveness
// question times out instead; the connection is destroyed, its session ended, the lock retaken.
describe("the alert election's lock on a connection that stopped answering", () => {
  it("gives the connection up, ends its session and takes the lock again", async () => {
    const database: TempDatabase = await createTempDatabase();
    const relay = await stallableRelay(new URL(database.url));
    const viaRelay = new URL(database.url);
    viaRelay.hostname = "127.0.0.1";
    viaRelay.port = String(relay.port);
    // The lock's process reaches the database through the relay; the test looks on directly.
    const store = openStore({ kind: "postgres", url: viaRelay.toString() });
    const observer = openStore({ kind: "postgres", url: database.url });
    const lock = new SessionLock(store.db, "alertMonitor", { probeTimeoutMs: 300 });
    try {
      const pool = postgresPoolOf(store.db);
      if (!pool) throw new Error("no pool");
      const acquired: pg.PoolClient[] = [];
      const removed: pg.PoolClient[] = [];
      pool.on("acquire", (c) => acquired.push(c));
      pool.on("remove", (c) => removed.push(c));
      /** The backend pids holding an advisory lock. */
      const holders = async (): Promise<number[]> =>
        (
          await sql<{ pid: number }>`select pid from pg_locks
            where locktype = 'advisory' and granted`.execute(observer.db)
        ).rows.map((r) => r.pid);

      expect(await lock.holds()).toBe(true);
      const [held] = acquired;
      if (!held) throw new Error("the lock took no connection");
      const [firstPid] = await holders();
      expect(firstPid).toBeDefined();

      // The lock's connection (the only one its pool has open) goes half-open.
      relay.stallOpen();

      // Held again by this process, on another session (at once, or at the next round once the
      // server has ended the stalled one); the stalled session is gone from the server.
      await expect.poll(() => lock.holds(), { timeout: 20_000 }).toBe(true);
      const now = await holders();
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(firstPid);
      await expect
        .poll(
          async () =>
            (
              await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
                where pid = ${firstPid}`.execute(observer.db)
            ).rows[0]?.n,
        )
        .toBe(0);
      // The stalled client left the pool (destroyed, not handed to the next query).
      await expect.poll(() => removed.includes(held)).toBe(true);
      expect(await lock.holds()).toBe(true);
    } finally {
      await lock.release();
      await store.db.destroy();
      await observer.db.destroy();
      await relay.close();
      await database.drop();
    }
  }, 60_000);
});
