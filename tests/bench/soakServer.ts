/**
 * The server half of the soak (soak.ts, and the reduced run in tests/e2e/soak.test.ts):
 * simulated kiosks (soakKiosks.ts, in a few processes) connecting, syncing, disconnecting and
 * reconnecting against a real `signage serve` process for a while. The server's resident
 * memory is read after a warm-up and at the end, and its open file descriptors
 * (/proc/<pid>/fd) before the kiosks arrive and after they have all gone.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  collect,
  forkKiosks,
  memoryAfterGc,
  rssKbOf,
  rssPartsKbOf,
  seedScreens,
  setUpBench,
  startServer,
} from "./benchSupport";
import type { FromSoakKiosks, ToSoakKiosks } from "./soakKiosks";

export interface ServerSoakOptions {
  url: string;
  dataDir: string;
  /** The server process's id (its memory and descriptors are read from /proc). */
  pid: number;
  kiosks: number;
  procs: number;
  /** How long the kiosks come and go, in ms (the warm-up is the first fifth of it, ≤ 60 s). */
  durationMs: number;
  /** How long a kiosk stays connected, and away, in ms: [least, most]. */
  holdMs: [number, number];
  awayMs: [number, number];
  children: ChildProcess[];
  log: (s: string) => void;
  /** The server's inspector (startSoakServer with `inspect`): memory is then read after a GC. */
  inspector?: string;
}

export interface ServerSoakResult {
  kiosks: number;
  /** Kiosks that synced on their first connection. */
  connected: number;
  minutes: number;
  /** Connections that completed a sync, all kiosks together. */
  syncs: number;
  failures: number;
  /** Kiosks that came back and synced again at least once after a disconnect of their own. */
  reconnected: number;
  /** Kiosks whose last visit before the stop synced. */
  healthy: number;
  /** Why connections or syncs failed (error code or message), and how often. */
  failure_reasons: Record<string, number>;
  /** Server RSS after warm-up and at the end: after a full GC when the inspector is open. */
  rss_start_kb: number;
  rss_end_kb: number;
  rss_growth_pct: number;
  /** "after_gc" (through the inspector) or "raw" (whenever it was read). */
  rss_read: "after_gc" | "raw";
  /** The server's JS heap in use after a full GC, after warm-up and at the end (inspector only). */
  heap_used_start_kb: number | null;
  heap_used_end_kb: number | null;
  heap_used_growth_pct: number | null;
  /**
   * What of the RSS grew (KiB): anonymous, file-backed and shared pages; what V8 holds for its
   * heap (used or not); Node's external memory.
   */
  rss_anon_growth_kb: number;
  rss_file_growth_kb: number;
  rss_shmem_growth_kb: number;
  heap_total_growth_kb: number | null;
  external_growth_kb: number | null;
  /** Open file descriptors of the server before the kiosks came and after they all left. */
  handles_start: number;
  handles_end: number;
  /** The most seen while the kiosks came and went. */
  handles_peak: number;
}

/** Open file descriptors of a process (Linux /proc; 0 elsewhere). */
export function fdCountOf(pid: number): number {
  try {
    return readdirSync(`/proc/${String(pid)}/fd`).length;
  } catch {
    return 0;
  }
}

/** A `signage serve` process on a data folder of its own, set up as benchSupport's benches are. */
export interface SoakServer {
  url: string;
  dataDir: string;
  pid: number;
  admin: string;
  moderator: string;
  /** Its inspector's address, when started with `inspect`. */
  inspector?: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its data folder. */
  close(): Promise<void>;
}

export async function startSoakServer(
  children: ChildProcess[],
  opts: { inspect?: boolean } = {},
): Promise<SoakServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "signage-soak-"));
  try {
    // bin/signage.js rebuilds the server first when its sources changed, which on a busy
    // machine can outlast startServer's limit: any such build happens here, unhurried.
    execFileSync(process.execPath, [join(root, "bin/signage.js"), "--version"], {
      stdio: "ignore",
      timeout: 300_000,
    });
    const { child, url, inspector } = await startServer(
      dataDir,
      0,
      children,
      {},
      opts.inspect ? ["--inspect=127.0.0.1:0"] : [],
    );
    const { admin, moderator } = await setUpBench(url, dataDir);
    return {
      url,
      dataDir,
      pid: child.pid ?? 0,
      ...(inspector ? { inspector } : {}),
      admin,
      moderator,
      close: async () => {
        if (child.exitCode === null && child.signalCode === null)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill("SIGTERM");
          });
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

const root = join(import.meta.dirname, "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the server soak; the kiosk processes are stopped at the end. */
export async function soakServer(o: ServerSoakOptions): Promise<ServerSoakResult> {
  const { log } = o;
  const tokens = seedScreens(o.dataDir, o.kiosks);
  await sleep(500);
  const handlesStart = fdCountOf(o.pid);
  const kids = forkKiosks("soakKiosks.ts", o.procs, o.children);
  const connectedReports = collect<FromSoakKiosks, number>(
    kids,
    (m) => (m.type === "connected" ? m.count : undefined),
    o.procs,
    120_000,
  );
  const startedAt = Date.now();
  kids.forEach((k, i) =>
    k.send({
      type: "start",
      url: o.url,
      tokens: tokens.filter((_, j) => j % o.procs === i),
      holdMs: o.holdMs,
      awayMs: o.awayMs,
    } satisfies ToSoakKiosks),
  );
  const connected = (await connectedReports).reduce((a, b) => a + b, 0);
  log(`${connected} of ${o.kiosks} kiosks connected and synced`);

  let peak = handlesStart;
  const warmupMs = Math.min(60_000, o.durationMs / 5);
  const endAt = startedAt + o.durationMs;
  const watchUntil = async (until: number): Promise<void> => {
    while (Date.now() < until) {
      peak = Math.max(peak, fdCountOf(o.pid));
      await sleep(Math.min(1_000, Math.max(0, until - Date.now())));
    }
  };
  // Read after a full GC when the inspector is open, else as it is at that moment; with the
  // resident memory's kinds and Node's memory outside the JS heap, to tell what grows.
  const memory = async () => {
    const read = o.inspector
      ? await memoryAfterGc(o.inspector, o.pid)
      : {
          rssKb: rssKbOf(o.pid),
          heapUsedKb: null,
          heapTotalKb: null,
          externalKb: null,
          arrayBuffersKb: null,
          v8MallocedKb: null,
        };
    return { ...read, parts: rssPartsKbOf(o.pid) };
  };
  const describe = (m: Awaited<ReturnType<typeof memory>>): string =>
    `RSS ${m.rssKb} KiB (anonymous ${m.parts.anon}, file ${m.parts.file}, shared ${m.parts.shmem}), ` +
    `heap ${m.heapUsedKb ?? "?"} KiB of ${m.heapTotalKb ?? "?"}, external ${m.externalKb ?? "?"} KiB, ` +
    `array buffers ${m.arrayBuffersKb ?? "?"} KiB, V8 malloc ${m.v8MallocedKb ?? "?"} KiB, ` +
    `${fdCountOf(o.pid)} descriptors`;
  await watchUntil(startedAt + warmupMs);
  const start = await memory();
  log(`warm-up done: ${describe(start)}`);
  let lastLog = Date.now();
  while (Date.now() < endAt) {
    await watchUntil(Math.min(endAt, Date.now() + 5_000));
    if (Date.now() - lastLog >= 60_000) {
      lastLog = Date.now();
      log(describe(await memory()));
    }
  }
  const end = await memory();
  log(`end: ${describe(end)}`);

  const stoppedReports = collect<FromSoakKiosks, Extract<FromSoakKiosks, { type: "stopped" }>>(
    kids,
    (m) => (m.type === "stopped" ? m : undefined),
    o.procs,
    30_000,
  );
  for (const k of kids) k.send({ type: "stop" } satisfies ToSoakKiosks);
  const stopped = await stoppedReports;
  // Every kiosk has gone: give the server a moment to close their sockets (bounded).
  let handlesEnd = fdCountOf(o.pid);
  for (let i = 0; i < 20 && handlesEnd > handlesStart; i += 1) {
    await sleep(500);
    handlesEnd = fdCountOf(o.pid);
  }
  log(`kiosks gone: ${handlesEnd} descriptors (${handlesStart} before they came)`);
  const sum = (key: "syncs" | "failures" | "reconnected" | "healthy"): number =>
    stopped.reduce((n, s) => n + s[key], 0);
  return {
    kiosks: stopped.reduce((n, s) => n + s.kiosks, 0),
    connected,
    minutes: Math.round((o.durationMs / 60_000) * 100) / 100,
    syncs: sum("syncs"),
    failures: sum("failures"),
    reconnected: sum("reconnected"),
    healthy: sum("healthy"),
    failure_reasons: stopped.reduce<Record<string, number>>((all, s) => {
      for (const [reason, n] of Object.entries(s.reasons)) all[reason] = (all[reason] ?? 0) + n;
      return all;
    }, {}),
    rss_start_kb: start.rssKb,
    rss_end_kb: end.rssKb,
    rss_growth_pct: growthPct(start.rssKb, end.rssKb) ?? 0,
    rss_read: o.inspector ? "after_gc" : "raw",
    heap_used_start_kb: start.heapUsedKb,
    heap_used_end_kb: end.heapUsedKb,
    heap_used_growth_pct:
      start.heapUsedKb === null || end.heapUsedKb === null
        ? null
        : growthPct(start.heapUsedKb, end.heapUsedKb),
    rss_anon_growth_kb: end.parts.anon - start.parts.anon,
    rss_file_growth_kb: end.parts.file - start.parts.file,
    rss_shmem_growth_kb: end.parts.shmem - start.parts.shmem,
    heap_total_growth_kb:
      start.heapTotalKb === null || end.heapTotalKb === null
        ? null
        : end.heapTotalKb - start.heapTotalKb,
    external_growth_kb:
      start.externalKb === null || end.externalKb === null
        ? null
        : end.externalKb - start.externalKb,
    handles_start: handlesStart,
    handles_end: handlesEnd,
    handles_peak: peak,
  };
}

/** Growth from `from` to `to` in percent, one decimal; null when `from` is not positive. */
function growthPct(from: number, to: number): number | null {
  return from > 0 ? Math.round((1000 * (to - from)) / from) / 10 : null;
}
