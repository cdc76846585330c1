import type { ExpressionBuilder, Kysely, Transaction, Updateable } from "kysely";
import type { AnnouncementState } from "../../shared/schemas/announcement";
import type { AnnouncementRow, AnnouncementTable, Database, NewAnnouncementRow } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** The change-log kinds by which an announcement leaves the screens. */
export const ANNOUNCEMENT_TAKEDOWN_KINDS = [
  "announcement.removed",
  "announcement.withdrawn",
  "announcement.ended",
] as const;

/** Stores a new announcement row and the districts it targets (none: the whole city). */
export async function insertAnnouncement(
  db: Db,
  row: NewAnnouncementRow,
  districtIds: readonly string[],
): Promise<void> {
  await db.insertInto("announcements").values(row).execute();
  await setAnnouncementDistricts(db, row.id, districtIds);
}

/** Replaces the districts an announcement targets. */
export async function setAnnouncementDistricts(
  db: Db,
  id: string,
  districtIds: readonly string[],
): Promise<void> {
  await db.deleteFrom("announcement_districts").where("announcement_id", "=", id).execute();
  const unique = [...new Set(districtIds)];
  if (unique.length > 0)
    await db
      .insertInto("announcement_districts")
      .values(unique.map((district_id) => ({ announcement_id: id, district_id })))
      .execute();
}

/**
 * Changes an announcement only while it is still in one of `states` (and, if given, at
 * `revision`): a guarded write, so a concurrent change wins once. Returns whether it changed.
 */
export async function updateAnnouncement(
  db: Db,
  id: string,
  set: Updateable<AnnouncementTable>,
  guard: { states: readonly AnnouncementState[]; revision?: number },
): Promise<boolean> {
  let q = db
    .updateTable("announcements")
    .set(set)
    .where("id", "=", id)
    .where("state", "in", [...guard.states]);
  if (guard.revision !== undefined) q = q.where("revision", "=", guard.revision);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** One announcement row, or undefined. */
export async function announcementRow(db: Db, id: string): Promise<AnnouncementRow | undefined> {
  return db.selectFrom("announcements").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The districts each of these announcements targets (an absent id targets the whole city). */
export async function announcementDistricts(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom("announcement_districts")
    .select(["announcement_id", "district_id"])
    .where("announcement_id", "in", [...ids])
    .orderBy("district_id")
    .execute();
  for (const r of rows)
    out.set(r.announcement_id, [...(out.get(r.announcement_id) ?? []), r.district_id]);
  return out;
}

/**
 * Announcements for the console, newest first: of one state if given, and only those a user of
 * `within` districts may see (city-wide ones, or one targeting any of them).
 */
export async function listAnnouncementRows(
  db: Db,
  opts: { state?: AnnouncementState; limit: number; within?: ReadonlySet<string> },
): Promise<AnnouncementRow[]> {
  let q = db.selectFrom("announcements").selectAll();
  if (opts.state) q = q.where("state", "=", opts.state);
  const within = opts.within;
  if (within) q = q.where((eb) => cityWideOrIn(eb, [...within]));
  return q.orderBy("created_at", "desc").orderBy("id").limit(opts.limit).execute();
}

/** An announcement of the whole city (no district), or one targeting any of `districtIds`. */
function cityWideOrIn(
  eb: ExpressionBuilder<Database, "announcements">,
  districtIds: readonly string[],
) {
  const targets = () =>
    eb
      .selectFrom("announcement_districts as d")
      .select("d.district_id")
      .whereRef("d.announcement_id", "=", "announcements.id");
  return eb.or([
    eb.not(eb.exists(targets())),
    ...(districtIds.length > 0
      ? [eb.exists(targets().where("d.district_id", "in", [...districtIds]))]
      : []),
  ]);
}

/**
 * The published announcements a screen in `chain` (its district and every ancestor) may show:
 * city-wide ones and those targeting a district of the chain, published after `since` if given,
 * oldest version first. Screen tags are judged by the caller (`targetsScreen`).
 */
export async function publishedForChain(
  db: Db,
  chain: readonly string[],
  since?: number,
): Promise<AnnouncementRow[]> {
  let q = db
    .selectFrom("announcements")
    .selectAll()
    .where("state", "=", "published")
    .where((eb) => cityWideOrIn(eb, chain));
  if (since !== undefined) q = q.where("version", ">", since);
  return q.orderBy("version", "asc").execute();
}

/** Ids of announcements published, changed or taken down after `version` (any state now). */
export async function announcementsChangedSince(db: Db, version: number): Promise<string[]> {
  const rows = await db
    .selectFrom("announcements")
    .select("id")
    .where("version", ">", version)
    .execute();
  return rows.map((r) => r.id);
}

/** Ids taken off the screens after `version` (for the delta a reconnecting kiosk applies). */
export async function removedSince(db: Db, version: number): Promise<string[]> {
  const rows = await db
    .selectFrom("change_log")
    .select("entity_id")
    .where("kind", "in", [...ANNOUNCEMENT_TAKEDOWN_KINDS])
    .where("version", ">", version)
    .execute();
  return [...new Set(rows.map((r) => r.entity_id))];
}

/** Published announcements whose end has come at `now`. */
export async function announcementsEndingBy(db: Db, now: string): Promise<AnnouncementRow[]> {
  return db
    .selectFrom("announcements")
    .selectAll()
    .where("state", "=", "published")
    .where("ends_at", "is not", null)
    .where("ends_at", "<=", now)
    .execute();
}

/** Of these announcement ids, those ever published (so screens were sent them). */
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

/** The titles of these announcements (and the screen tags they target). */
export async function announcementTitles(
  db: Db,
  ids: readonly string[],
): Promise<{ id: string; title: string; screen_tags_json: string }[]> {
  return db
    .selectFrom("announcements")
    .select(["id", "title", "screen_tags_json"])
    .where("id", "in", [...ids])
    .execute();
}

/** Drops a poster's upload (the redacted rendition stays while the row does). */
export async function erasePosterUpload(db: Db, id: string): Promise<void> {
  await db
    .updateTable("announcement_posters")
    .set({ raw_sealed: null })
    .where("announcement_id", "=", id)
    .execute();
}

/** Announcement takedowns of published announcements, newest first (of one, if given). */
export async function recentAnnouncementTakedowns(
  db: Db,
  limit: number,
  opts: { announcementId?: string; since?: string } = {},
): Promise<
  { version: number; kind: string; entity_id: string; at: string; scope_json: string | null }[]
> {
  let q = db
    .selectFrom("change_log")
    .select([
      "change_log.version",
      "change_log.kind",
      "change_log.entity_id",
      "change_log.at",
      "change_log.scope_json",
    ])
    .where("change_log.kind", "in", ["announcement.withdrawn", "announcement.ended"]);
  if (opts.announcementId) q = q.where("change_log.entity_id", "=", opts.announcementId);
  if (opts.since) q = q.where("change_log.at", ">=", opts.since);
  return q.orderBy("change_log.version", "desc").limit(limit).execute();
}
