import type { Kysely, Transaction } from "kysely";
import type { Database, PairingCodeTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** Deletes the codes that expired before `now`. */
export async function deleteExpiredPairingCodes(db: Db, now: string): Promise<void> {
  await db.deleteFrom("pairing_codes").where("expires_at", "<", now).execute();
}

/** Whether a code is held by a stored row (live or used), so a new one must differ. */
export async function pairingCodeTaken(db: Db, code: string): Promise<boolean> {
  const taken = await db
    .selectFrom("pairing_codes")
    .select("code")
    .where("code", "=", code)
    .executeTakeFirst();
  return taken !== undefined;
}

/** Stores a code offered to a kiosk. */
export async function insertPairingCode(db: Db, row: PairingCodeTable): Promise<void> {
  await db.insertInto("pairing_codes").values(row).execute();
}

/** A stored code, if any. */
export async function findPairingCode(db: Db, code: string): Promise<PairingCodeTable | undefined> {
  return db.selectFrom("pairing_codes").selectAll().where("code", "=", code).executeTakeFirst();
}

/** Marks an unused code used for `screenId`; false when it was used meanwhile (single use). */
export async function claimPairingCode(
  db: Db,
  code: string,
  screenId: string,
  at: string,
): Promise<boolean> {
  const claimed = await db
    .updateTable("pairing_codes")
    .set({ used_at: at, screen_id: screenId })
    .where("code", "=", code)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

/** Deletes a code if it is still unused. */
export async function withdrawPairingCode(db: Db, code: string): Promise<void> {
  await db
    .deleteFrom("pairing_codes")
    .where("code", "=", code)
    .where("used_at", "is", null)
    .execute();
}
