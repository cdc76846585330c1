import type { Kysely, Transaction } from "kysely";
import type { Database, ImportBatchTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** Stores one import run with its per-row report. */
export async function insertImportBatch(db: Db, row: ImportBatchTable): Promise<void> {
  await db.insertInto("import_batches").values(row).execute();
}
