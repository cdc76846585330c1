import type { Kysely, Transaction } from "kysely";
import type { ChangeLogTable, Database } from "./schema";
import { databaseKindOf, takeLock } from "./transactionLocks";

type Db = Kysely<Database> | Transaction<Database>;

/** What the change log records: every change a screen must apply, in version order. */
export type ChangeKind = ChangeLogTable["kind"];

/**
 * Appends one event to the change log inside `trx` and returns its version. Only the change
 * feed (services/ChangeFeed.ts) calls this, so every append is pushed to screens after commit.
 */
export async function appendChange(
  trx: Transaction<Database>,
  kind: ChangeKind,
  entityId: string,
  at: string,
): Promise<number> {
  // PostgreSQL hands out serial numbers before commit, so two writers could commit versions
  // out of order and a kiosk syncing in between would skip the earlier one for good. Appends
  // are serialised until the transaction ends (SQLite serialises writers already).
  await takeLock(trx, "changeLog", databaseKindOf(trx));
  const row = await trx
    .insertInto("change_log")
    .values({ kind, entity_id: entityId, at })
    .returning("version")
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

/** The newest change-log version, 0 when nothing was ever published. */
export async function currentVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom("change_log")
    .select((eb) => eb.fn.max("version").as("v"))
    .executeTakeFirst();
  return row?.v == null ? 0 : Number(row.v);
}
