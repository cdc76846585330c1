/**
 * The two-process run of the fan-out benchmark: `npm run bench:fanout -- --servers 2`.
 *
 * Two `signage serve` processes share one PostgreSQL database (a fresh one on the test server,
 * SIGNAGE_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432, dropped at the end), one
 * Redis stream (SIGNAGE_TEST_REDIS_URL or redis://127.0.0.1:6379, a fresh stream, deleted at
 * the end) and one data directory (the same master key). The kiosks connect through a loopback
 * load balancer (loopbackBalancer.ts: round robin over live backends), so half land on each.
 *
 * 1. An entry is published and revoked on the first process; every kiosk on both acknowledges:
 *    the same keys as the single-process run (kiosks, delivered, p50_ms, p99_ms, max_ms, all_ms,
 *    publish_p99_ms, rss_per_kiosk_kb: both processes' growth over the fleet), with servers: 2
 *    and the bare socket.io keys null (that baseline is one process; see the single run).
 * 2. A second entry is published; then the second process is killed (SIGKILL) and, at once, the
 *    second entry is revoked on the first. The dead process's kiosks reconnect through the
 *    balancer to the live one and catch up:
 *      moved            kiosks that lost their connection and came back (synced) on the other
 *      move_ms          kill → the last kiosk back and holding the takedown (the current version)
 *      move_p99_ms      kill → each moved kiosk's first sync back, 99th percentile
 *      takedown_missed  kiosks (of all) that never dropped the entry revoked while one was dead
 *      move_refused_handshake, move_refused_sync   "overloaded" answers the moving fleet met (at
 *                       the handshake, to a sync); move_longest_hint_s the longest wait asked
 *      move_cpu_pct     share of the machine's cores each part used from the kill to the end of
 *                       the move: server (the survivor), postgres, balancer, kiosks
 */
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { createClient } from "redis";
import { buildEntryInput } from "../support/entryFactory";
import { createTempDatabase } from "../support/postgres";
import {
  call,
  collect,
  connectFleet,
  cpuMsBetween,
  cpuMsByPid,
  cpuMsOf,
  must,
  percentile,
  rssKbOf,
  setUpBench,
  startServer,
} from "./benchSupport";
import type { FromBalancer, ToBalancer } from "./loopbackBalancer";
import type { FromKiosks, ToKiosks } from "./fanoutKiosks";
import { hashToken } from "../../server/services/screens/screenTokens";
import { CATCH_UP_SPREAD_MS } from "../../display/renderer/src/KioskSession";

const redisUrl = process.env["SIGNAGE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cores = availableParallelism();

/** Seeds `n` paired screens of district "bench" in PostgreSQL; returns their device tokens. */
async function seedScreensPg(url: string, n: number): Promise<string[]> {
  const tokens = Array.from({ length: n }, () => randomBytes(32).toString("base64url"));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const at = new Date().toISOString();
    for (let i = 0; i < n; i += 5_000) {
      const part = tokens.slice(i, i + 5_000);
      await client.query(
        `insert into screens (id, name, district_id, location, state, token_hash, paired_at)
         select id, name, 'bench', '', 'active', hash, $4
           from unnest($1::text[], $2::text[], $3::text[]) as t(id, name, hash)`,
        [
          part.map(() => randomUUID()),
          part.map((_, j) => `bench-${i + j}`),
          part.map((t) => hashToken(t)),
          at,
        ],
      );
    }
  } finally {
    await client.end();
  }
  return tokens;
}

/** Asks the balancer something and waits for its answer of `type`. */
function ask<T extends FromBalancer["type"]>(
  balancer: ChildProcess,
  m: ToBalancer,
  type: T,
): Promise<Extract<FromBalancer, { type: T }>> {
  return new Promise((resolve) => {
    const on = (r: FromBalancer): void => {
      if (r.type !== type) return;
      balancer.off("message", on);
      resolve(r as Extract<FromBalancer, { type: T }>);
    };
    balancer.on("message", on);
    balancer.send(m);
  });
}

export async function runTwoServers(opts: {
  kiosks: number;
  procs: number;
  dataDir: string;
  children: ChildProcess[];
  log: (s: string) => void;
}): Promise<void> {
  const { kiosks, procs, dataDir, children, log } = opts;
  const database = await createTempDatabase();
  const stream = `signage-bench-${randomUUID()}`;
  const env = {
    DATABASE_URL: database.url,
    SIGNAGE_REDIS_URL: redisUrl,
    SIGNAGE_REDIS_STREAM: stream,
  };
  const servers: ChildProcess[] = [];
  try {
    // One after the other: the first creates the schema.
    const a = await startServer(dataDir, 0, children, env);
    const b = await startServer(dataDir, 0, children, env);
    servers.push(a.child, b.child);
    log(`servers at ${a.url} and ${b.url}`);
    const { admin, moderator } = await setUpBench(a.url, dataDir, env);

    const balancer = fork(new URL("./loopbackBalancer.ts", import.meta.url), [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    children.push(balancer);
    const portOf = (u: string) => Number(new URL(u).port);
    const { port } = await ask(
      balancer,
      // Two descriptors per kiosk: at most ~8,000 per balancer process (the limit is 20,000 here).
      {
        type: "start",
        backends: [portOf(a.url), portOf(b.url)],
        workers: Math.min(8, Math.max(2, Math.ceil(kiosks / 4_000))),
      },
      "listening",
    );
    const lbUrl = `http://127.0.0.1:${port}`;
    log(`balancer at ${lbUrl}`);

    const tokens = await seedScreensPg(database.url, kiosks);
    await sleep(2_000);
    const rssBefore = rssKbOf(a.child.pid) + rssKbOf(b.child.pid);
    const { kids, connected } = await connectFleet({
      script: "fanoutKiosks.ts",
      dataDir,
      url: lbUrl,
      kiosks,
      procs,
      children,
      tokens,
      extra: { reconnect: true },
      log,
    });
    const spread = await ask(balancer, { type: "counts" }, "counts");
    log(`connections per process: ${spread.open.join(" / ")}`);

    const entry = async (): Promise<string> => {
      const created = must(
        await call(a.url, "/api/entries", {
          method: "POST",
          cookie: admin,
          body: buildEntryInput({ districtIds: ["bench"] }),
        }),
        201,
        "entry",
      );
      return (created.body as { entry: { id: string } }).entry.id;
    };
    /** Approves `id` on the first process; resolves with each kiosk's time holding it. */
    const publish = async (id: string): Promise<number[]> => {
      for (const k of kids) k.send({ type: "watch", entryId: id } satisfies ToKiosks);
      await sleep(200);
      const seen = collect<FromKiosks, number>(
        kids,
        (m) => (m.type === "seen" && m.entryId === id && m.present ? m.at : undefined),
        connected,
        60_000,
      );
      const t = Date.now();
      must(
        await call(a.url, `/api/entries/${id}/approve`, {
          method: "POST",
          cookie: moderator,
          body: { revision: 1 },
        }),
        200,
        "approve",
      );
      const times = (await seen).map((s) => s - t);
      // The fleet's catch-up syncs settle before anything is timed.
      await sleep(CATCH_UP_SPREAD_MS + 5_000);
      return times;
    };
    const revokeOnFirst = async (id: string): Promise<void> => {
      must(
        await call(a.url, `/api/entries/${id}/revoke`, {
          method: "POST",
          cookie: admin,
          body: { reason: "court_order" },
        }),
        200,
        "revoke",
      );
    };

    const first = await entry();
    await sleep(5_000);
    const rssIdle = rssKbOf(a.child.pid) + rssKbOf(b.child.pid);
    const publishTimes = await publish(first);
    log(`published to ${publishTimes.length} kiosks`);
    const revoked = collect<FromKiosks, number>(
      kids,
      (m) => (m.type === "seen" && m.entryId === first && !m.present ? m.at : undefined),
      connected,
      60_000,
    );
    const t0 = Date.now();
    await revokeOnFirst(first);
    const ackTimes = (await revoked).map((t) => t - t0);
    log(`revoke acknowledged by ${ackTimes.length} kiosks`);

    // The move: the second process dies, a takedown is made while it is dead.
    const second = await entry();
    const held = await publish(second);
    log(`second entry held by ${held.length} kiosks`);
    const onDead = (await ask(balancer, { type: "counts" }, "counts")).open[1] ?? 0;
    const dropped = collect<FromKiosks, number>(
      kids,
      (m) => (m.type === "seen" && m.entryId === second && !m.present ? m.at : undefined),
      connected,
      180_000,
    );
    const back = collect<FromKiosks, number>(
      kids,
      (m) => (m.type === "back" ? m.at : undefined),
      onDead,
      180_000,
    );
    // What pacing the move met: refusals as "overloaded" and the longest wait they asked for.
    const refusals = { handshake: 0, sync: 0, longest: 0 };
    const countRefusal = (m: FromKiosks): void => {
      if (m.type !== "refused") return;
      refusals[m.where] += 1;
      refusals.longest = Math.max(refusals.longest, m.seconds);
    };
    for (const k of kids) k.on("message", countRefusal);
    // Who used the two cores during the move: the survivor, PostgreSQL, the balancer (its
    // workers) and the simulated kiosks; the rest of the machine's time was idle or others'.
    const cpuNow = () => ({
      server: new Map([[a.child.pid ?? 0, cpuMsOf(a.child.pid)]]),
      postgres: cpuMsByPid({ command: "postgres" }),
      balancer: new Map([
        ...cpuMsByPid({ ppid: balancer.pid }),
        [balancer.pid ?? 0, cpuMsOf(balancer.pid)],
      ]),
      kiosks: new Map(kids.map((k) => [k.pid ?? 0, cpuMsOf(k.pid)])),
    });
    const cpuAtKill = cpuNow();
    // And each second, to see which part paces which stretch of the move.
    const cpuPerSecond: string[] = [];
    let cpuBefore = cpuAtKill;
    const cpuTimer = setInterval(() => {
      const now = cpuNow();
      const pct = (role: keyof typeof now) =>
        Math.round((100 * cpuMsBetween(cpuBefore[role], now[role])) / (1_000 * cores));
      cpuPerSecond.push(`${pct("server")}/${pct("postgres")}/${pct("balancer")}/${pct("kiosks")}`);
      cpuBefore = now;
    }, 1_000);
    const killedAt = Date.now();
    b.child.kill("SIGKILL");
    await revokeOnFirst(second);
    log(`second process killed with ${onDead} kiosks; second entry revoked on the first`);
    const dropTimes = (await dropped).map((t) => t - killedAt);
    const backTimes = (await back).map((t) => t - killedAt);
    const last = Math.max(0, ...dropTimes, ...backTimes);
    clearInterval(cpuTimer);
    const cpuAtEnd = cpuNow();
    const moveWallMs = Math.max(1, Date.now() - killedAt);
    const moveCpuPct = Object.fromEntries(
      (Object.keys(cpuAtEnd) as (keyof typeof cpuAtEnd)[]).map((role) => [
        role,
        Math.round((100 * cpuMsBetween(cpuAtKill[role], cpuAtEnd[role])) / (moveWallMs * cores)),
      ]),
    );
    // Kiosks back in each second after the kill: a steady rate is the live server's pace, a
    // clump after a gap the fleet's own backoff.
    const perSecond: number[] = [];
    for (const t of backTimes)
      perSecond[Math.floor(t / 1000)] = (perSecond[Math.floor(t / 1000)] ?? 0) + 1;
    log(
      `moved kiosks back per second after the kill: ${Array.from(perSecond, (n) => n ?? 0).join(" ")}`,
    );
    log(
      `CPU per second, % of all cores, server/postgres/balancer/kiosks: ${cpuPerSecond.join(" ")}`,
    );

    const p99 = percentile(ackTimes, 99);
    process.stdout.write(
      `${JSON.stringify({
        servers: 2,
        kiosks: connected,
        delivered: ackTimes.length,
        p50_ms: percentile(ackTimes, 50),
        p99_ms: p99,
        max_ms: Math.max(...ackTimes),
        all_ms: ackTimes.length === connected ? Math.max(...ackTimes) : null,
        publish_p99_ms: percentile(publishTimes, 99),
        raw_clients: null,
        raw_p99_ms: null,
        ratio_p99: null,
        rss_per_kiosk_kb: Math.round(((rssIdle - rssBefore) / Math.max(1, connected)) * 10) / 10,
        raw_rss_per_client_kb: null,
        on_each: spread.open,
        moved: backTimes.length,
        move_ms: backTimes.length === onDead && dropTimes.length === connected ? last : null,
        move_p99_ms: percentile(backTimes, 99),
        takedown_missed: connected - dropTimes.length,
        move_refused_handshake: refusals.handshake,
        move_refused_sync: refusals.sync,
        move_longest_hint_s: refusals.longest,
        move_cpu_pct: moveCpuPct,
      })}\n`,
    );
    for (const k of kids) k.send({ type: "close" } satisfies ToKiosks);
    balancer.kill("SIGTERM");
    a.child.kill("SIGTERM");
    await new Promise((r) => a.child.once("exit", r));
  } finally {
    for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill("SIGKILL");
    await sleep(500);
    await database.drop().catch((err: unknown) => log(`database not dropped: ${String(err)}`));
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    await redis.del(stream);
    await redis.quit();
  }
}
