import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { wordError } from "../../shared/messages/errorMessages";
import { AuditLog } from "../../server/services/AuditLog";
import { RawVault } from "../../server/services/crypto/RawVault";
import { openStore } from "../../server/store/database";
import { runCli } from "../support/runCli";
import { makeDataDir, removeDataDir } from "../support/testServer";

const bin = join(import.meta.dirname, "../../bin/signage.js");

const keyIn = (dataDir: string): Buffer =>
  Buffer.from(readFileSync(join(dataDir, "master.key"), "utf8").trim(), "base64");

/**
 * Starts `signage rotate-key --online` with the longest grace window and kills it once the key
 * files are in place (the new key in master.key, the old one in master.key.retiring): the data
 * folder stays in the grace window, the audit chain still under the old key, until resumed.
 */
async function stopInGraceWindow(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, [bin, "rotate-key", "--online", "--grace-seconds", "600"], {
    env: { PATH: process.env["PATH"] ?? "", LOG_LEVEL: "silent", SIGNAGE_DATA_DIR: dataDir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let stderr = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no key files in 60 s: ${stderr}`)), 60_000);
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes("holds the new key")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        reject(new Error(`rotate-key exited before its grace window: ${stderr}`));
      });
    });
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}

/** The data folder's audit log, checked in this process under `key`'s chain key. */
async function auditUnder(dataDir: string, key: Buffer) {
  const store = openStore({ kind: "sqlite", file: join(dataDir, "signage.db") });
  try {
    const audit = new AuditLog({
      db: store.db,
      kind: store.kind,
      key: RawVault.fromMasterKey(key).auditChainKey(),
    });
    const records = await audit.list({ limit: 1000 });
    return { verification: await audit.verify(), actions: records.reverse().map((r) => r.action) };
  } finally {
    await store.db.destroy();
  }
}

describe("commands during an online key rotation's grace window", () => {
  const dataDir = makeDataDir();
  const env = { SIGNAGE_DATA_DIR: dataDir };

  afterAll(() => removeDataDir(dataDir));

  /** Runs `signage ARGS` on the data folder and expects it to succeed, saying `says`. */
  const succeeds = async (args: string[], says: string): Promise<void> => {
    const run = await runCli(args, env);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(says);
    expect(run.code).toBe(0);
  };

  it("verify the audit chain and append to it under the old key, as the servers do, and the resumed rotation moves the chain past their records", async () => {
    await succeeds(["create-admin", "--email", "first@example.test"], "created");
    const oldKey = keyIn(dataDir);

    await stopInGraceWindow(dataDir);
    const newKey = keyIn(dataDir);
    expect(newKey.equals(oldKey)).toBe(false);
    expect(existsSync(join(dataDir, "master.key.retiring"))).toBe(true);

    await succeeds(["audit", "verify"], "audit chain intact: 1 records");
    await succeeds(
      ["create-admin", "--email", "second@example.test"],
      "admin second@example.test created",
    );
    await succeeds(
      ["reset-password", "--email", "first@example.test"],
      "password of first@example.test reset",
    );
    await succeeds(["audit", "verify"], "audit chain intact: 3 records");
    // Until the rotation moves it, the chain goes on under the old key, whatever master.key says.
    const underOld = await auditUnder(dataDir, oldKey);
    expect(underOld.verification).toMatchObject({ ok: true, records: 3 });
    expect(underOld.actions).toEqual(["user.created", "user.created", "user.password_reset"]);

    // A backup still waits for the rotation to finish.
    const backup = await runCli(["backup", "--out", join(dataDir, "during.backup")], env);
    expect(backup.stderr).toContain("rotation is unfinished");
    expect(backup.code).toBe(7);

    const resumed = await runCli(["rotate-key", "--online", "--grace-seconds", "1"], env);
    expect(resumed.stderr).toContain("resuming");
    expect(resumed.code).toBe(0);
    expect(existsSync(join(dataDir, "master.key.retiring"))).toBe(false);
    expect(keyIn(dataDir).equals(newKey)).toBe(true);

    await succeeds(
      ["reset-password", "--email", "second@example.test"],
      "password of second@example.test reset",
    );
    await succeeds(["audit", "verify"], "audit chain intact: 5 records");
    const underNew = await auditUnder(dataDir, newKey);
    expect(underNew.verification).toMatchObject({ ok: true, records: 5 });
    expect(underNew.actions).toEqual([
      "user.created",
      "user.created",
      "user.password_reset",
      "key.rotated",
      "user.password_reset",
    ]);
  }, 180_000);
});

describe("a command holding a master key the audit chain was never under", () => {
  const dataDir = makeDataDir();
  const env = { SIGNAGE_DATA_DIR: dataDir };
  afterAll(() => removeDataDir(dataDir));

  it("says so in one sentence, exits 1, and adds nothing to the chain", async () => {
    const first = await runCli(["create-admin", "--email", "first@example.test"], env);
    expect(first.code).toBe(0);
    const stranger = { ...env, SIGNAGE_MASTER_KEY: randomBytes(32).toString("base64") };

    for (const args of [
      ["create-admin", "--email", "second@example.test"],
      ["reset-password", "--email", "first@example.test"],
    ]) {
      const run = await runCli(args, stranger);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(`signage: ${wordError("audit.keyMismatch", {}, "en")}\n`);
      expect(run.stderr).not.toMatch(/\bat \S+ \(|AuditKeyMismatchError/);
    }
    expect((await auditUnder(dataDir, keyIn(dataDir))).actions).toEqual(["user.created"]);
  }, 120_000);
});
