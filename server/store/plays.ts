import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from "kysely";
import type { Database, PlayDayTable, PlayTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** The stretch a play report covers: ISO instants, `from` inclusive, `to` exclusive or open. */
export interface PlayRange {
  from: string;
  to: string | null;
}

/**
 * Stores plays once each (a retried upload adds nothing) and adds the new ones to the daily
 * rollup (play_days) in the same transaction; returns how many were new.
 */
export async function insertPlays(db: Db, rows: readonly PlayTable[]): Promise<number> {
  if (rows.length === 0) return 0;
  const store = async (trx: Db): Promise<number> => {
    const inserted = await trx
      .insertInto("plays")
      .values(rows)
      .onConflict((oc) => oc.columns(["screen_id", "play_id"]).doNothing())
      .returning(["screen_id", "kind", "content_id", "started_at", "duration_ms"])
      .execute();
    await addToPlayDays(trx, inserted);
    return inserted.length;
  };
  return db.isTransaction ? store(db) : db.transaction().execute(store);
}

/** The UTC day ("YYYY-MM-DD") of an ISO instant stored in UTC ("Z"). */
export function playDayOf(startedAt: string): string {
  return startedAt.slice(0, 10);
}

/**
 * Adds plays to the daily rollup: summed per screen, content and UTC day in the batch, then
 * one upsert per sum (in key order, so concurrent batches lock rows in the same order).
 */
async function addToPlayDays(
  db: Db,
  plays: readonly Pick<
    PlayTable,
    "screen_id" | "kind" | "content_id" | "started_at" | "duration_ms"
  >[],
): Promise<void> {
  const sums = new Map<string, PlayDayTable>();
  for (const p of plays) {
    const day = playDayOf(p.started_at);
    const key = JSON.stringify([p.screen_id, day, p.kind, p.content_id]);
    const sum = sums.get(key);
    if (sum) {
      sum.plays += 1;
      sum.total_ms += Number(p.duration_ms);
    } else
      sums.set(key, {
        screen_id: p.screen_id,
        day,
        kind: p.kind,
        content_id: p.content_id,
        plays: 1,
        total_ms: Number(p.duration_ms),
      });
  }
  if (sums.size === 0) return;
  const values = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await db
    .insertInto("play_days")
    .values(values.map(([, v]) => v))
    .onConflict((oc) =>
      oc.columns(["screen_id", "day", "kind", "content_id"]).doUpdateSet({
        plays: sql<number>`play_days.plays + excluded.plays`,
        total_ms: sql<number>`play_days.total_ms + excluded.total_ms`,
      }),
    )
    .execute();
}

/**
 * Deletes the rollup of every day wholly before `before` (ISO instant), as the retention sweep
 * deletes the plays shown before it; returns how many rows.
 */
export async function deletePlayDaysBefore(db: Db, before: string): Promise<number> {
  const r = await db
    .deleteFrom("play_days")
    .where("day", "<", playDayOf(before))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
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
