/** What the delivery benchmarks share: the real server as a process, its API, the kiosk processes. */
import { execFileSync, fork, spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import WebSocket from "ws";
import { hashToken } from "../../server/services/screens/screenTokens";

const root = join(import.meta.dirname, "../..");

/** The p-th percentile (nearest rank) of some values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at] ?? Number.NaN;
}

/**
 * Starts `signage serve` on `port` (0: any) over `dataDir`, with `env` added (e.g. DATABASE_URL,
 * SIGNAGE_REDIS_URL) and `nodeArgs` before the script; resolves with its base URL and, when
 * `nodeArgs` opened an inspector (`--inspect=127.0.0.1:0`), the inspector's address.
 */
export function startServer(
  dataDir: string,
  port = 0,
  children: ChildProcess[] = [],
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; url: string; inspector?: string }> {
  return new Promise((resolve, reject) => {
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": where a server's time goes.
    const args = [
      ...(process.env["BENCH_SERVER_NODE_ARGS"] ?? "").split(" ").filter(Boolean),
      ...nodeArgs,
    ];
    const child = spawn(process.execPath, [...args, join(root, "bin/signage.js"), "serve"], {
      env: {
        PATH: process.env["PATH"] ?? "",
        PORT: String(port),
        HOST: "127.0.0.1",
        SIGNAGE_DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
        SIGNAGE_REDACTION_WORKERS: "1",
        // BENCH_SERVER_ENV, e.g. "MALLOC_ARENA_MAX=2": more of the server's environment.
        ...Object.fromEntries(
          (process.env["BENCH_SERVER_ENV"] ?? "")
            .split(" ")
            .filter((pair) => pair.includes("="))
            .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
        ),
        ...env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    let err = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /serving on (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(err)?.[1];
        resolve({ child, url: m[1], ...(inspector ? { inspector } : {}) });
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

/**
 * A server process's memory after a full garbage collection, through its inspector (the
 * `inspector` address startServer gave): the JS heap in use and the process's RSS then. Read
 * this way, a figure says what the process keeps, not how far its collector happens to lag.
 */
export async function memoryAfterGc(
  inspector: string,
  pid: number | undefined,
): Promise<{
  heapUsedKb: number;
  heapTotalKb: number;
  rssKb: number;
  externalKb: number;
  arrayBuffersKb: number;
  /** What V8 itself holds with malloc (compiler zones and the like), outside its heap. */
  v8MallocedKb: number;
}> {
  const socket = new WebSocket(inspector);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  try {
    let id = 0;
    const send = (method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const mine = ++id;
        const timer = setTimeout(() => reject(new Error(`${method}: no answer in 30 s`)), 30_000);
        const onMessage = (raw: Buffer): void => {
          const message = JSON.parse(raw.toString("utf8")) as { id?: number; result?: unknown };
          if (message.id !== mine) return;
          clearTimeout(timer);
          socket.off("message", onMessage);
          resolve(message.result);
        };
        socket.on("message", onMessage);
        socket.send(JSON.stringify({ id: mine, method, params }));
      });
    await send("HeapProfiler.collectGarbage");
    const usage = (await send("Runtime.getHeapUsage")) as { usedSize: number };
    // Memory outside the JS heap that Node knows of (Buffers, socket and zlib state).
    const evaluated = (await send("Runtime.evaluate", {
      expression:
        "JSON.stringify({ ...process.memoryUsage(), malloced: process.getBuiltinModule('v8').getHeapStatistics().malloced_memory })",
      returnByValue: true,
    })) as { result?: { value?: unknown } };
    const value = evaluated.result?.value;
    const node = JSON.parse(typeof value === "string" ? value : "{}") as {
      malloced?: number;
      heapTotal?: number;
      external?: number;
      arrayBuffers?: number;
    };
    return {
      heapUsedKb: Math.round(usage.usedSize / 1024),
      // What V8 holds for its heap, used or not (fragmented pages stay resident).
      heapTotalKb: Math.round((node.heapTotal ?? 0) / 1024),
      rssKb: rssKbOf(pid),
      externalKb: Math.round((node.external ?? 0) / 1024),
      arrayBuffersKb: Math.round((node.arrayBuffers ?? 0) / 1024),
      v8MallocedKb: Math.round((node.malloced ?? 0) / 1024),
    };
  } finally {
    socket.close();
  }
}

/** One API call as the console makes it (Origin header, session cookie). */
export async function call(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; cookie?: string },
): Promise<{ status: number; body: unknown; cookie?: string }> {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      Origin: url,
      ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(init.cookie ? { Cookie: init.cookie } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("signage_session="));
  return {
    status: res.status,
    body: await res.json().catch(() => undefined),
    ...(setCookie ? { cookie: setCookie.split(";")[0] ?? "" } : {}),
  };
}

/** The answer, or an error naming what failed and what the server said. */
export function must<T extends { status: number; body: unknown }>(
  r: T,
  expected: number,
  what: string,
): T {
  if (r.status !== expected) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

/** Collects matching reports from child processes until `count` arrive or `ms` pass. */
export function collect<M, T>(
  kids: ChildProcess[],
  match: (m: M) => T | undefined,
  count: number,
  ms: number,
): Promise<T[]> {
  return new Promise((resolve) => {
    const found: T[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      for (const k of kids) k.off("message", onMessage);
      resolve(found);
    };
    const onMessage = (m: M): void => {
      const t = match(m);
      if (t === undefined) return;
      found.push(t);
      if (found.length >= count) finish();
    };
    const timer = setTimeout(finish, ms);
    for (const k of kids) k.on("message", onMessage);
  });
}

/** Forks `procs` kiosk processes running `script` (next to this file) under tsx. */
export function forkKiosks(
  script: string,
  procs: number,
  children: ChildProcess[],
): ChildProcess[] {
  return Array.from({ length: procs }, () => {
    const k = fork(join(import.meta.dirname, script), [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    children.push(k);
    return k;
  });
}

/**
 * Seeds `kiosks` screens, forks `procs` kiosk processes running `script`, hands each its share
 * of the tokens (with `extra` fields in the connect message), and waits until every process
 * reports its kiosks connected and synced. Returns the processes and how many connected.
 */
export async function connectFleet(opts: {
  script: string;
  dataDir: string;
  url: string;
  kiosks: number;
  procs: number;
  children: ChildProcess[];
  extra?: Record<string, unknown>;
  /** The screens' device tokens, when they are already seeded (elsewhere than SQLite). */
  tokens?: string[];
  log: (s: string) => void;
}): Promise<{ kids: ChildProcess[]; connected: number }> {
  const tokens = opts.tokens ?? seedScreens(opts.dataDir, opts.kiosks);
  const kids = forkKiosks(opts.script, opts.procs, opts.children);
  const reports = collect<{ type: string; count?: number }, number>(
    kids,
    (m) => (m.type === "connected" ? (m.count ?? 0) : undefined),
    opts.procs,
    300_000,
  );
  const started = Date.now();
  kids.forEach((k, i) =>
    k.send({
      type: "connect",
      url: opts.url,
      tokens: tokens.filter((_, j) => j % opts.procs === i),
      ...opts.extra,
    }),
  );
  const connected = (await reports).reduce((a, b) => a + b, 0);
  opts.log(`${connected} kiosks connected and synced in ${Date.now() - started} ms`);
  return { kids, connected };
}

/** The first-run set-up token of the server on `dataDir`, as `signage setup-token` prints it. */
export function setupTokenOf(dataDir: string, env: Record<string, string> = {}): string {
  const out = execFileSync(process.execPath, [join(root, "bin/signage.js"), "setup-token"], {
    env: { PATH: process.env["PATH"] ?? "", SIGNAGE_DATA_DIR: dataDir, ...env },
    encoding: "utf8",
  });
  return out.trim().split("\n").at(-1) ?? "";
}

/**
 * First-run set-up of a benchmark server on `dataDir`: an admin, district "bench", a moderator
 * (a second user, for four eyes); returns both session cookies.
 */
export async function setUpBench(
  url: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ admin: string; moderator: string }> {
  const admin = must(
    await call(url, "/api/setup", {
      method: "POST",
      body: {
        email: "admin@bench.test",
        displayName: "Bench",
        password: "bench password 1234",
        setupToken: setupTokenOf(dataDir, env),
      },
    }),
    201,
    "set-up",
  ).cookie;
  must(
    await call(url, "/api/districts", {
      method: "POST",
      cookie: admin ?? "",
      body: { id: "bench", parentId: null, nameZh: "测试区", nameEn: "Bench" },
    }),
    201,
    "district",
  );
  must(
    await call(url, "/api/users", {
      method: "POST",
      cookie: admin ?? "",
      body: {
        email: "moderator@bench.test",
        displayName: "Moderator",
        roles: [{ role: "moderator", scope: "*" }],
        password: "moderator password 1234",
      },
    }),
    201,
    "moderator",
  );
  const moderator = must(
    await call(url, "/api/auth/login", {
      method: "POST",
      body: { email: "moderator@bench.test", password: "moderator password 1234" },
    }),
    200,
    "moderator sign-in",
  ).cookie;
  return { admin: admin ?? "", moderator: moderator ?? "" };
}

/**
 * Seeds `n` paired screens of district "bench" and returns their device tokens. Pairing that
 * many through the code flow would take hours of rate limits; this writes them straight into
 * the database the server uses.
 */
export function seedScreens(dataDir: string, n: number): string[] {
  const tokens = Array.from({ length: n }, () => randomBytes(32).toString("base64url"));
  const db = new Database(join(dataDir, "signage.db"));
  db.pragma("busy_timeout = 5000");
  const insert = db.prepare(
    `insert into screens (id, name, district_id, location, state, token_hash, paired_at)
     values (?, ?, 'bench', '', 'active', ?, ?)`,
  );
  const at = new Date().toISOString();
  db.transaction(() => {
    tokens.forEach((t, i) => insert.run(randomUUID(), `bench-${i}`, hashToken(t), at));
  })();
  db.close();
  return tokens;
}

/** A process's resident memory now by kind, in KiB: anonymous, file-backed, shared (Linux). */
export function rssPartsKbOf(pid: number | undefined): {
  anon: number;
  file: number;
  shmem: number;
} {
  const parts = { anon: 0, file: 0, shmem: 0 };
  if (pid === undefined) return parts;
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, "utf8");
    const kb = (field: string) =>
      Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { anon: kb("RssAnon"), file: kb("RssFile"), shmem: kb("RssShmem") };
  } catch {
    return parts;
  }
}

/** A process's resident memory now, in KiB (Linux /proc; 0 elsewhere). */
export function rssKbOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, "utf8"));
    return m?.[1] ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; 0 elsewhere). */
export function cpuMsOf(pid: number | undefined): number {
  return pid === undefined ? 0 : (procStat(pid)?.cpuMs ?? 0);
}

/**
 * CPU time so far (ms) of each live process whose parent is `ppid` or whose command is
 * `command`, by pid: compare two with `cpuMsBetween` (a process gone by the second is left out).
 */
export function cpuMsByPid(match: {
  ppid?: number | undefined;
  command?: string;
}): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const pid of entries.filter((d) => /^\d+$/.test(d))) {
    const stat = procStat(Number(pid));
    if (!stat) continue;
    if (
      (match.ppid !== undefined && stat.ppid === match.ppid) ||
      (match.command !== undefined && stat.command === match.command)
    )
      out.set(Number(pid), stat.cpuMs);
  }
  return out;
}

/** The CPU time (ms) the processes alive at `after` used since `before` (all of it if new). */
export function cpuMsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

function procStat(pid: number): { command: string; ppid: number; cpuMs: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): the parent is the 2nd, utime and
    // stime the 12th and 13th, in clock ticks (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      command: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
      ppid: Number(fields[1]),
      cpuMs: (Number(fields[11]) + Number(fields[12])) * 10,
    };
  } catch {
    return undefined;
  }
}
