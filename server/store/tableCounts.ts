import { sql, type Kysely } from "kysely";
import type { Database } from "./schema";

/**
 * The number of rows in every table of the database (Kysely's migration tables included), by
 * table name in name order: what a backup's manifest records and a restore compares.
 */
export async function countTableRows(db: Kysely<Database>): Promise<Record<string, number>> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  const names = tables.map((t) => t.name).sort();
  const counts: Record<string, number> = {};
  for (const name of names) {
    // Names come from the database's own catalogue, never from input.
    const r = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(name)}`.execute(db);
    counts[name] = Number(r.rows[0]?.n ?? 0);
  }
  return counts;
}
