/**
 * Soak benchmark: `npm run bench:soak -- [--rotations 10000] [--warmup 2500] [--entries 200]
 * [--minutes 10] [--kiosks 1000] [--procs 4] [--only display|server]`.
 *
 * Display (soakDisplay.ts): the built display in Chromium, paired to a real server
 * (`signage serve`, SQLite), its district's schedule at the shortest dwell (3 s) over `entries`
 * approved entries, makes `rotations` slide changes on a fake clock while one entry is
 * published and the oldest revoked every 20 slide changes. Heap and DOM are measured after a
 * warm-up (`--warmup` slide changes: 2,500, or a quarter of them when fewer), at every tenth
 * of the rest, and at the end.
 *
 * Server (soakServer.ts): `kiosks` simulated kiosks (in `procs` processes) connect, sync, stay
 * 2–8 s, leave for 1–3 s and come back, for `minutes`, against a second server process. RSS after
 * a warm-up (a fifth of the time, at most a minute) and at the end; open file descriptors before
 * the kiosks come and after they have all gone.
 *
 * Prints one JSON line on stdout (progress on stderr):
 *   rotations              slide changes the display drew (counted in the page)
 *   heap_growth_pct        JS heap in use after GC, end against after warm-up (heap_start, heap_end;
 *                          heap_curve_kb: after warm-up, every tenth of the rest, the end)
 *   heap_data_growth_pct   the same for the heap snapshots' bytes that are not V8's code
 *                          (heap_code_start, heap_code_end: compiled code, bytecode, function
 *                          records; heap_data_start, heap_data_end: the rest)
 *   dom_growth_pct         elements in the document, the same (dom_start, dom_end; nodes_start,
 *                          nodes_end: Chromium's own node count after GC)
 *   longest_task_ms        the longest task after warm-up (long tasks are those over 50 ms; 0:
 *                          none), long_tasks how many, long_task_causes what happened inside
 *                          them ("slide change", "message:<event>", …: count and longest)
 *   step_p50_ms, step_p99_ms   real time to drive one slide change (CDP round trip included)
 *   reconnects             the display's connections after its first (its heartbeat runs on the
 *                          fake clock and times out; it reconnects on its own backoff)
 *   published, revoked     entries published and revoked through the API meanwhile
 *   kiosks, minutes        the server soak's fleet and length
 *   syncs, failures        kiosk visits that synced, and connections or syncs that failed
 *   reconnected            kiosks that came back and synced again at least once
 *   rss_growth_pct         server RSS, end against after warm-up (rss_start_kb, rss_end_kb), each
 *                          read after a full GC through the server's inspector (rss_read)
 *   heap_used_growth_pct   the server's JS heap in use after that GC, likewise
 *                          (heap_used_start_kb, heap_used_end_kb)
 *   handles_start, handles_end, handles_peak   the server's open descriptors
 * Bounded: every wait has a time limit; the servers, browser and kiosk processes are stopped at
 * the end.
 */
import type { ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { soakDisplay } from "./soakDisplay";
import { soakServer, startSoakServer } from "./soakServer";

const { values } = parseArgs({
  options: {
    rotations: { type: "string", default: "10000" },
    warmup: { type: "string" },
    entries: { type: "string", default: "200" },
    minutes: { type: "string", default: "10" },
    kiosks: { type: "string", default: "1000" },
    procs: { type: "string", default: "4" },
    only: { type: "string" },
  },
});
const rotations = Number(values.rotations);
const warmup = Number(values.warmup ?? Math.min(2_500, Math.floor(rotations / 4)));
const entries = Number(values.entries);
const minutes = Number(values.minutes);
const kiosks = Number(values.kiosks);
const procs = Math.max(1, Math.min(16, Number(values.procs)));
const fail = (s: string): never => {
  process.stderr.write(`bench:soak: ${s}\n`);
  process.exit(2);
};
if (!Number.isInteger(rotations) || rotations < 10 || rotations > 1_000_000)
  fail("--rotations must be a whole number from 10 to 1000000.");
if (!Number.isInteger(warmup) || warmup < 0 || warmup >= rotations)
  fail("--warmup must be a whole number of slide changes, fewer than --rotations.");
if (!Number.isInteger(entries) || entries < 2 || entries > 5_000)
  fail("--entries must be a whole number from 2 to 5000.");
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60)
  fail("--minutes must be more than 0 and at most 1440.");
if (!Number.isInteger(kiosks) || kiosks < 1 || kiosks > 50_000)
  fail("--kiosks must be a whole number from 1 to 50000.");
if (values.only !== undefined && values.only !== "display" && values.only !== "server")
  fail('--only must be "display" or "server".');

const log = (s: string): void => {
  process.stderr.write(`soak: ${s}\n`);
};
const children: ChildProcess[] = [];

async function main(): Promise<void> {
  const out: Record<string, unknown> = {};
  if (values.only !== "server") {
    const server = await startSoakServer(children);
    try {
      Object.assign(
        out,
        await soakDisplay({
          url: server.url,
          admin: server.admin,
          moderator: server.moderator,
          rotations,
          entries,
          // V8 keeps compiling and optimising what runs once per reconnect or push long after
          // the slides' own code has settled (heap_code_*; BENCHMARKS.md).
          warmup,
          churnEvery: 20,
          log,
        }),
      );
    } finally {
      await server.close();
    }
  }
  if (values.only !== "display") {
    // Its inspector open, so memory is read after a full GC (what the server keeps).
    const server = await startSoakServer(children, { inspect: true });
    try {
      Object.assign(
        out,
        await soakServer({
          url: server.url,
          dataDir: server.dataDir,
          pid: server.pid,
          kiosks,
          procs,
          durationMs: minutes * 60_000,
          holdMs: [2_000, 8_000],
          awayMs: [1_000, 3_000],
          children,
          log,
          ...(server.inspector ? { inspector: server.inspector } : {}),
        }),
      );
    } finally {
      await server.close();
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

try {
  await main();
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}
