import { PostgresAdapter, sql, type Kysely, type Transaction } from "kysely";
import type { AnnouncementRow, ChangeLogTable, Database, NewAnnouncementRow } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

// pg_advisory_xact_lock key for change-log appends: "SIGNCHLG" as a signed bigint.
const CHANGE_LOG_LOCK_KEY = "6001406379909729351";

/** Appends one event to the change log and returns its version. */
export async function appendChange(
  db: Db,
  kind: ChangeLogTable["kind"],
  entityId: string,
  at: string,
): Promise<number> {
  // PostgreSQL hands out serial numbers before commit, so two writers could commit versions
  // out of order and a kiosk syncing in between would skip the earlier one for good. Appends
  // are serialised until the transaction ends (SQLite serialises writers already).
  if (db.isTransaction && db.getExecutor().adapter instanceof PostgresAdapter)
    await sql`select pg_advisory_xact_lock(${CHANGE_LOG_LOCK_KEY})`.execute(db);
  const row = await db
    .insertInto("change_log")
    .values({ kind, entity_id: entityId, at })
    .returning("version")
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

/** Stores a new announcement row. */
export async function insertAnnouncement(db: Db, row: NewAnnouncementRow): Promise<void> {
  await db.insertInto("announcements").values(row).execute();
}

/** Every published announcement, oldest version first. */
export async function listAnnouncements(db: Db, limit = 500): Promise<AnnouncementRow[]> {
  return db
    .selectFrom("announcements")
    .selectAll()
    .orderBy("version", "asc")
    .limit(limit)
    .execute();
}

/** Announcements published or changed after `version`. */
export async function announcementsSince(db: Db, version: number): Promise<AnnouncementRow[]> {
  return db
    .selectFrom("announcements")
    .selectAll()
    .where("version", ">", version)
    .orderBy("version", "asc")
    .execute();
}

/** Ids removed after `version` (for the delta a reconnecting kiosk applies). */
export async function removedSince(db: Db, version: number): Promise<string[]> {
  const rows = await db
    .selectFrom("change_log")
    .select("entity_id")
    .where("kind", "=", "announcement.removed")
    .where("version", ">", version)
    .execute();
  return rows.map((r) => r.entity_id);
}

/** The newest change-log version, 0 when nothing was ever published. */
export async function currentVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom("change_log")
    .select((eb) => eb.fn.max("version").as("v"))
    .executeTakeFirst();
  return row?.v == null ? 0 : Number(row.v);
}
