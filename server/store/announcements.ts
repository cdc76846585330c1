import type { Kysely, Transaction } from "kysely";
import type { AnnouncementRow, Database, NewAnnouncementRow } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

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

/** Of these announcement ids, those ever published (so every screen was sent them). */
export async function publishedAnnouncementIds(
  db: Db,
  ids: readonly string[],
): Promise<{ id: string }[]> {
  return db
    .selectFrom("change_log")
    .select("entity_id as id")
    .where("kind", "=", "announcement.published")
    .where("entity_id", "in", [...ids])
    .distinct()
    .execute();
}

/** The titles of these announcements. */
export async function announcementTitles(
  db: Db,
  ids: readonly string[],
): Promise<{ id: string; title: string }[]> {
  return db
    .selectFrom("announcements")
    .select(["id", "title"])
    .where("id", "in", [...ids])
    .execute();
}
