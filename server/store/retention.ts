import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** Deletes the plays shown before `before` (ISO instant); returns how many. */
export async function deletePlaysBefore(db: Db, before: string): Promise<number> {
  const r = await db.deleteFrom("plays").where("started_at", "<", before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Deletes the sessions that ended before `before`: idle past their deadline then, or created
 * before `createdBefore` (so past their maximum age then). Returns how many.
 */
export async function deleteSessionsEndedBefore(
  db: Db,
  before: string,
  createdBefore: string,
): Promise<number> {
  const r = await db
    .deleteFrom("sessions")
    .where((eb) => eb.or([eb("expires_at", "<", before), eb("created_at", "<", createdBefore)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
