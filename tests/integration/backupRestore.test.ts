import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  readManifest,
  RESTORE_VERSION_GAP,
  type BackupManifest,
} from "../../server/services/backup/backupArchive";
import { currentVersion } from "../../server/store/changeLog";
import { openStore } from "../../server/store/database";
import { countTableRows } from "../../server/store/tableCounts";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { silhouettePortrait } from "../fixtures/images";
import { buildEntryInput } from "../support/entryFactory";
import { createEntryWithPhoto } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import { runCli } from "../support/runCli";
import {
  api,
  createDistrict,
  makeDataDir,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  syncKiosk,
  waitForRedaction,
  type TestServer,
} from "../support/testServer";

const dirs: string[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) removeDataDir(d);
});

function tempDir(): string {
  const d = makeDataDir();
  dirs.push(d);
  return d;
}

/** The newest change-log version in a database file. */
async function lastVersion(file: string): Promise<number> {
  const store = openStore({ kind: "sqlite", file });
  try {
    return await currentVersion(store.db);
  } finally {
    await store.db.destroy();
  }
}

async function rowCounts(file: string): Promise<Record<string, number>> {
  const store = openStore({ kind: "sqlite", file });
  try {
    return await countTableRows(store.db);
  } finally {
    await store.db.destroy();
  }
}

/** A running server with a district, two entries (one with a photo, redacted), a second user. */
async function populatedServer(): Promise<{ t: TestServer; entryId: string }> {
  const t = await startTestServer();
  await createDistrict(t.baseUrl, "da");
  const entry = await createEntryWithPhoto(t, await silhouettePortrait(), {});
  // The drawing has no face a detector finds: the submitter marks the head, as the queue asks.
  await waitForRedaction(t, entry.id);
  const marked = await api(`${t.baseUrl}/api/entries/${entry.id}/regions`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ regions: [{ x: 0.25, y: 0.2, width: 0.5, height: 0.4 }] }),
  });
  expect(marked.status).toBe(200);
  const done = await waitForRedaction(t, entry.id);
  expect(done.renditions.length).toBeGreaterThan(0);
  const plain = await postJson(
    `${t.baseUrl}/api/entries`,
    buildEntryInput({ districtIds: ["da"] }),
  );
  expect(plain.status).toBe(201);
  await createUser(t.baseUrl, "Moderator", [{ role: "moderator", scope: "*" }]);
  return { t, entryId: entry.id };
}

describe("signage backup and restore (issue 21)", () => {
  /** The running server, its entry with a photo, and the backup taken while it wrote. */
  let live: { t: TestServer; entryId: string; backup: string; manifest: BackupManifest };

  beforeAll(async () => {
    const { t, entryId } = await populatedServer();
    const backup = join(makeDataDir(), "city.backup.tar");
    // The server keeps writing while the backup runs: the copy is one snapshot all the same.
    const writes = Array.from({ length: 5 }, () =>
      postJson(`${t.baseUrl}/api/entries`, buildEntryInput({ districtIds: ["da"] })),
    );
    const run = await runCli(["backup", "--out", backup], { SIGNAGE_DATA_DIR: t.dataDir });
    for (const w of await Promise.all(writes)) expect(w.status).toBe(201);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("chain intact");
    live = { t, entryId, backup, manifest: await readManifest(backup) };
  }, 180_000);

  afterAll(async () => {
    await live.t.stop();
    removeDataDir(live.t.dataDir);
    removeDataDir(join(live.backup, ".."));
  });

  /** A copy of the backup the test may change. */
  function backupCopy(): string {
    const copy = join(tempDir(), "b.tar");
    copyFileSync(live.backup, copy);
    return copy;
  }

  /** An empty folder holding only the live server's key, as an admin would copy it. */
  function folderWithKey(): string {
    const target = tempDir();
    copyFileSync(join(live.t.dataDir, "master.key"), join(target, "master.key"));
    return target;
  }

  it("backs up a running server, restores into an empty folder, and the chain and counts verify", async () => {
    const { manifest } = live;
    expect(manifest.counts["entries"]).toBeGreaterThanOrEqual(2);
    expect(manifest.counts["renditions"]).toBeGreaterThan(0);
    expect(manifest.counts["raw_photos"]).toBe(1);
    expect(manifest.counts["users"]).toBe(2);
    expect(manifest.audit.records).toBeGreaterThan(0);
    // The master key is never in a backup, in any form.
    const key = readFileSync(join(live.t.dataDir, "master.key"), "utf8").trim();
    const bytes = readFileSync(live.backup);
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    expect(bytes.includes(Buffer.from(key, "base64"))).toBe(false);

    // A new machine: an empty folder and the key, copied apart by the admin.
    const target = folderWithKey();
    const restored = await runCli(["restore", live.backup], { SIGNAGE_DATA_DIR: target });
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(await rowCounts(join(target, "signage.db"))).toEqual(manifest.counts);
    const verify = await runCli(["audit", "verify"], { SIGNAGE_DATA_DIR: target });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`${manifest.audit.records} records`);

    // And the product comes back: the entry with its renditions, served from the restored copy.
    const again = await startTestServer({ dataDir: target });
    servers.push(again);
    const res = await api(`${again.baseUrl}/api/entries/${live.entryId}`);
    expect(res.status).toBe(200);
    const view = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    expect(view.renditions.length).toBeGreaterThan(0);
  });

  it("never issues again a version of the hours after the backup, and gives a kiosk holding one everything", async () => {
    const target = folderWithKey();
    const restored = await runCli(["restore", live.backup], { SIGNAGE_DATA_DIR: target });
    expect(restored.code).toBe(0);
    const backedUp = await lastVersion(join(target, "signage.db"));
    const again = await startTestServer({ dataDir: target });
    servers.push(again);
    const kiosk = await pairKiosk(again.baseUrl, "da");
    try {
      // The first change after the restore does not take the number after the backup's last.
      const res = await postJson(`${again.baseUrl}/api/emergencies`, {
        title: "停水通知",
        body: "今晚十点至明早六点停水。",
        districtIds: ["da"],
      });
      expect(res.status).toBe(201);
      const current = await syncKiosk(kiosk.socket, 0);
      expect(current.version).toBeGreaterThan(backedUp + RESTORE_VERSION_GAP);
      expect(await syncKiosk(kiosk.socket, current.version)).toMatchObject({ full: false });
      // A kiosk that applied a version issued after the backup (lost with those hours) is no
      // base for a delta: it gets the full manifest, even below the current version.
      expect(await syncKiosk(kiosk.socket, backedUp + 1)).toMatchObject({ full: true });
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("refuses to restore into a folder that is not empty, and leaves it as it was", async () => {
    const target = folderWithKey();
    writeFileSync(join(target, "notes.txt"), "someone's live data");
    const run = await runCli(["restore", backupCopy()], { SIGNAGE_DATA_DIR: target });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^signage restore: The data folder .* is not empty/);
    expect(readdirSync(target).sort()).toEqual(["master.key", "notes.txt"]);

    // Over a live server's own folder too.
    const over = await runCli(["restore", backupCopy()], { SIGNAGE_DATA_DIR: live.t.dataDir });
    expect(over.code).toBe(3);
  });

  it("refuses a restore without the backup's master key, leaving nothing behind", async () => {
    const none = tempDir();
    const noKey = await runCli(["restore", backupCopy()], { SIGNAGE_DATA_DIR: none });
    expect(noKey.code).toBe(4);
    expect(noKey.stderr).toContain("No master key");
    expect(readdirSync(none)).toEqual([]);

    const other = await runCli(["restore", backupCopy()], {
      SIGNAGE_DATA_DIR: none,
      SIGNAGE_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(other.code).toBe(4);
    expect(other.stderr).toContain("is not the one this backup was made with");
    expect(readdirSync(none)).toEqual([]);
  });

  it("refuses a damaged backup, leaving nothing behind", async () => {
    const damaged = backupCopy();
    const bytes = readFileSync(damaged);
    // Flip one byte inside the database member (it comes last, before the 1 KiB end marker).
    const at = bytes.length - 4096;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(damaged, bytes);

    const target = folderWithKey();
    const run = await runCli(["restore", damaged], { SIGNAGE_DATA_DIR: target });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("damaged");
    expect(readdirSync(target)).toEqual(["master.key"]);
  });

  it("refuses the database part on PostgreSQL, pointing at pg_dump", async () => {
    const out = join(tempDir(), "b.tar");
    const run = await runCli(["backup", "--out", out], {
      SIGNAGE_DATA_DIR: tempDir(),
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/none",
    });
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("pg_dump");
    expect(existsSync(out)).toBe(false);
  });

  it("refuses while an online key rotation is unfinished, naming the way to finish it", async () => {
    const folder = folderWithKey();
    for (const f of ["signage.db", "signage.db-wal"])
      if (existsSync(join(live.t.dataDir, f)))
        copyFileSync(join(live.t.dataDir, f), join(folder, f));
    copyFileSync(join(folder, "master.key"), join(folder, "master.key.retiring"));
    const out = join(tempDir(), "b.tar");
    const run = await runCli(["backup", "--out", out], { SIGNAGE_DATA_DIR: folder });
    expect(run.code).toBe(7);
    expect(run.stderr).toContain("signage rotate-key --online");
    expect(existsSync(out)).toBe(false);
  });

  it("refuses to overwrite an existing file", async () => {
    const existing = backupCopy();
    const before = readFileSync(existing);
    const run = await runCli(["backup", "--out", existing], { SIGNAGE_DATA_DIR: live.t.dataDir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("already exists");
    expect(readFileSync(existing).equals(before)).toBe(true);
  });

  it("prints help for both commands", async () => {
    const b = await runCli(["backup", "--help"], {});
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("Usage: signage backup --out FILE");
    const r = await runCli(["restore", "--help"], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: signage restore FILE");
  });
});
