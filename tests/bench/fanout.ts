/**
 * Takedown fan-out benchmark: `npm run bench:fanout -- --kiosks 10000 [--procs 4]`.
 *
 * Starts the real server (`signage serve`, SQLite, its own data directory) as a process, seeds
 * N paired screens of one district, connects them as simulated kiosks in `procs` separate
 * processes (socket.io-client, websocket only, device tokens), publishes an entry (approved by
 * a second user) and revokes it. Then, in the same run, the same number of clients connect to a
 * bare socket.io server that broadcasts a payload of the same size, for the ratio.
 *
 * Prints one JSON line on stdout (progress on stderr):
 *   kiosks, delivered        screens connected, screens that acknowledged the revoke
 *   p50_ms, p99_ms, max_ms   revoke API call → each kiosk holding the delta that removes it
 *                            (the moment it sends kiosk:applied)
 *   all_ms                   revoke API call → the last kiosk's acknowledgement
 *   publish_p99_ms           the same for the approval that published it
 *   raw_p99_ms               bare socket.io broadcast → each client's receipt
 *   ratio_p99                p99_ms / raw_p99_ms
 *   rss_per_kiosk_kb         the server's resident memory per idle connected kiosk: (RSS with
 *                            the fleet connected and idle − RSS before it) / kiosks
 *   raw_rss_per_client_kb    the same for the bare socket.io server and its clients
 * Bounded: every wait has a time limit; the server and all children are stopped at the end.
 *
 * `--servers 2` runs two processes on PostgreSQL and Redis behind a loopback balancer, then
 * kills one and measures the move to the other: see fanoutTwo.ts for its run and its keys.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildEntryInput } from "../support/entryFactory";
import {
  call,
  collect,
  connectFleet,
  must,
  percentile,
  setUpBench,
  rssKbOf,
  startServer,
} from "./benchSupport";
import type { FromKiosks, ToKiosks } from "./fanoutKiosks";
import { CATCH_UP_SPREAD_MS } from "../../display/renderer/src/KioskSession";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "1000" },
    procs: { type: "string", default: "4" },
    servers: { type: "string", default: "1" },
  },
});
const servers = Number(values.servers);
if (servers !== 1 && servers !== 2) {
  process.stderr.write("bench:fanout: --servers must be 1 or 2.\n");
  process.exit(2);
}
const kiosks = Number(values.kiosks);
const procs = Math.max(1, Math.min(16, Number(values.procs)));
if (!Number.isInteger(kiosks) || kiosks < 1 || kiosks > 50_000) {
  process.stderr.write("bench:fanout: --kiosks must be a whole number from 1 to 50000.\n");
  process.exit(2);
}

const dataDir = mkdtempSync(join(tmpdir(), "signage-fanout-"));
const log = (s: string): void => {
  process.stderr.write(`fanout: ${s}\n`);
};
const children: ChildProcess[] = [];

async function main(): Promise<void> {
  const { child: server, url } = await startServer(dataDir, 0, children);
  log(`server at ${url}`);
  const { admin, moderator } = await setUpBench(url, dataDir);
  await new Promise((r) => setTimeout(r, 2_000));
  const rssBefore = rssKbOf(server.pid);
  const { kids, connected } = await connectFleet({
    script: "fanoutKiosks.ts",
    dataDir,
    url,
    kiosks,
    procs,
    children,
    log,
  });

  const created = must(
    await call(url, "/api/entries", {
      method: "POST",
      cookie: admin,
      body: buildEntryInput({ districtIds: ["bench"] }),
    }),
    201,
    "entry",
  );
  const entryId = (created.body as { entry: { id: string } }).entry.id;
  // Idle a moment with every kiosk connected and synced, then weigh the server.
  await new Promise((r) => setTimeout(r, 5_000));
  const rssIdle = rssKbOf(server.pid);
  for (const k of kids) k.send({ type: "watch", entryId } satisfies ToKiosks);
  await new Promise((r) => setTimeout(r, 200));

  const published = collect<FromKiosks, number>(
    kids,
    (m) => (m.type === "seen" && m.present ? m.at : undefined),
    connected,
    60_000,
  );
  const t1 = Date.now();
  must(
    await call(url, `/api/entries/${entryId}/approve`, {
      method: "POST",
      cookie: moderator,
      body: { revision: 1 }, // no photo: nothing changes it after creation
    }),
    200,
    "approve",
  );
  const publishTimes = (await published).map((t) => t - t1);
  log(`published to ${publishTimes.length} kiosks`);
  // The fleet's catch-up syncs (spread over CATCH_UP_SPREAD_MS) settle before the takedown is
  // timed, as before (when every kiosk synced at once on the publication).
  await new Promise((r) => setTimeout(r, CATCH_UP_SPREAD_MS + 5_000));

  const revoked = collect<FromKiosks, number>(
    kids,
    (m) => (m.type === "seen" && !m.present ? m.at : undefined),
    connected,
    60_000,
  );
  const t0 = Date.now();
  must(
    await call(url, `/api/entries/${entryId}/revoke`, {
      method: "POST",
      cookie: admin,
      body: { reason: "court_order" },
    }),
    200,
    "revoke",
  );
  const ackTimes = (await revoked).map((t) => t - t0);
  log(`revoke acknowledged by ${ackTimes.length} kiosks`);

  // The same number of clients on a bare socket.io server, one broadcast of a same-size payload.
  const raw = fork(join(import.meta.dirname, "rawBroadcast.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  children.push(raw);
  const rawPort = await new Promise<number>((resolve) =>
    raw.once("message", (m: { port: number }) => resolve(m.port)),
  );
  await new Promise((r) => setTimeout(r, 1_000));
  const rawBefore = rssKbOf(raw.pid);
  const rawReady = collect<FromKiosks, number>(
    kids,
    (m) => (m.type === "raw-ready" ? m.count : undefined),
    procs,
    180_000,
  );
  for (const k of kids)
    k.send({ type: "raw", url: `http://127.0.0.1:${rawPort}` } satisfies ToKiosks);
  const rawClients = (await rawReady).reduce((a, b) => a + b, 0);
  await new Promise((r) => setTimeout(r, 5_000));
  const rawIdle = rssKbOf(raw.pid);
  const rawSeen = collect<FromKiosks, number>(
    kids,
    (m) => (m.type === "raw-seen" ? m.at : undefined),
    rawClients,
    60_000,
  );
  const payload = {
    version: 3,
    full: false,
    announcements: [],
    entries: [],
    removedIds: [entryId],
    district: {
      id: "bench",
      timeZone: "Asia/Shanghai",
      language: "zh-CN",
      contestText: "",
      contestUrl: null,
    },
    schedule: null,
    emergencies: [],
  };
  const broadcastAt = new Promise<number>((resolve) =>
    raw.once("message", (m: { at: number }) => resolve(m.at)),
  );
  raw.send({ type: "broadcast", payload });
  const tRaw = await broadcastAt;
  const rawTimes = (await rawSeen).map((t) => t - tRaw);

  const p99 = percentile(ackTimes, 99);
  const rawP99 = percentile(rawTimes, 99);
  process.stdout.write(
    `${JSON.stringify({
      kiosks: connected,
      delivered: ackTimes.length,
      p50_ms: percentile(ackTimes, 50),
      p99_ms: p99,
      max_ms: Math.max(...ackTimes),
      all_ms: ackTimes.length === connected ? Math.max(...ackTimes) : null,
      publish_p99_ms: percentile(publishTimes, 99),
      raw_clients: rawClients,
      raw_p99_ms: rawP99,
      ratio_p99: Math.round((p99 / Math.max(1, rawP99)) * 100) / 100,
      rss_per_kiosk_kb: Math.round(((rssIdle - rssBefore) / Math.max(1, connected)) * 10) / 10,
      raw_rss_per_client_kb:
        Math.round(((rawIdle - rawBefore) / Math.max(1, rawClients)) * 10) / 10,
    })}\n`,
  );
  for (const k of kids) k.send({ type: "close" } satisfies ToKiosks);
  raw.send({ type: "close" });
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
}

try {
  if (servers === 2)
    await (await import("./fanoutTwo")).runTwoServers({ kiosks, procs, dataDir, children, log });
  else await main();
} finally {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
}
