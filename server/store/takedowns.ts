import type { Kysely, Transaction } from "kysely";
import type { ChangeLogTable, Database, ScreenRow } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

const TAKEDOWN_KINDS = ["entry.revoked", "entry.expired", "entry.withdrawn"] as const;

/** A takedown of an entry as the change log holds it. */
export interface EntryTakedownRow {
  version: number;
  kind: ChangeLogTable["kind"];
  entity_id: string;
  at: string;
  /** Where it was sent (the districts then), when recorded. */
  scope_json: string | null;
}

/** Takedown events of entries that were on screens (published before), not of drafts. */
function takedownEvents(db: Db) {
  return db
    .selectFrom("change_log")
    .select([
      "change_log.version",
      "change_log.kind",
      "change_log.entity_id",
      "change_log.at",
      "change_log.scope_json",
    ])
    .where("change_log.kind", "in", [...TAKEDOWN_KINDS])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("change_log as published")
          .select("published.version")
          .whereRef("published.entity_id", "=", "change_log.entity_id")
          .where("published.kind", "=", "entry.published")
          .whereRef("published.version", "<", "change_log.version"),
      ),
    );
}

/** The newest takedowns of shown entries (of one entry, if given), at most `limit`. */
export async function recentEntryTakedowns(
  db: Db,
  limit: number,
  entryId?: string,
): Promise<EntryTakedownRow[]> {
  let q = takedownEvents(db).orderBy("change_log.version", "desc").limit(limit);
  if (entryId) q = q.where("change_log.entity_id", "=", entryId);
  return q.execute();
}

/** The newest takedowns of shown entries made at or after `since`, at most `limit`. */
export async function entryTakedownsSince(
  db: Db,
  since: string,
  limit: number,
): Promise<EntryTakedownRow[]> {
  return takedownEvents(db)
    .where("change_log.at", ">=", since)
    .orderBy("change_log.version", "desc")
    .limit(limit)
    .execute();
}

/** A screen as an announcement takedown's progress sees it: with its tags. */
export type AnnouncementTargetScreen = Pick<
  ScreenRow,
  | "id"
  | "name"
  | "district_id"
  | "last_seen_at"
  | "applied_version"
  | "stale_districts_json"
  | "stale_cleared_version"
  | "tags_json"
>;

/** The active screens of these districts, or of the whole city, with their tags. */
export async function announcementTargetScreens(
  db: Db,
  districtIds: readonly string[] | "all",
): Promise<AnnouncementTargetScreen[]> {
  let q = db
    .selectFrom("screens")
    .select([
      "id",
      "name",
      "district_id",
      "last_seen_at",
      "applied_version",
      "stale_districts_json",
      "stale_cleared_version",
      "tags_json",
    ])
    .where("state", "=", "active");
  if (districtIds !== "all") q = q.where("district_id", "in", [...districtIds]);
  return q.execute();
}
