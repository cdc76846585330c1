import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../server/services/AuditLog";
import {
  openFullName,
  openRawPhoto,
  sealedContext,
} from "../../server/services/crypto/entrySecrets";
import { RawVault, VaultError, wrappedKeyId } from "../../server/services/crypto/RawVault";
import { openStore, type Store } from "../../server/store/database";
import type { EntryInput } from "../../shared/schemas/entry";
import { silhouettePortrait } from "../fixtures/images";
import { buildEntryInput } from "../support/entryFactory";
import { spawnServer, type ServerProcess } from "../support/faultServer";
import { createTempDatabase } from "../support/postgres";
import { runCli, type CliRun } from "../support/runCli";
import { api, createDistrict, makeDataDir, removeDataDir } from "../support/testServer";

const bin = join(import.meta.dirname, "../../bin/signage.js");

const keyIn = (dataDir: string): Buffer =>
  Buffer.from(readFileSync(join(dataDir, "master.key"), "utf8").trim(), "base64");

/** The PostgreSQL database of a data folder whose server uses one (else its SQLite file). */
const postgresOf = new Map<string, string>();

/** The environment of a command run on a data folder (and its PostgreSQL database). */
function envOf(dataDir: string): Record<string, string> {
  const url = postgresOf.get(dataDir);
  return { SIGNAGE_DATA_DIR: dataDir, ...(url === undefined ? {} : { DATABASE_URL: url }) };
}

/** Opens the data folder's database beside the running server for `fn`. */
async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const url = postgresOf.get(dataDir);
  const store = openStore(
    url === undefined
      ? { kind: "sqlite", file: join(dataDir, "signage.db") }
      : { kind: "postgres", url },
  );
  try {
    return await fn(store);
  } finally {
    await store.db.destroy();
  }
}

interface Entered {
  id: string;
  input: EntryInput;
  photo: Buffer;
}

/** Enters one entry with a photo through the console API. */
async function enter(baseUrl: string, photo: Buffer): Promise<{ status: number; entry?: Entered }> {
  const input = buildEntryInput({ districtIds: ["da"] });
  const form = new FormData();
  form.set("entry", JSON.stringify(input));
  form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
  const res = await api(`${baseUrl}/api/entries`, { method: "POST", body: form });
  if (res.status !== 201) return { status: res.status };
  const { entry } = (await res.json()) as { entry: { id: string } };
  return { status: res.status, entry: { id: entry.id, input, photo } };
}

/**
 * Console traffic while a rotation runs: entries entered (new data keys, fingerprints, audit
 * records) and raw photos viewed by a moderator (data keys unwrapped, an audit record each).
 */
function startTraffic(baseUrl: string, photo: Buffer, entered: Entered[]) {
  const statuses: number[] = [];
  const mismatched: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        await step(i);
      } catch {
        statuses.push(-1); // no answer at all: the connection failed
      }
    }
  })();
  async function step(i: number): Promise<void> {
    {
      if (i % 3 === 0) {
        const r = await enter(baseUrl, photo);
        statuses.push(r.status);
        if (r.entry) entered.push(r.entry);
      } else {
        const e = entered[i % entered.length];
        if (e === undefined) return;
        const res = await api(`${baseUrl}/api/entries/${e.id}/raw-photo`);
        statuses.push(res.status);
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status === 200 && !body.equals(e.photo)) mismatched.push(e.id);
      }
    }
  }
  return {
    statuses,
    mismatched,
    /** Requests answered with a 5xx, or not answered at all. */
    failed: () => statuses.filter((s) => s >= 500 || s < 0),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The error lines a server process logged, to say why a request failed. */
function errorsOf(server: ServerProcess): string {
  return server
    .output()
    .split("\n")
    .filter((l) => /"level":(50|60)/.test(l))
    .join("\n");
}

/** Checks every sealed item opens under `current` and nothing wraps under `old`. */
async function expectAllUnder(
  dataDir: string,
  entered: Entered[],
  current: RawVault,
  old: RawVault,
) {
  await withStore(dataDir, async ({ db }) => {
    const rows = await db.selectFrom("entry_keys").select(["entry_id", "wrapped"]).execute();
    expect(rows.length).toBeGreaterThanOrEqual(entered.length);
    for (const r of rows) {
      expect(wrappedKeyId(r.wrapped)).toBe(current.keyId());
      expect(() => current.unwrapDataKey(r.wrapped, r.entry_id)).not.toThrow();
      expect(() => old.unwrapDataKey(r.wrapped, r.entry_id)).toThrow(VaultError);
      // Byte level: even with the old key's id written into it, the old key cannot open it.
      const forged = Buffer.from(r.wrapped);
      Buffer.from(old.keyId(), "hex").copy(forged, 1);
      expect(() => old.unwrapDataKey(forged, r.entry_id)).toThrow(VaultError);
    }
    for (const e of entered) {
      expect(await openFullName(db, current, e.id)).toBe(e.input.fullName);
      expect((await openRawPhoto(db, current, e.id))?.equals(e.photo)).toBe(true);
      const row = await db
        .selectFrom("entries")
        .innerJoin("entry_keys", "entry_keys.entry_id", "entries.id")
        .select(["id_number_sealed", "id_fingerprint", "wrapped"])
        .where("id", "=", e.id)
        .executeTakeFirstOrThrow();
      const sealed = row.id_number_sealed ?? Buffer.alloc(0);
      const idNumber = current
        .unwrapDataKey(row.wrapped, e.id)
        .open(sealed, sealedContext.idNumber(e.id));
      expect(idNumber.toString("utf8")).toBe(e.input.idNumber);
      expect(row.id_fingerprint).toBe(current.idFingerprint(e.input.idNumber ?? ""));
      expect(row.id_fingerprint).not.toBe(old.idFingerprint(e.input.idNumber ?? ""));
    }
  });
}

/** The audit chain verifies under the current key, with `rotations` key.rotated records. */
async function expectChain(dataDir: string, rotations: number) {
  const verify = await runCli(["audit", "verify"], envOf(dataDir));
  expect(verify.stderr).toBe("");
  expect(verify.code).toBe(0);
  await withStore(dataDir, async ({ db, kind }) => {
    const audit = new AuditLog({
      db,
      kind,
      key: RawVault.fromMasterKey(keyIn(dataDir)).auditChainKey(),
    });
    expect(await audit.verify()).toMatchObject({ ok: true });
    expect(await audit.list({ action: "key.rotated", limit: 10 })).toHaveLength(rotations);
    expect((await audit.list({ action: "entry.raw_viewed", limit: 1000 })).length).toBeGreaterThan(
      0,
    );
  });
}

describe("signage rotate-key --online: rotation while the server serves (issue 21)", () => {
  let server: ServerProcess | undefined;
  let dataDir: string | undefined;
  let photo: Buffer;
  const entered: Entered[] = [];

  let started: Promise<{ server: ServerProcess; dataDir: string }> | undefined;

  /** Starts the server and enters the first entries (spawnServer polls, so inside a test). */
  const ready = (): Promise<{ server: ServerProcess; dataDir: string }> =>
    (started ??= (async () => {
      const dir = makeDataDir();
      dataDir = dir;
      const running = await spawnServer(dir);
      server = running;
      await createDistrict(running.baseUrl, "da");
      photo = await silhouettePortrait();
      for (let i = 0; i < 6; i++) {
        const r = await enter(running.baseUrl, photo);
        expect(r.status).toBe(201);
        if (r.entry) entered.push(r.entry);
      }
      return { server: running, dataDir: dir };
    })());

  afterAll(async () => {
    await server?.stop();
    if (dataDir !== undefined) removeDataDir(dataDir);
  });

  it("moves every data key, fingerprint and the audit chain while entries are entered and photos viewed, no request failing", async () => {
    const { server, dataDir } = await ready();
    const oldKey = keyIn(dataDir);
    const traffic = startTraffic(server.baseUrl, photo, entered);
    let rotation: CliRun;
    let during: number;
    try {
      rotation = await runCli(
        ["rotate-key", "--online", "--batch", "2", "--pause-ms", "50", "--grace-seconds", "1"],
        { SIGNAGE_DATA_DIR: dataDir },
      );
      during = traffic.statuses.length;
    } finally {
      await traffic.stop();
    }
    expect(rotation.stderr).toContain("online");
    expect(rotation.code).toBe(0);
    expect(during).toBeGreaterThan(5);
    expect(traffic.failed(), errorsOf(server)).toEqual([]);
    expect(traffic.statuses.every((s) => s === 200 || s === 201)).toBe(true);
    expect(traffic.mismatched).toEqual([]);
    expect(existsSync(join(dataDir, "master.key.retiring"))).toBe(false);

    const newKey = keyIn(dataDir);
    expect(newKey.equals(oldKey)).toBe(false);
    await expectAllUnder(
      dataDir,
      entered,
      RawVault.fromMasterKey(newKey),
      RawVault.fromMasterKey(oldKey),
    );
    await expectChain(dataDir, 1);

    // The server dropped the old key and goes on: it enters and shows photos under the new one.
    const after = await enter(server.baseUrl, photo);
    expect(after.status).toBe(201);
    const res = await api(`${server.baseUrl}/api/entries/${after.entry?.id ?? ""}/raw-photo`);
    expect(res.status).toBe(200);
    if (after.entry) entered.push(after.entry);
  }, 180_000);

  it("resumes an interrupted rotation where it stopped, the server serving throughout", async () => {
    const { server, dataDir } = await ready();
    const oldKey = keyIn(dataDir);
    const rotationsBefore = await withStore(dataDir, async ({ db }) =>
      db.selectFrom("audit_log").select("seq").where("action", "=", "key.rotated").execute(),
    );
    const traffic = startTraffic(server.baseUrl, photo, entered);
    let resumed: CliRun;
    let newKey: Buffer;
    try {
      // One data key a second: the run is killed after the chain moved, mid-way through the keys.
      const child = spawn(
        process.execPath,
        [
          bin,
          "rotate-key",
          "--online",
          "--batch",
          "1",
          "--pause-ms",
          "1000",
          "--grace-seconds",
          "1",
        ],
        {
          env: { PATH: process.env["PATH"] ?? "", LOG_LEVEL: "silent", SIGNAGE_DATA_DIR: dataDir },
          stdio: "ignore",
        },
      );
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await expect
        .poll(
          () =>
            withStore(dataDir, async ({ db }) => {
              const rotated = await db
                .selectFrom("audit_log")
                .select("seq")
                .where("action", "=", "key.rotated")
                .execute();
              const keys = await db.selectFrom("entry_keys").select("wrapped").execute();
              const moved = keys.filter(
                (k) => wrappedKeyId(k.wrapped) !== RawVault.fromMasterKey(oldKey).keyId(),
              );
              return rotated.length === rotationsBefore.length + 1 && moved.length >= 2;
            }),
          { timeout: 60_000, interval: 200 },
        )
        .toBe(true);
      child.kill("SIGKILL");
      await exited;
      newKey = keyIn(dataDir);
      expect(newKey.equals(oldKey)).toBe(false);
      expect(existsSync(join(dataDir, "master.key.retiring"))).toBe(true);

      // Half-way, the server opens both and the offline command will not start over it.
      const midway = await enter(server.baseUrl, photo);
      expect(midway.status).toBe(201);
      if (midway.entry) entered.push(midway.entry);
      const offline = await runCli(["rotate-key"], { SIGNAGE_DATA_DIR: dataDir });
      expect(offline.code).toBe(5);
      expect(offline.stderr).toContain("--online");

      resumed = await runCli(["rotate-key", "--online", "--grace-seconds", "1"], {
        SIGNAGE_DATA_DIR: dataDir,
      });
    } finally {
      await traffic.stop();
    }
    expect(resumed.stderr).toContain("resuming");
    expect(resumed.code).toBe(0);
    expect(keyIn(dataDir).equals(newKey)).toBe(true);
    expect(existsSync(join(dataDir, "master.key.retiring"))).toBe(false);
    expect(traffic.failed(), errorsOf(server)).toEqual([]);
    expect(traffic.mismatched).toEqual([]);
    await expectAllUnder(
      dataDir,
      entered,
      RawVault.fromMasterKey(newKey),
      RawVault.fromMasterKey(oldKey),
    );
    // Resuming did not move the chain a second time.
    await expectChain(dataDir, rotationsBefore.length + 1);
  }, 180_000);

  it("refuses --online with SIGNAGE_MASTER_KEY, saying why, and changes nothing", async () => {
    const { dataDir } = await ready();
    const key = keyIn(dataDir);
    const run = await runCli(["rotate-key", "--online"], {
      SIGNAGE_DATA_DIR: dataDir,
      SIGNAGE_MASTER_KEY: key.toString("base64"),
    });
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(
      /^signage rotate-key: --online needs the master key in .*stop the server/i,
    );
    expect(keyIn(dataDir).equals(key)).toBe(true);
    const bad = await runCli(["rotate-key", "--online", "--batch", "0"], {
      SIGNAGE_DATA_DIR: dataDir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--batch must be");
  });
});

describe("signage rotate-key --online on PostgreSQL (issue 21)", () => {
  it("moves every data key and the audit chain while the server serves, no request failing", async () => {
    const pg = await createTempDatabase();
    const dataDir = makeDataDir();
    postgresOf.set(dataDir, pg.url);
    let server: ServerProcess | undefined;
    try {
      server = await spawnServer(dataDir, { DATABASE_URL: pg.url });
      await createDistrict(server.baseUrl, "da");
      const photo = await silhouettePortrait();
      const entered: Entered[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await enter(server.baseUrl, photo);
        expect(r.status).toBe(201);
        if (r.entry) entered.push(r.entry);
      }
      const oldKey = keyIn(dataDir);
      const traffic = startTraffic(server.baseUrl, photo, entered);
      let rotation: CliRun;
      try {
        rotation = await runCli(
          ["rotate-key", "--online", "--batch", "2", "--pause-ms", "50", "--grace-seconds", "1"],
          envOf(dataDir),
        );
      } finally {
        await traffic.stop();
      }
      expect(rotation.stderr).toContain("online");
      expect(rotation.code).toBe(0);
      expect(traffic.failed(), errorsOf(server)).toEqual([]);
      expect(traffic.mismatched).toEqual([]);
      const newKey = keyIn(dataDir);
      await expectAllUnder(
        dataDir,
        entered,
        RawVault.fromMasterKey(newKey),
        RawVault.fromMasterKey(oldKey),
      );
      await expectChain(dataDir, 1);
    } finally {
      await server?.stop();
      postgresOf.delete(dataDir);
      await pg.drop();
      removeDataDir(dataDir);
    }
  }, 240_000);
});
