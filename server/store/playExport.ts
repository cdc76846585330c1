import { sql, type Kysely } from "kysely";
import type { Database } from "./schema";

/** Which plays an export covers; `screens` limits it to screens of these districts. */
export interface PlayExportFilter {
  /** ISO instant, inclusive. */
  from: string;
  /** ISO instant, exclusive; null: open-ended. */
  to: string | null;
  /** The districts whose screens count (the caller's scope and the asked district); null: all. */
  districts: readonly string[] | null;
  screenId?: string;
  contentId?: string;
}

/** Where the previous page ended: the last row's sort key. */
export interface PlayExportCursor {
  startedAt: string;
  screenId: string;
  playId: string;
}

/** One exported play with its screen and a label for its content (masked name or title). */
export interface PlayExportRow {
  started_at: string;
  duration_ms: number;
  screen_id: string;
  screen_name: string;
  district_id: string;
  kind: "announcement" | "entry" | "emergency";
  content_id: string;
  content_label: string | null;
  version: number;
  play_id: string;
  received_at: string;
}

/**
 * One page of plays in time order (then screen, then play id), after `cursor`: keyset pages,
 * so a year of a city is read a page at a time and every page costs the same.
 */
export async function playExportPage(
  db: Kysely<Database>,
  filter: PlayExportFilter,
  cursor: PlayExportCursor | null,
  limit: number,
): Promise<PlayExportRow[]> {
  let q = db
    .selectFrom("plays")
    .innerJoin("screens", "screens.id", "plays.screen_id")
    .leftJoin("entries", (j) =>
      j.onRef("entries.id", "=", "plays.content_id").on("plays.kind", "=", "entry"),
    )
    .leftJoin("announcements", (j) =>
      j.onRef("announcements.id", "=", "plays.content_id").on("plays.kind", "=", "announcement"),
    )
    .leftJoin("emergencies", (j) =>
      j.onRef("emergencies.id", "=", "plays.content_id").on("plays.kind", "=", "emergency"),
    )
    .select([
      "plays.started_at",
      "plays.duration_ms",
      "plays.screen_id",
      "screens.name as screen_name",
      "screens.district_id",
      "plays.kind",
      "plays.content_id",
      // Never a full name: entries are labelled by their masked name only.
      sql<string | null>`coalesce(entries.masked_name, announcements.title, emergencies.title)`.as(
        "content_label",
      ),
      "plays.version",
      "plays.play_id",
      "plays.received_at",
    ])
    .where("plays.started_at", ">=", filter.from);
  if (filter.to !== null) q = q.where("plays.started_at", "<", filter.to);
  if (filter.districts !== null)
    q = q.where("screens.district_id", "in", [...filter.districts, ""]);
  if (filter.screenId !== undefined) q = q.where("plays.screen_id", "=", filter.screenId);
  if (filter.contentId !== undefined) q = q.where("plays.content_id", "=", filter.contentId);
  if (cursor !== null)
    q = q
      // Said on its own too, so every database seeks its started_at index to the page's start
      // (PostgreSQL would otherwise filter the row comparison from `from` on, every page).
      .where("plays.started_at", ">=", cursor.startedAt)
      .where((eb) =>
        eb(
          eb.refTuple("plays.started_at", "plays.screen_id", "plays.play_id"),
          ">",
          eb.tuple(cursor.startedAt, cursor.screenId, cursor.playId),
        ),
      );
  const rows = await q
    .orderBy("plays.started_at")
    .orderBy("plays.screen_id")
    .orderBy("plays.play_id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...r,
    duration_ms: Number(r.duration_ms),
    version: Number(r.version),
  }));
}
