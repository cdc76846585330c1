import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteAdapter,
  type MigrationResult,
} from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../config";
import { StartupError } from "../errors";
import { migrationProvider, type LegacyResealer } from "./migrations";
import { RollbackSafeSqliteDialect } from "./sqliteDialect";
import type { Database } from "./schema";

/** The open database handle and what kind it is. */
export interface Store {
  db: Kysely<Database>;
  kind: DatabaseConfig["kind"];
}

/** The PostgreSQL pool behind each store openStore opened (SessionLock keeps one client of it). */
const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/** The pool a PostgreSQL store was opened with; undefined for SQLite or a handle built elsewhere. */
export function postgresPoolOf(db: Kysely<Database>): pg.Pool | undefined {
  return pools.get(db);
}

// pg returns BIGINT as a string by default; our versions fit in a JS number for millennia.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * Opens the configured database; throws StartupError with a sentence when it cannot. `log` hears
 * of pooled PostgreSQL connections the database closed while idle (a restart or failover).
 */
export function openStore(
  config: DatabaseConfig,
  log?: { warn(details: object, message: string): void },
): Store {
  if (config.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: config.url, max: 10 });
    // Without a listener, a connection dropped by a restarting database is an uncaught error
    // that ends the process. Idle, the pool discards it; checked out, the query on it fails and
    // its release discards it. Either way the next query opens a new connection.
    const dropped = (err: Error): void =>
      log?.warn({ err }, "a pooled database connection was closed");
    pool.on("error", dropped);
    pool.on("connect", (client) => client.on("error", dropped));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    return { db, kind: "postgres" };
  }
  let sqlite: SqliteDatabase.Database;
  try {
    mkdirSync(dirname(config.file), { recursive: true });
    sqlite = new SqliteDatabase(config.file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    // Deleted content is overwritten with zeros, in the page and in freed pages, so an erased
    // entry leaves no bytes behind in the file (DESIGN 8); see checkpointWal for the WAL.
    sqlite.pragma("secure_delete = ON");
  } catch (err) {
    throw new StartupError(
      `Cannot open the SQLite database at ${config.file}: ${(err as Error).message}.`,
    );
  }
  return {
    db: new Kysely<Database>({ dialect: new RollbackSafeSqliteDialect(sqlite) }),
    kind: "sqlite",
  };
}

/**
 * Brings the schema to the latest version; running it again is a no-op. Returns what it applied.
 * `legacy` (the vault) is needed only when 0010 finds entries to seal under data keys.
 */
export async function migrateToLatest(
  store: Store,
  opts: { legacy?: LegacyResealer } = {},
): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider(store.kind, { legacy: opts.legacy }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new StartupError(
      `Database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}.`,
    );
  }
  // A migration may erase (0010 drops the plain full names): no copy may stay in the WAL.
  if ((results ?? []).length > 0) await checkpointWal(store.db);
  return results ?? [];
}

/** How a WAL checkpoint after an erasure went. */
export type CheckpointOutcome =
  | { kind: "done" }
  | { kind: "not_sqlite" }
  /** Another connection still reads an older snapshot; some frames stay until the next one. */
  | { kind: "busy"; walFrames: number; checkpointed: number };

/**
 * Copies the write-ahead log into the database file and truncates it to zero bytes, so the pages
 * an erasure zeroed (secure_delete) replace the old ones and no frame of the old rows stays in
 * the -wal file. Call it after the erasing transaction committed, never inside it.
 * PostgreSQL has no such file; the answer says so.
 */
export async function checkpointWal(db: Kysely<Database>): Promise<CheckpointOutcome> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return { kind: "not_sqlite" };
  const r = await sql<{
    busy: number;
    log: number;
    checkpointed: number;
  }>`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  const row = r.rows[0];
  if (row && row.busy !== 0)
    return { kind: "busy", walFrames: row.log, checkpointed: row.checkpointed };
  return { kind: "done" };
}

/** Asks the database a trivial question; throws when it cannot be reached (the health check). */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** Connection failures reported by the operating system while reaching the database. */
const UNREACHABLE_SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/**
 * True when an error says the database cannot be reached now (down, restarting, the connection
 * lost) rather than that a query was wrong: PostgreSQL's connection and shutdown states (SQLSTATE
 * class 08, 57P01–57P03, and 55000 "object not in prerequisite state" when it is a database not
 * accepting connections yet: FATAL or said so), the socket's own failures, and node-postgres's
 * lost connection.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (UNREACHABLE_SYSTEM_CODES.has(code)) return true;
    if (code.startsWith("08") || /^57P0[123]$/.test(code)) return true;
    // 55000 is also a bug's or a setting's state ("currval ... not yet defined", a table with no
    // replica identity): only a refused connection (FATAL, "not accepting connections") counts.
    if (code === "55000")
      return (
        (err as { severity?: unknown }).severity === "FATAL" ||
        /not (currently )?accepting connections/.test(err.message)
      );
  }
  return /^Connection terminated|not queryable/.test(err.message);
}
