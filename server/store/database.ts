import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationResult } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../config";
import { StartupError } from "../errors";
import { migrationProvider } from "./migrations";
import type { Database } from "./schema";

/** The open database handle and what kind it is. */
export interface Store {
  db: Kysely<Database>;
  kind: DatabaseConfig["kind"];
}

// pg returns BIGINT as a string by default; our versions fit in a JS number for millennia.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens the configured database; throws StartupError with a sentence when it cannot. */
export function openStore(config: DatabaseConfig): Store {
  if (config.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: config.url, max: 10 });
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
      kind: "postgres",
    };
  }
  let sqlite: SqliteDatabase.Database;
  try {
    mkdirSync(dirname(config.file), { recursive: true });
    sqlite = new SqliteDatabase(config.file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
  } catch (err) {
    throw new StartupError(
      `Cannot open the SQLite database at ${config.file}: ${(err as Error).message}.`,
    );
  }
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
    kind: "sqlite",
  };
}

/** Brings the schema to the latest version; running it again is a no-op. Returns what it applied. */
export async function migrateToLatest(store: Store): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.kind) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new StartupError(
      `Database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}.`,
    );
  }
  return results ?? [];
}
