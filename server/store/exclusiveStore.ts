import SqliteDatabase from "better-sqlite3";
import { Kysely, sql, SqliteDialect } from "kysely";
import type { DatabaseConfig } from "../config";
import { openStore, type Store } from "./database";
import type { Database } from "./schema";

/** Another process (a running server, a command) has the database open. */
export class DatabaseInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseInUseError";
  }
}

/**
 * Opens the database for a command that must be its only user (key rotation), or throws
 * DatabaseInUseError. SQLite: the connection takes an exclusive lock and keeps it until it is
 * closed (locking_mode EXCLUSIVE), which fails at once while any other process — a server —
 * has the file open, and keeps a server from starting meanwhile. PostgreSQL: refuses while any
 * other session is connected to the database (every server process holds some).
 */
export async function openStoreExclusively(config: DatabaseConfig): Promise<Store> {
  if (config.kind === "postgres") {
    const store = openStore(config);
    try {
      const r = await sql<{ n: number | string }>`select count(*) as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()`.execute(store.db);
      const others = Number(r.rows[0]?.n ?? 0);
      if (others > 0)
        throw new DatabaseInUseError(
          `${String(others)} other session(s) are connected to the database; stop every server process (and other signage commands) first.`,
        );
      return store;
    } catch (err) {
      await store.db.destroy();
      throw err;
    }
  }
  const sqlite = new SqliteDatabase(config.file, { fileMustExist: true });
  try {
    sqlite.pragma("busy_timeout = 0");
    sqlite.pragma("locking_mode = EXCLUSIVE");
    // Takes the lock now (and, in exclusive mode, keeps it after the commit).
    sqlite.exec("begin exclusive");
    sqlite.exec("commit");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("secure_delete = ON");
  } catch (err) {
    sqlite.close();
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY") === true)
      throw new DatabaseInUseError(
        `The database ${config.file} is open in another process (the server?); stop the server first.`,
      );
    throw err;
  }
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
    kind: "sqlite",
  };
}
