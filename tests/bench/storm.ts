/**
 * Reconnect-storm benchmark:
 * `npm run bench:storm -- --kiosks 10000 [--procs 4] [--down 10] [--lockstep]`.
 *
 * The real server (`signage serve`, SQLite) on a fixed port with N simulated kiosks connected
 * (stormKiosks.ts, in `procs` processes) holding an approved entry. The server is killed with
 * SIGKILL. While it is down an operator, on a second server process over the same database
 * that the kiosks do not know, publishes one entry and revokes the one on screen; that process
 * stops. After `down` seconds the server restarts on its port and every kiosk comes back on
 * its own full-jitter backoff (`--lockstep`: every kiosk retries each second, all together, as
 * a naive fleet would; the server's admission control then has to hold the line).
 *
 * Prints one JSON line on stdout (progress on stderr):
 *   kiosks                 kiosks connected before the kill
 *   recovered              kiosks back and at the version of the last change
 *   recovered_ms           restart → the last of them (null unless all recovered)
 *   p50_ms, p99_ms         restart → each kiosk recovered
 *   revoked_drawn          kiosks that resumed playing still holding the revoked entry (must be 0)
 *   published_missed       kiosks back without the entry published while down
 *   http_p50_ms, http_p99_ms, http_max_ms   an API request every 100 ms during the storm
 *   attempts, overloaded   reconnect attempts, syncs refused as overloaded
 * and where the time goes:
 *   listening_ms           restart (spawn) → the server listening
 *   backoff_wait_p50_ms, backoff_wait_p99_ms   listening → each kiosk's first attempt after it
 *                          (time spent waiting in backoff while the server was up)
 *   connect_to_recovered_p50_ms, _p99_ms   a kiosk's accepted connection → it recovered (the
 *                          server's handshake and sync, including waits it asked for)
 *   accepted_per_s         recovering connections accepted per second (first to last)
 *   recovered_per_s_peak   most kiosks recovered in any one second
 *   busy_refusals          connections refused as "overloaded" at the handshake (admission
 *                          control pacing the fleet: the kiosk comes back when told)
 *   fleet_cpu_pct, server_cpu_pct   CPU the simulated kiosks and the server took from the
 *                          restart to the last recovery, in percent of all the machine's cores
 *   cores                  the machine's cores
 *   connect_errors         failed connection attempts after the restart, by what the client saw
 * Bounded: every wait has a time limit; the server and all children are stopped at the end.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { buildEntryInput } from "../support/entryFactory";
import {
  call,
  collect,
  connectFleet,
  cpuMsOf,
  must,
  percentile,
  setUpBench,
  startServer,
} from "./benchSupport";
import type { FromStormKiosks, ToStormKiosks } from "./stormKiosks";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "1000" },
    procs: { type: "string", default: "4" },
    down: { type: "string", default: "10" },
    lockstep: { type: "boolean", default: false },
  },
});
const kiosks = Number(values.kiosks);
const procs = Math.max(1, Math.min(16, Number(values.procs)));
const downMs = Number(values.down) * 1000;
if (!Number.isInteger(kiosks) || kiosks < 1 || kiosks > 50_000) {
  process.stderr.write("bench:storm: --kiosks must be a whole number from 1 to 50000.\n");
  process.exit(2);
}
if (!Number.isFinite(downMs) || downMs < 0 || downMs > 600_000) {
  process.stderr.write("bench:storm: --down must be 0 to 600 seconds.\n");
  process.exit(2);
}

const dataDir = mkdtempSync(join(tmpdir(), "signage-storm-"));
const log = (s: string): void => {
  process.stderr.write(`storm: ${s}\n`);
};
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port free now, for a server that must come back on the same one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function createEntry(url: string, admin: string): Promise<string> {
  const created = must(
    await call(url, "/api/entries", {
      method: "POST",
      cookie: admin,
      body: buildEntryInput({ districtIds: ["bench"] }),
    }),
    201,
    "entry",
  );
  return (created.body as { entry: { id: string } }).entry.id;
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  let { child: server, url } = await startServer(dataDir, port, children);
  log(`server at ${url}`);
  const { admin, moderator } = await setUpBench(url, dataDir);
  const onScreen = await createEntry(url, admin);
  const later = await createEntry(url, admin);
  must(
    await call(url, `/api/entries/${onScreen}/approve`, {
      method: "POST",
      cookie: moderator,
      body: { revision: 1 }, // no photo: nothing changes it after creation
    }),
    200,
    "approve",
  );
  const { kids, connected } = await connectFleet({
    script: "stormKiosks.ts",
    dataDir,
    url,
    kiosks,
    procs,
    children,
    extra: { lockstep: values.lockstep },
    log,
  });
  await sleep(1_000);

  await stop(server, "SIGKILL");
  const killedAt = Date.now();
  log("server killed (SIGKILL)");

  // The operator works on while the screens' server is down.
  const operator = await startServer(dataDir, 0, children);
  must(
    await call(operator.url, `/api/entries/${later}/approve`, {
      method: "POST",
      cookie: moderator,
      body: { revision: 1 }, // no photo: nothing changes it after creation
    }),
    200,
    "approve while down",
  );
  must(
    await call(operator.url, `/api/entries/${onScreen}/revoke`, {
      method: "POST",
      cookie: admin,
      body: { reason: "court_order" },
    }),
    200,
    "revoke while down",
  );
  await stop(operator.child, "SIGTERM");
  const db = new Database(join(dataDir, "signage.db"), { readonly: true });
  const version = Number(
    (db.prepare("select max(version) as v from change_log").get() as { v: number }).v,
  );
  db.close();
  for (const k of kids)
    k.send({
      type: "target",
      version,
      revokedId: onScreen,
      publishedId: later,
    } satisfies ToStormKiosks);
  log(`published and revoked while down; current version ${version}`);
  await sleep(Math.max(0, killedAt + downMs - Date.now()));

  const recoveredReports = collect<
    FromStormKiosks,
    Extract<FromStormKiosks, { type: "recovered" }>
  >(kids, (m) => (m.type === "recovered" ? m : undefined), connected, 180_000);
  const spawnedAt = Date.now();
  ({ child: server, url } = await startServer(dataDir, port, children));
  const restartedAt = Date.now();
  const serverCpuAtRestart = cpuMsOf(server.pid);
  for (const k of kids) k.send({ type: "restarted", at: restartedAt } satisfies ToStormKiosks);
  log(`server back after ${restartedAt - killedAt} ms`);

  // The console stays usable meanwhile: an API request every 100 ms.
  const httpTimes: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      const r = await call(url, "/api/auth/me", { cookie: admin }).catch(() => undefined);
      if (r?.status === 200) httpTimes.push(performance.now() - t);
      await sleep(100);
    }
  })();
  const recovered = await recoveredReports;
  const stormWallMs = Date.now() - restartedAt;
  const serverCpuMs = cpuMsOf(server.pid) - serverCpuAtRestart;
  probing = false;
  await probe;
  const times = recovered.map((r) => r.at - restartedAt);
  const waits = recovered.flatMap((r) =>
    r.firstAttemptAt === null ? [] : [Math.max(0, r.firstAttemptAt - restartedAt)],
  );
  const serving = recovered.map((r) => r.at - r.connectedAt);
  const accepted = recovered.map((r) => r.connectedAt);
  const acceptSpanS = (Math.max(...accepted) - Math.min(...accepted)) / 1000;
  const perSecond = new Map<number, number>();
  for (const t of times)
    perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  log(`${recovered.length} of ${connected} kiosks recovered`);

  const attemptReports = collect<
    FromStormKiosks,
    {
      count: number;
      overloaded: number;
      busyRefusals: number;
      cpuMs: number;
      connectErrors: Record<string, number>;
    }
  >(kids, (m) => (m.type === "attempts" ? m : undefined), procs, 10_000);
  for (const k of kids) k.send({ type: "close" } satisfies ToStormKiosks);
  const attempts = await attemptReports;
  process.stdout.write(
    `${JSON.stringify({
      kiosks: connected,
      lockstep: values.lockstep,
      recovered: recovered.length,
      recovered_ms: recovered.length === connected ? Math.max(...times) : null,
      p50_ms: percentile(times, 50),
      p99_ms: percentile(times, 99),
      revoked_drawn: recovered.filter((r) => r.drewRevoked).length,
      published_missed: recovered.filter((r) => r.missedPublished).length,
      down_ms: restartedAt - killedAt,
      http_p50_ms: Math.round(percentile(httpTimes, 50)),
      http_p99_ms: Math.round(percentile(httpTimes, 99)),
      http_max_ms: Math.round(Math.max(...httpTimes)),
      attempts: attempts.reduce((n, a) => n + a.count, 0),
      overloaded: attempts.reduce((n, a) => n + a.overloaded, 0),
      listening_ms: restartedAt - spawnedAt,
      backoff_wait_p50_ms: Math.round(percentile(waits, 50)),
      backoff_wait_p99_ms: Math.round(percentile(waits, 99)),
      connect_to_recovered_p50_ms: Math.round(percentile(serving, 50)),
      connect_to_recovered_p99_ms: Math.round(percentile(serving, 99)),
      accepted_per_s: acceptSpanS > 0 ? Math.round(recovered.length / acceptSpanS) : null,
      recovered_per_s_peak: Math.max(0, ...perSecond.values()),
      busy_refusals: attempts.reduce((n, a) => n + a.busyRefusals, 0),
      connect_errors: attempts.reduce<Record<string, number>>((all, a) => {
        for (const [why, n] of Object.entries(a.connectErrors)) all[why] = (all[why] ?? 0) + n;
        return all;
      }, {}),
      fleet_cpu_pct: Math.round(
        (100 * attempts.reduce((n, a) => n + a.cpuMs, 0)) / (stormWallMs * cores),
      ),
      server_cpu_pct: Math.round((100 * serverCpuMs) / (stormWallMs * cores)),
      cores,
    })}\n`,
  );
  await stop(server, "SIGTERM");
}

const cores = availableParallelism();

try {
  await main();
} finally {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
}
