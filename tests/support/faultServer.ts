import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { setupTokenFromLog, signInAdmin } from "./testServer";

const bin = join(import.meta.dirname, "../../bin/signage.js");

/** A `signage serve` process of its own, which a test may kill as a power cut would. */
export interface ServerProcess {
  baseUrl: string;
  pid: number;
  dataDir: string;
  /** Everything the process printed (JSON log lines), for a failing test's message. */
  output(): string;
  /** Kills it with SIGKILL (no shutdown code runs) and waits until it is gone. */
  kill(): Promise<void>;
  /** Stops it the way an operator does (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Resolves when a child process has exited. */
function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/**
 * Starts the compiled server (`node bin/signage.js serve`, built first when stale) on a free port
 * with `dataDir`, and signs the default admin in for `api()` (first run: with the set-up token
 * the server printed). One redaction worker, so two cores shared with other tests suffice.
 */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, "serve"], {
    env: {
      PATH: process.env["PATH"] ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      SIGNAGE_DATA_DIR: dataDir,
      SIGNAGE_REDACTION_WORKERS: "1",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString("utf8")));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString("utf8")));
  const done = exited(child);
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await done;
  };
  try {
    await expect
      .poll(
        () => {
          if (child.exitCode !== null) throw new Error(`the server exited early:\n${out}`);
          return /"msg":"listening"/.test(out);
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe(true);
    const line = out.split("\n").find((l) => l.includes('"msg":"listening"')) ?? "";
    const { port } = JSON.parse(line) as { port: number };
    const baseUrl = `http://127.0.0.1:${port}`;
    await signInAdmin(baseUrl, setupTokenFromLog(out.split("\n")));
    return {
      baseUrl,
      pid: child.pid ?? 0,
      dataDir,
      output: () => out,
      kill: () => stop("SIGKILL"),
      stop: () => stop("SIGTERM"),
    };
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
}

/** Opens the data folder's SQLite database read-only, to look at what a crash left behind. */
export function openDatabase(dataDir: string): Database.Database {
  return new Database(join(dataDir, "signage.db"), { readonly: true, fileMustExist: true });
}

/** Runs a query on the data folder's database and closes it again. */
export function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = openDatabase(dataDir);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Runs a command as root would in a shell, failing the test with its message when it fails. */
function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * A small disk of its own: an ext4 file system in a file, mounted through a loop device, so a
 * test can fill it (ENOSPC) or make its files immutable (EPERM on every write, as a disk gone
 * read-only refuses them) without touching the machine's disks. Needs root, as CI has.
 */
export interface SmallDisk {
  /** The mounted folder. */
  dir: string;
  /** Unmounts it and removes the image. */
  remove(): void;
}

/** Makes and mounts a `megabytes` ext4 disk (no blocks reserved for root: the server is root). */
export function mountSmallDisk(megabytes: number): SmallDisk {
  const base = mkdtempSync(join(tmpdir(), "signage-disk-"));
  const image = join(base, "disk.img");
  const dir = join(base, "mnt");
  mkdirSync(dir);
  run("truncate", ["-s", `${String(megabytes)}M`, image]);
  run("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
  run("mount", ["-o", "loop", image, dir]);
  return {
    dir,
    remove: () => {
      try {
        run("chattr", ["-R", "-i", dir]);
      } catch {
        // Nothing was made immutable.
      }
      run("umount", [dir]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * Makes a folder and every file in it immutable (chattr +i): the kernel then refuses each write,
 * through file handles already open too, as on a disk the kernel turned read-only after an error.
 * A read-only remount cannot do that to a running server: it refuses while files are open for
 * writing. `undo` makes it writable again.
 */
export function makeReadOnly(dir: string): { undo(): void } {
  const paths = [...readdirSync(dir).map((f) => join(dir, f)), dir];
  for (const p of paths) run("chattr", ["+i", p]);
  return {
    undo: () => {
      for (const p of paths) run("chattr", ["-i", p]);
    },
  };
}

/** Fills every free byte of a disk with one file, as a runaway log would; returns its path. */
export function fillDisk(dir: string): string {
  const path = join(dir, "ballast");
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${path}`, "bs=64k"], { stdio: "ignore" });
  } catch {
    // dd stops with "No space left on device": the disk is full, as wanted.
  }
  return path;
}
