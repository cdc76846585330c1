import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wordError } from "../../shared/messages/errorMessages";
import { StartupError } from "../../server/errors";
import { AuditKeyMismatchError, AuditLog } from "../../server/services/AuditLog";
import {
  openFullName,
  openRawPhoto,
  sealedContext,
} from "../../server/services/crypto/entrySecrets";
import { RawVault, VaultError } from "../../server/services/crypto/RawVault";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import type { EntryInput } from "../../shared/schemas/entry";
import { silhouettePortrait } from "../fixtures/images";
import { buildEntryInput } from "../support/entryFactory";
import { runCli } from "../support/runCli";
import { createTempDatabase } from "../support/postgres";
import {
  api,
  createDistrict,
  makeDataDir,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

/** Opens the server's SQLite file (the server stopped) for the duration of `fn`. */
async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore({ kind: "sqlite", file: join(dataDir, "signage.db") });
  try {
    return await fn(store);
  } finally {
    await store.db.destroy();
  }
}

const keyIn = (dataDir: string): Buffer =>
  Buffer.from(readFileSync(join(dataDir, "master.key"), "utf8").trim(), "base64");

describe("signage key export and rotate-key (issue 21)", () => {
  let t: TestServer;
  /** What was entered, to compare with what opens after the rotation. */
  const entered: { id: string; input: EntryInput; photo: Buffer | undefined }[] = [];
  let oldKey: Buffer;
  let rotation: { code: number | null; stderr: string; stdout: string };

  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "da");
    const photo = await silhouettePortrait();
    for (let i = 0; i < 3; i++) {
      const input = buildEntryInput({ districtIds: ["da"] });
      const form = new FormData();
      form.set("entry", JSON.stringify(input));
      if (i < 2) form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
      const res = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
      expect(res.status).toBe(201);
      const { entry } = (await res.json()) as { entry: { id: string } };
      entered.push({ id: entry.id, input, photo: i < 2 ? photo : undefined });
    }
    oldKey = keyIn(t.dataDir);

    // While the server runs, rotation is refused and changes nothing.
    const refused = await runCli(["rotate-key"], { SIGNAGE_DATA_DIR: t.dataDir });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^signage rotate-key: .*stop the server first/);
    expect(keyIn(t.dataDir).equals(oldKey)).toBe(true);
    await t.stop();

    rotation = await runCli(["rotate-key"], { SIGNAGE_DATA_DIR: t.dataDir });
  }, 180_000);

  afterAll(() => removeDataDir(t.dataDir));

  it("replaces master.key with a new key", () => {
    expect(rotation.stderr).toContain("re-wrapped");
    expect(rotation.code).toBe(0);
    const newKey = keyIn(t.dataDir);
    expect(newKey.length).toBe(32);
    expect(newKey.equals(oldKey)).toBe(false);
  });

  it("opens every sealed photo, ID number and full name with the new key", async () => {
    const vault = RawVault.fromMasterKey(keyIn(t.dataDir));
    await withStore(t.dataDir, async ({ db }) => {
      for (const e of entered) {
        expect(await openFullName(db, vault, e.id)).toBe(e.input.fullName);
        const photo = await openRawPhoto(db, vault, e.id);
        if (e.photo === undefined) expect(photo).toBeUndefined();
        else expect(photo?.equals(e.photo)).toBe(true);
        const row = await db
          .selectFrom("entries")
          .innerJoin("entry_keys", "entry_keys.entry_id", "entries.id")
          .select(["id_number_sealed", "id_fingerprint", "wrapped"])
          .where("id", "=", e.id)
          .executeTakeFirstOrThrow();
        const key = vault.unwrapDataKey(row.wrapped, e.id);
        const idNumber =
          row.id_number_sealed && key.open(row.id_number_sealed, sealedContext.idNumber(e.id));
        expect(idNumber?.toString("utf8")).toBe(e.input.idNumber);
        // The fingerprint that finds the same person in another case moved to the new key.
        expect(row.id_fingerprint).toBe(vault.idFingerprint(e.input.idNumber ?? ""));
      }
    });
  });

  it("leaves the old key opening nothing", async () => {
    const old = RawVault.fromMasterKey(oldKey);
    await withStore(t.dataDir, async ({ db }) => {
      const rows = await db.selectFrom("entry_keys").select(["entry_id", "wrapped"]).execute();
      expect(rows.length).toBe(entered.length);
      for (const r of rows)
        expect(() => old.unwrapDataKey(r.wrapped, r.entry_id)).toThrow(VaultError);
      for (const e of entered) {
        const row = await db
          .selectFrom("entries")
          .select("id_fingerprint")
          .where("id", "=", e.id)
          .executeTakeFirstOrThrow();
        expect(row.id_fingerprint).not.toBe(old.idFingerprint(e.input.idNumber ?? ""));
      }
    });
  });

  it("starts again with the new key and shows a moderator the raw photo", async () => {
    const again = await startTestServer({ dataDir: t.dataDir });
    try {
      const e = entered[0];
      const res = await api(`${again.baseUrl}/api/entries/${e?.id ?? ""}/raw-photo`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(e?.photo ?? Buffer.alloc(0))).toBe(true);
    } finally {
      await again.stop();
    }
  });

  it("keeps the audit chain verifiable, closed by a key.rotated record under the new key", async () => {
    const verify = await runCli(["audit", "verify"], { SIGNAGE_DATA_DIR: t.dataDir });
    expect(verify.stderr).toBe("");
    expect(verify.code).toBe(0);
    await withStore(t.dataDir, async ({ db, kind }) => {
      const audit = new AuditLog({
        db,
        kind,
        key: RawVault.fromMasterKey(keyIn(t.dataDir)).auditChainKey(),
      });
      const [rotated] = await audit.list({ action: "key.rotated", limit: 5 });
      const details = JSON.parse(rotated?.details_json ?? "{}") as Record<string, unknown>;
      expect(details).toMatchObject({
        previousKeyId: RawVault.fromMasterKey(oldKey).keyId(),
        keyId: RawVault.fromMasterKey(keyIn(t.dataDir)).keyId(),
        previousLastSeq: (rotated?.seq ?? 0) - 1,
        entryKeysRewrapped: entered.length,
      });
      // Records chained under the retired key are still checked, content and all.
      await db.updateTable("audit_log").set({ details_json: "{}" }).where("seq", "=", 2).execute();
      expect(await audit.verify()).toMatchObject({
        ok: false,
        brokenAt: 2,
        problem: "hash_mismatch",
      });
    });
  });

  it("refuses to start a server or a command with the retired key", async () => {
    // A process still holding the old key may not chain records on (it would fork the chain).
    await withStore(t.dataDir, async ({ db, kind }) => {
      const stale = new AuditLog({ db, kind, key: RawVault.fromMasterKey(oldKey).auditChainKey() });
      await expect(
        stale.record(db, { actor: { type: "cli" }, action: "entry.raw_viewed" }),
      ).rejects.toThrow(AuditKeyMismatchError);
    });
    const env = { SIGNAGE_MASTER_KEY: oldKey.toString("base64") };
    await expect(startTestServer({ dataDir: t.dataDir, env, signIn: false })).rejects.toThrow(
      StartupError,
    );
    const exported = await runCli(["key", "export"], { SIGNAGE_DATA_DIR: t.dataDir });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain("WARNING");
    expect(Buffer.from(exported.stdout.trim(), "base64").equals(keyIn(t.dataDir))).toBe(true);
  });

  it("refuses to rotate again while a new key file is left from an unfinished rotation", async () => {
    const leftover = join(t.dataDir, "master.key.new");
    writeFileSync(leftover, `${Buffer.alloc(32, 1).toString("base64")}\n`, { mode: 0o600 });
    const before = keyIn(t.dataDir);
    const run = await runCli(["rotate-key"], { SIGNAGE_DATA_DIR: t.dataDir });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/^signage rotate-key: .*master\.key\.new is left from a rotation/);
    expect(keyIn(t.dataDir).equals(before)).toBe(true);
    rmSync(leftover);
  });
});

describe("a retired chain key written in by hand (review of issue 21)", () => {
  it("vouches for nothing: verify, the start-up check and appends all refuse the rewritten chain", async () => {
    const dir = makeDataDir();
    const store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
    try {
      await migrateToLatest(store);
      const { db, kind } = store;
      const real = RawVault.fromMasterKey(Buffer.alloc(32, 7)).auditChainKey();
      const forged = RawVault.fromMasterKey(Buffer.alloc(32, 9)).auditChainKey();
      // Someone with write access to the database rewrites the whole log under a key of their
      // own, then claims that key is a retired one covering every record.
      const attacker = new AuditLog({ db, kind, key: forged });
      for (let i = 0; i < 3; i++) {
        await attacker.record(db, { actor: { type: "cli" }, action: "entry.raw_viewed" });
      }
      await db
        .insertInto("audit_chain_keys")
        .values({ last_seq: 3, chain_key: forged, key_id: "forged", retired_at: "2026-01-01" })
        .execute();
      const audit = new AuditLog({ db, kind, key: real });
      expect(await audit.verify()).toMatchObject({ ok: false, problem: "link_broken" });
      expect(await audit.lastRecordVerifies()).toBe(false);
      await expect(
        audit.record(db, { actor: { type: "cli" }, action: "entry.raw_viewed" }),
      ).rejects.toThrow(AuditKeyMismatchError);
    } finally {
      await store.db.destroy();
      removeDataDir(dir);
    }
  });
});

describe("signage rotate-key on PostgreSQL (issue 21)", () => {
  it("refuses while another session is connected, then rotates and the chain verifies", async () => {
    const pg = await createTempDatabase();
    const dir = makeDataDir();
    const env = { SIGNAGE_DATA_DIR: dir, DATABASE_URL: pg.url };
    try {
      const admin = await runCli(["create-admin", "--email", "it@example.test"], env);
      expect(admin.code).toBe(0);
      const before = keyIn(dir);

      // A server process holds sessions open; so does this one.
      const other = openStore({ kind: "postgres", url: pg.url });
      try {
        await other.db.selectFrom("users").select("id").execute();
        const refused = await runCli(["rotate-key"], env);
        expect(refused.code).toBe(3);
        expect(refused.stderr).toContain("other session(s) are connected");
        expect(keyIn(dir).equals(before)).toBe(true);
      } finally {
        await other.db.destroy();
      }

      const rotated = await runCli(["rotate-key"], env);
      expect(rotated.code).toBe(0);
      expect(keyIn(dir).equals(before)).toBe(false);
      const verify = await runCli(["audit", "verify"], env);
      expect(verify.stdout).toContain("audit chain intact: 2 records");
      const stale = await runCli(["audit", "verify"], {
        ...env,
        SIGNAGE_MASTER_KEY: before.toString("base64"),
      });
      expect(stale.code).toBe(1);
      // The retired key is named as the problem, not a record of the chain.
      expect(stale.stderr).toBe(`signage audit: ${wordError("audit.keyMismatchRead", {}, "en")}\n`);
    } finally {
      await pg.drop();
      removeDataDir(dir);
    }
  });
});
