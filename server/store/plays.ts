import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from "kysely";
import type { Database, PlayTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** The stretch a play report covers: ISO instants, `from` inclusive, `to` exclusive or open. */
export interface PlayRange {
  from: string;
  to: string | null;
}

/** Stores plays once each (a retried upload adds nothing); returns how many were new. */
export async function insertPlays(db: Db, rows: readonly PlayTable[]): Promise<number> {
  const result = await db
    .insertInto("plays")
    .values(rows)
    .onConflict((oc) => oc.columns(["screen_id", "play_id"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

function screenPlays(db: Db, screenId: string, range: PlayRange) {
  const { from, to } = range;
  return db
    .selectFrom("plays")
    .where("screen_id", "=", screenId)
    .where("started_at", ">=", from)
    .$if(to !== null, (q) => q.where("started_at", "<", to ?? ""));
}

/** One screen's plays in the range, per content, most recently shown first. */
export async function screenPlayGroups(db: Db, screenId: string, range: PlayRange) {
  return screenPlays(db, screenId, range)
    .select([
      "content_id as id",
      "kind",
      sql<number>`count(*)`.as("plays"),
      sql<number>`sum(duration_ms)`.as("total_ms"),
      sql<string>`max(started_at)`.as("last_at"),
    ])
    .groupBy(["content_id", "kind"])
    .orderBy("last_at", "desc")
    .execute();
}

/** One screen's latest plays in the range, at most `limit`. */
export async function screenRecentPlays(
  db: Db,
  screenId: string,
  range: PlayRange,
  limit: number,
): Promise<RecentPlayRow[]> {
  return recentPlays(screenPlays(db, screenId, range), limit);
}

function contentPlays(
  db: Db,
  contentId: string,
  range: PlayRange,
  districts: "all" | ReadonlySet<string>,
) {
  const { from, to } = range;
  const screens =
    districts === "all"
      ? null
      : db
          .selectFrom("screens")
          .select("screens.id")
          .where("screens.district_id", "in", [...districts, ""]);
  return db
    .selectFrom("plays")
    .$if(screens !== null, (q) => q.where("plays.screen_id", "in", screens ?? [""]))
    .where("plays.content_id", "=", contentId)
    .where("plays.started_at", ">=", from)
    .$if(to !== null, (q) => q.where("plays.started_at", "<", to ?? ""));
}

/**
 * One content's plays in the range per screen (only screens of `districts`; "all": every
 * screen), most recently shown first.
 */
export async function contentPlayGroups(
  db: Db,
  contentId: string,
  range: PlayRange,
  districts: "all" | ReadonlySet<string>,
) {
  return contentPlays(db, contentId, range, districts)
    .innerJoin("screens", "screens.id", "plays.screen_id")
    .select([
      "plays.screen_id as id",
      "screens.name as label",
      sql<number>`count(*)`.as("plays"),
      sql<number>`sum(plays.duration_ms)`.as("total_ms"),
      sql<string>`max(plays.started_at)`.as("last_at"),
    ])
    .groupBy(["plays.screen_id", "screens.name"])
    .orderBy("last_at", "desc")
    .execute();
}

/** One content's latest plays in the range on screens of `districts`, at most `limit`. */
export async function contentRecentPlays(
  db: Db,
  contentId: string,
  range: PlayRange,
  districts: "all" | ReadonlySet<string>,
  limit: number,
): Promise<RecentPlayRow[]> {
  return recentPlays(contentPlays(db, contentId, range, districts), limit);
}

/** One play of a report's latest, with the name of its screen. */
export interface RecentPlayRow {
  play_id: string;
  screen_id: string;
  name: string;
  kind: PlayTable["kind"];
  content_id: string;
  version: number;
  started_at: string;
  duration_ms: number;
}

async function recentPlays(
  where: SelectQueryBuilder<Database, "plays", object>,
  limit: number,
): Promise<RecentPlayRow[]> {
  return where
    .innerJoin("screens as s", "s.id", "plays.screen_id")
    .select([
      "plays.play_id",
      "plays.screen_id",
      "s.name",
      "plays.kind",
      "plays.content_id",
      "plays.version",
      "plays.started_at",
      "plays.duration_ms",
    ])
    .orderBy("plays.started_at", "desc")
    .orderBy("plays.play_id")
    .limit(limit)
    .execute();
}
