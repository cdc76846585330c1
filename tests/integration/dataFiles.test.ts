import { spawn } from "node:child_process";
import { chmodSync, chownSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StartupError } from "../../server/errors";
import { makeDataDir, removeDataDir, startTestServer } from "../support/testServer";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDataDir(d);
});

/** A data folder a server has run on (database, -wal, -shm, master.key), then stopped. */
async function usedDataDir(): Promise<string> {
  const dir = makeDataDir();
  dirs.push(dir);
  const first = await startTestServer({ dataDir: dir, signIn: false });
  await first.stop();
  return dir;
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** Every file of a folder with its permission bits in octal, e.g. { "signage.db": "600" }. */
const modesIn = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, modeOf(join(dir, f)).toString(8)]));

const bin = join(import.meta.dirname, "../../bin/signage.js");

async function startRefusal(dir: string): Promise<StartupError> {
  try {
    const t = await startTestServer({ dataDir: dir, signIn: false });
    await t.stop();
  } catch (err) {
    if (err instanceof StartupError) return err;
    throw err;
  }
  throw new Error("the server started");
}

describe("files of the data folder (issue 14 item 6)", () => {
  it("makes a folder pre-created 0755 with a 0644 database private on start", async () => {
    const dir = await usedDataDir();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "signage.db"), 0o644);
    // Anything else found there is private too, whoever wrote it.
    writeFileSync(join(dir, "notes.txt"), "x", { mode: 0o666 });
    chmodSync(join(dir, "notes.txt"), 0o666);

    const t = await startTestServer({ dataDir: dir, signIn: false });
    try {
      expect(modeOf(dir)).toBe(0o700);
      const files = readdirSync(dir);
      expect(files).toEqual(
        expect.arrayContaining(["signage.db", "signage.db-wal", "master.key", "notes.txt"]),
      );
      expect(modesIn(dir)).toEqual(Object.fromEntries(files.map((f) => [f, "600"])));
    } finally {
      await t.stop();
    }
  });

  it("makes the files a command-line run creates private too (signage migrate)", async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    chmodSync(dir, 0o755);
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, "migrate"], {
        env: { PATH: process.env["PATH"] ?? "", SIGNAGE_DATA_DIR: dir },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("exit", (code) => resolve({ code, stderr }));
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(modeOf(dir)).toBe(0o700);
    const modes = modesIn(dir);
    expect(Object.keys(modes)).toEqual(expect.arrayContaining(["signage.db", "master.key"]));
    expect(Object.values(modes).every((m) => m === "600")).toBe(true);
  });

  it("refuses to start, naming the file, when master.key is readable by others", async () => {
    const dir = await usedDataDir();
    const key = join(dir, "master.key");
    chmodSync(key, 0o644);
    const err = await startRefusal(dir);
    expect(err.message).toBe(
      `${key} is readable by group or others (mode 0644), so it may have been copied; run "chmod 600 ${key}" and start again.`,
    );
    expect(modeOf(key)).toBe(0o644);
  });

  // Only root can give a file to another user; elsewhere makeFilesPrivate's unit test covers it.
  it.skipIf(process.getuid?.() !== 0)(
    "refuses to start, naming the file, when another user owns a file it cannot fix",
    async () => {
      const dir = await usedDataDir();
      const db = join(dir, "signage.db");
      chmodSync(db, 0o644);
      chownSync(db, 4242, 4242);
      const err = await startRefusal(dir);
      expect(err.message).toBe(
        `${db} belongs to another user (uid 4242), not to the user running signage (uid 0), so it cannot be made private; run "chown 0 ${db}" or run signage as its owner, then start again.`,
      );
      expect(modeOf(db)).toBe(0o644);
    },
  );
});
