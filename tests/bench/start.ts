/**
 * Cold-start benchmark: `npm run bench:start [-- --runs 5]`.
 *
 * Starts `signage serve` (SQLite, a data directory migrated beforehand, port 0) `runs` times in
 * each of two ways, alternating so both see the same machine load: `tsx` runs the TypeScript
 * sources through tsx's loader, as bin/signage.js did before the build (`node --import tsx/esm
 * server/cli.ts`); `compiled` is what `npm start` runs now (`node bin/signage.js`, with
 * dist/server/ built first and fresh). One unmeasured start of each warms the file cache.
 *
 * Prints one JSON line on stdout (progress on stderr), medians over the runs:
 *   <mode>.listening_ms   process spawned → its "listening" log line
 *   <mode>.healthz_ms     process spawned → the first 200 from /healthz
 *   <mode>.rss_mib        the server's resident memory 1 s after that first 200
 * Bounded: every wait has a time limit; each server is stopped before the next starts.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { percentile } from "./benchSupport";

const root = join(import.meta.dirname, "../..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);

const modes = {
  tsx: ["--import", "tsx/esm", join(root, "server/cli.ts")],
  compiled: [join(root, "bin/signage.js")],
} as const;
type Mode = keyof typeof modes;

interface Start {
  listeningMs: number;
  healthzMs: number;
  rssMib: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resident memory of `pid` in MiB, from /proc (Linux). */
function rssMib(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Math.round((Number(kib) / 1024) * 10) / 10;
}

function env(dataDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"] ?? "",
    PORT: "0",
    HOST: "127.0.0.1",
    SIGNAGE_DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    SIGNAGE_REDACTION_WORKERS: "1",
  };
}

/** One start of `mode` over `dataDir`: the times and memory, then the server stopped. */
async function startOnce(mode: Mode, dataDir: string): Promise<Start> {
  const spawned = performance.now();
  const child = spawn(process.execPath, [...modes[mode], "serve"], {
    cwd: root,
    env: env(dataDir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((r) => child.once("exit", r));
  try {
    let out = "";
    const listening = await new Promise<{ at: number; port: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${mode}: no "listening" in 60 s`)), 60_000);
      child.stdout.on("data", (c: Buffer) => {
        const at = performance.now();
        out += c.toString();
        const line = out.split("\n").find((l) => l.includes('"msg":"listening"'));
        if (line === undefined) return;
        clearTimeout(timer);
        resolve({ at, port: (JSON.parse(line) as { port: number }).port });
      });
      child.stderr.resume();
      child.once("exit", (code) => reject(new Error(`${mode}: server exited ${code}`)));
    });
    let healthyAt = 0;
    for (const deadline = performance.now() + 30_000; healthyAt === 0;) {
      const ok = await fetch(`http://127.0.0.1:${listening.port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) healthyAt = performance.now();
      else if (performance.now() > deadline) throw new Error(`${mode}: /healthz never answered`);
      else await sleep(5);
    }
    await sleep(1000);
    if (child.pid === undefined) throw new Error(`${mode}: no pid`);
    return {
      listeningMs: Math.round(listening.at - spawned),
      healthzMs: Math.round(healthyAt - spawned),
      rssMib: rssMib(child.pid),
    };
  } finally {
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(15_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

const dirs: string[] = [];
try {
  process.stderr.write("building dist/server…\n");
  execFileSync(process.execPath, [join(root, "bin/build-server.mjs")], { stdio: "ignore" });
  const dataDirs = {} as Record<Mode, string>;
  for (const mode of Object.keys(modes) as Mode[]) {
    const dir = mkdtempSync(join(tmpdir(), `signage-bench-start-${mode}-`));
    dirs.push(dir);
    dataDirs[mode] = dir;
    execFileSync(process.execPath, [join(root, "bin/signage.js"), "migrate"], {
      env: env(dir),
      stdio: "ignore",
    });
    await startOnce(mode, dir); // warm-up, not counted
  }
  const results: Record<Mode, Start[]> = { tsx: [], compiled: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of Object.keys(modes) as Mode[]) {
      const r = await startOnce(mode, dataDirs[mode]);
      results[mode].push(r);
      process.stderr.write(`${mode} run ${i + 1}: ${JSON.stringify(r)}\n`);
    }
  }
  const median = (mode: Mode): Record<string, number> => ({
    listening_ms: percentile(
      results[mode].map((r) => r.listeningMs),
      50,
    ),
    healthz_ms: percentile(
      results[mode].map((r) => r.healthzMs),
      50,
    ),
    rss_mib: percentile(
      results[mode].map((r) => r.rssMib),
      50,
    ),
  });
  process.stdout.write(
    `${JSON.stringify({ runs, tsx: median("tsx"), compiled: median("compiled") })}\n`,
  );
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
