import { createHash, randomBytes } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
} from "node:fs";
import { mkdtemp, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import SqliteDatabase from "better-sqlite3";
import { z } from "zod";
import type { Config } from "../../config";
import { openStore } from "../../store/database";
import { countTableRows } from "../../store/tableCounts";
import { AuditLog } from "../AuditLog";
import type { RawVault } from "../crypto/RawVault";
import { listTar, readTarMember, streamTarMember, TarFormatError, TarWriter } from "./tarArchive";

/**
 * `signage backup` and `signage restore`: one ustar file holding `manifest.json` and a consistent
 * copy of the SQLite database (`signage.db`). The database is everything the product needs to
 * come back — entries, sealed raw data with their wrapped data keys, renditions, users, screens,
 * schedules, plays and the audit log all live in it; the data folder holds nothing else but
 * `master.key`, which a backup never contains (it is exported apart: `signage key export`).
 */

/** What went wrong, so the command can answer with its own exit code. */
export type BackupProblem =
  | "postgres"
  | "exists"
  | "no_database"
  | "not_empty"
  | "no_key"
  | "wrong_key"
  | "damaged"
  | "chain_broken"
  | "counts_differ"
  | "rotating";

/** A backup or restore that was refused or failed; the message is one sentence for the admin. */
export class BackupError extends Error {
  constructor(
    readonly problem: BackupProblem,
    message: string,
  ) {
    super(message);
    this.name = "BackupError";
  }
}

/** The name of the archive member holding the database copy. */
export const BACKUP_DATABASE_MEMBER = "signage.db";
/** The name of the archive member holding the manifest. */
export const BACKUP_MANIFEST_MEMBER = "manifest.json";

/** The manifest of a backup: what it holds and what a restore must find again. */
export const BackupManifestSchema = z.object({
  format: z.literal("civic-signage-backup"),
  formatVersion: z.literal(1),
  createdAt: z.string(),
  appVersion: z.string(),
  /** Which master key the sealed data is wrapped by (RawVault.keyId()); the key is not here. */
  keyId: z.string(),
  database: z.object({
    kind: z.literal("sqlite"),
    member: z.literal(BACKUP_DATABASE_MEMBER),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  /** Rows per table in the copy. */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  /** The audit chain of the copy, verified when the backup was made. */
  audit: z.object({
    records: z.number().int().nonnegative(),
    lastSeq: z.number().int().nonnegative(),
    lastHash: z.string(),
  }),
});

/** The manifest of a backup. */
export type BackupManifest = z.infer<typeof BackupManifestSchema>;

/** Where the README explains the PostgreSQL recipe. */
const POSTGRES_HINT =
  'the database is PostgreSQL: back it up with pg_dump and restore it with pg_restore as the README\'s "Operations" chapter shows (the data folder holds nothing else to back up, and the master key is exported apart with "signage key export")';

/**
 * Writes a backup of the running (or stopped) server's SQLite database to `out`, which must not
 * exist. The copy is taken with SQLite's online backup API in one step, so it is one consistent
 * snapshot even while the server writes; its audit chain is verified and its rows counted before
 * it is packed. Returns the manifest written.
 */
export async function writeBackup(opts: {
  config: Pick<Config, "database" | "dataDir">;
  /** Opens the vault once the database is known to be there (never creates a key beside none). */
  openVault: () => RawVault;
  out: string;
  appVersion: string;
}): Promise<BackupManifest> {
  const { config } = opts;
  if (config.database.kind === "postgres")
    throw new BackupError("postgres", `Nothing was written: ${POSTGRES_HINT}.`);
  const source = config.database.file;
  if (!existsSync(source))
    throw new BackupError(
      "no_database",
      `There is no database at ${source}; check SIGNAGE_DATA_DIR and DATABASE_URL.`,
    );
  const out = resolve(opts.out);
  if (existsSync(out))
    throw new BackupError("exists", `${out} already exists; name a new file with --out.`);
  const vault = opts.openVault();
  // The copy holds sealed raw data and password hashes: a private folder beside the output.
  const work = await mkdtemp(join(dirname(out), ".signage-backup-"));
  const copy = join(work, BACKUP_DATABASE_MEMBER);
  let writer: TarWriter | undefined;
  try {
    await copyDatabase(source, copy);
    const { counts, audit } = await inspectCopy(copy, vault);
    if (!audit.ok)
      throw new BackupError(
        "chain_broken",
        `The audit chain of the database is broken at record ${audit.brokenAt} (${audit.message}); run "signage audit verify" and resolve it before backing up.`,
      );
    const manifest: BackupManifest = {
      format: "civic-signage-backup",
      formatVersion: 1,
      createdAt: new Date().toISOString(),
      appVersion: opts.appVersion,
      keyId: vault.keyId(),
      database: {
        kind: "sqlite",
        member: BACKUP_DATABASE_MEMBER,
        bytes: (await stat(copy)).size,
        sha256: await sha256Of(copy),
      },
      counts,
      audit: { records: audit.records, lastSeq: audit.lastSeq, lastHash: audit.lastHash },
    };
    writer = await TarWriter.create(out);
    await writer.addBuffer(
      BACKUP_MANIFEST_MEMBER,
      Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8"),
    );
    await writer.addFile(BACKUP_DATABASE_MEMBER, copy, manifest.database.bytes);
    await writer.finish();
    writer = undefined;
    return manifest;
  } catch (err) {
    if (writer !== undefined) {
      await writer.abort();
      await rm(out, { force: true });
    }
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What a restore found and put in place. */
export interface RestoreOutcome {
  manifest: BackupManifest;
  databaseFile: string;
  auditRecords: number;
}

/**
 * Restores a backup into an empty data folder: one that is absent, empty or holds only
 * `master.key` (copied there by the admin). The master key comes from SIGNAGE_MASTER_KEY or that
 * file and must be the backup's. The database is unpacked beside its final place, checked
 * (checksum, SQLite integrity, row counts against the manifest, the audit chain and its last
 * hash) and only then moved into place; on any failure nothing is left behind.
 */
export async function restoreBackup(opts: {
  config: Pick<Config, "database" | "dataDir" | "masterKey">;
  file: string;
  /** Opens the vault once the folder has been found empty (never creates a key). */
  openVault: () => RawVault;
}): Promise<RestoreOutcome> {
  const { config } = opts;
  if (config.database.kind === "postgres")
    throw new BackupError("postgres", `Nothing was restored: ${POSTGRES_HINT}.`);
  const target = config.database.file;
  assertEmptyDataDir(config.dataDir, target);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const manifest = await readManifest(opts.file);
  const hasKeyFile = existsSync(join(config.dataDir, "master.key"));
  if (config.masterKey === undefined && !hasKeyFile)
    throw new BackupError(
      "no_key",
      `No master key: set SIGNAGE_MASTER_KEY or copy the key file to ${join(config.dataDir, "master.key")} (mode 0600) before restoring; the backup does not contain it.`,
    );
  const vault = opts.openVault();
  if (vault.keyId() !== manifest.keyId)
    throw new BackupError(
      "wrong_key",
      `The master key supplied (key id ${vault.keyId()}) is not the one this backup was made with (key id ${manifest.keyId}); supply the key that was in use on ${manifest.createdAt}.`,
    );
  const members = await listTar(opts.file).catch(damaged(opts.file));
  const member = members.find((m) => m.name === BACKUP_DATABASE_MEMBER);
  if (member === undefined || member.size !== manifest.database.bytes)
    throw new BackupError("damaged", `${opts.file} does not hold the database its manifest names.`);
  const temp = join(dirname(target), `.restore-${randomBytes(6).toString("hex")}.db`);
  try {
    await pipeline(
      streamTarMember(opts.file, member),
      createWriteStream(temp, { flags: "wx", mode: 0o600 }),
    );
    if ((await sha256Of(temp)) !== manifest.database.sha256)
      throw new BackupError(
        "damaged",
        `The database in ${opts.file} does not match its checksum; the backup is damaged.`,
      );
    const { counts, audit } = await inspectCopy(temp, vault);
    if (!audit.ok)
      throw new BackupError(
        "chain_broken",
        `The restored audit chain is broken at record ${audit.brokenAt}: ${audit.message}`,
      );
    if (audit.lastSeq !== manifest.audit.lastSeq || audit.lastHash !== manifest.audit.lastHash)
      throw new BackupError(
        "chain_broken",
        `The restored audit chain ends at record ${audit.lastSeq}, where the manifest says ${manifest.audit.lastSeq}.`,
      );
    const differing = differingCounts(manifest.counts, counts);
    if (differing.length > 0)
      throw new BackupError(
        "counts_differ",
        `The restored row counts differ from the manifest's (${differing.join(", ")}).`,
      );
    skipLostVersions(temp);
    await rename(temp, target);
    return { manifest, databaseFile: target, auditRecords: audit.records };
  } finally {
    for (const f of [temp, `${temp}-wal`, `${temp}-shm`]) await rm(f, { force: true });
  }
}

/**
 * How many change-log versions a restore skips. Between the backup and the restore the server
 * went on issuing versions that kiosks applied and that the restored database never saw; were
 * they issued again for other changes, a kiosk would take a delta from its own version and miss
 * the takedowns below it. The restored database goes on from its last version plus this, and a
 * kiosk naming a version it never issued gets the full manifest (computeSync).
 */
export const RESTORE_VERSION_GAP = 1_000_000_000;

/** Makes the restored copy's next change-log version its last plus RESTORE_VERSION_GAP. */
function skipLostVersions(file: string): void {
  const copy = new SqliteDatabase(file, { fileMustExist: true });
  try {
    const { last } = copy
      .prepare("SELECT coalesce(max(version), 0) AS last FROM change_log")
      .get() as { last: number };
    const seq = copy.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'").get() as
      { seq: number } | undefined;
    const next = Math.max(last, seq?.seq ?? 0) + RESTORE_VERSION_GAP;
    copy.transaction(() => {
      copy.prepare("DELETE FROM sqlite_sequence WHERE name = 'change_log'").run();
      copy.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('change_log', ?)").run(next);
    })();
    // Into the file itself: the restore renames it alone.
    copy.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    copy.close();
  }
}

/** Reads and checks the manifest of a backup file. */
export async function readManifest(file: string): Promise<BackupManifest> {
  if (!existsSync(file)) throw new BackupError("damaged", `There is no backup file ${file}.`);
  const members = await listTar(file).catch(damaged(file));
  const m = members.find((x) => x.name === BACKUP_MANIFEST_MEMBER);
  if (m === undefined || m.size > 1_000_000)
    throw new BackupError("damaged", `${file} has no manifest; it is not a signage backup.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readTarMember(file, m)).toString("utf8"));
  } catch {
    throw new BackupError("damaged", `The manifest of ${file} is not JSON; the backup is damaged.`);
  }
  const manifest = BackupManifestSchema.safeParse(parsed);
  if (!manifest.success)
    throw new BackupError(
      "damaged",
      `The manifest of ${file} is not one this version reads (${manifest.error.issues[0]?.message ?? "invalid"}).`,
    );
  return manifest.data;
}

/** Refuses a data folder holding anything but master.key, and an existing database file. */
function assertEmptyDataDir(dataDir: string, databaseFile: string): void {
  const found = existsSync(dataDir)
    ? readdirSync(dataDir).filter((name) => name !== "master.key")
    : [];
  if (found.length > 0)
    throw new BackupError(
      "not_empty",
      `The data folder ${dataDir} is not empty (it holds ${found.slice(0, 3).join(", ")}${found.length > 3 ? "…" : ""}); restore only into an empty folder, never over live data.`,
    );
  if (existsSync(databaseFile))
    throw new BackupError(
      "not_empty",
      `The database file ${databaseFile} already exists; restore only into an empty folder, never over live data.`,
    );
  const folder = dirname(databaseFile);
  if (folder !== dataDir && (!existsSync(folder) || !statSync(folder).isDirectory()))
    throw new BackupError(
      "not_empty",
      `The folder of the database file, ${folder}, does not exist; create it (mode 0700) first.`,
    );
}

/**
 * Copies the live database with SQLite's backup API. The first step copies every page at once
 * (instead of 100 pages a step), so the copy is one read transaction: a snapshot that writers in
 * the server do not disturb (WAL mode) and that never restarts because of them.
 */
async function copyDatabase(source: string, copy: string): Promise<void> {
  const db = new SqliteDatabase(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    await db.backup(copy, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
}

/** Checks a copy: SQLite integrity, rows per table and the audit chain under `vault`'s key. */
async function inspectCopy(
  file: string,
  vault: RawVault,
): Promise<{
  counts: Record<string, number>;
  audit: Awaited<ReturnType<AuditLog["verify"]>>;
}> {
  const check = new SqliteDatabase(file, { fileMustExist: true });
  try {
    const result = check.pragma("integrity_check", { simple: true });
    if (result !== "ok")
      throw new BackupError(
        "damaged",
        `The database copy ${basename(file)} fails SQLite's integrity check (${String(result)}).`,
      );
  } finally {
    check.close();
  }
  const store = openStore({ kind: "sqlite", file });
  try {
    const counts = await countTableRows(store.db);
    const audit = await new AuditLog({
      db: store.db,
      kind: "sqlite",
      key: vault.auditChainKey(),
    }).verify();
    return { counts, audit };
  } finally {
    await store.db.destroy();
  }
}

function differingCounts(
  expected: Record<string, number>,
  found: Record<string, number>,
): string[] {
  const names = new Set([...Object.keys(expected), ...Object.keys(found)]);
  return [...names]
    .sort()
    .filter((n) => expected[n] !== found[n])
    .map(
      (n) => `${n}: ${String(expected[n] ?? "none")} expected, ${String(found[n] ?? "none")} found`,
    );
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

function damaged(file: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof TarFormatError)
      throw new BackupError("damaged", `${file} is not a readable backup: ${err.message}`);
    throw err;
  };
}
