import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import type { DatabaseConfig } from "../config";

type Dialect = DatabaseConfig["kind"];

/**
 * Every schema migration, in order. Never edit one that has shipped: add the next.
 * Each takes the dialect because auto-increment keys differ between SQLite and PostgreSQL.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    "0001_change_log_and_announcements": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("change_log")
          .addColumn("version", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("entity_id", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("announcements")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("language", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("version", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("announcements_version_idx")
          .on("announcements")
          .column("version")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("announcements").execute();
        await db.schema.dropTable("change_log").execute();
        await sql`select 1`.execute(db);
      },
    },
  };
}

/** Supplies the migrations from code, so they work the same from source and from a bundle. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(dialect)) };
}
