import { sql, type Kysely, type Transaction } from "kysely";
import type { ChangeLogTable, Database, PlayTable, ScreenRow } from "./schema";
import { databaseKindOf } from "./transactionLocks";

type Db = Kysely<Database> | Transaction<Database>;

/** A report's period: ISO instants, `from` inclusive, `to` exclusive. */
export interface ReportPeriod {
  from: string;
  to: string;
}

/** A screen as a district report reads it. */
export type ReportScreenRow = Pick<
  ScreenRow,
  "id" | "name" | "district_id" | "state" | "paired_at" | "last_seen_at" | "connection_id"
>;

/**
 * The screens of these districts (every state), by name, at most `limit`, and how many there
 * are in all.
 */
export async function reportScreens(
  db: Db,
  districtIds: readonly string[],
  limit: number,
): Promise<{ rows: ReportScreenRow[]; total: number }> {
  if (districtIds.length === 0) return { rows: [], total: 0 };
  const rows = await db
    .selectFrom("screens")
    .select(["id", "name", "district_id", "state", "paired_at", "last_seen_at", "connection_id"])
    .where("district_id", "in", [...districtIds])
    .orderBy("name")
    .orderBy("id")
    .limit(limit)
    .execute();
  const counted = await db
    .selectFrom("screens")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("district_id", "in", [...districtIds])
    .executeTakeFirst();
  return { rows, total: Number(counted?.n ?? 0) };
}

/** One content's plays on a district's screens, summed in the database. */
export interface ContentPlaysRow {
  kind: PlayTable["kind"];
  content_id: string;
  /** Masked name (never the full name) or title; null when the content is gone. */
  label: string | null;
  plays: number;
  total_ms: number;
}

/** The whole UTC days a report's plays are summed over: "YYYY-MM-DD", `to` exclusive. */
export interface PlayDays {
  from: string;
  to: string;
}

/** The period rounded out to whole UTC days: `from` down, `to` up to the next midnight. */
export function playDaysOf(period: ReportPeriod): PlayDays {
  const from = new Date(period.from).toISOString().slice(0, 10);
  const lastMs = Date.parse(period.to) - 1;
  const to = new Date(Date.parse(`${new Date(lastMs).toISOString().slice(0, 10)}T00:00:00.000Z`));
  to.setUTCDate(to.getUTCDate() + 1);
  return { from, to: to.toISOString().slice(0, 10) };
}

/** The daily play sums of screens of these districts in the days (a subquery, not an id list). */
function districtPlayDays(db: Db, districtIds: readonly string[], days: PlayDays) {
  return db
    .selectFrom("play_days")
    .where("play_days.screen_id", "in", (eb) =>
      eb
        .selectFrom("screens")
        .select("screens.id")
        .where("screens.district_id", "in", [...districtIds, ""]),
    )
    .where("play_days.day", ">=", days.from)
    .where("play_days.day", "<", days.to);
}

/**
 * Plays per content on screens of these districts in the days, read from the daily rollup,
 * most played first (then by content id), at most `limit`; with the totals over every content.
 */
export async function contentPlayTotals(
  db: Db,
  districtIds: readonly string[],
  days: PlayDays,
  limit: number,
): Promise<{ rows: ContentPlaysRow[]; contents: number; plays: number; totalMs: number }> {
  const grouped = await districtPlayDays(db, districtIds, days)
    .leftJoin("entries", (j) =>
      j.onRef("entries.id", "=", "play_days.content_id").on("play_days.kind", "=", "entry"),
    )
    .leftJoin("announcements", (j) =>
      j
        .onRef("announcements.id", "=", "play_days.content_id")
        .on("play_days.kind", "=", "announcement"),
    )
    .leftJoin("emergencies", (j) =>
      j.onRef("emergencies.id", "=", "play_days.content_id").on("play_days.kind", "=", "emergency"),
    )
    .select([
      "play_days.kind",
      "play_days.content_id",
      // Never a full name: entries are labelled by their masked name only.
      sql<
        string | null
      >`max(coalesce(entries.masked_name, announcements.title, emergencies.title))`.as("label"),
      sql<number | string>`sum(play_days.plays)`.as("plays"),
      sql<number | string>`sum(play_days.total_ms)`.as("total_ms"),
    ])
    .groupBy(["play_days.kind", "play_days.content_id"])
    .orderBy("plays", "desc")
    .orderBy("play_days.content_id")
    .limit(limit)
    .execute();
  const totals = await districtPlayDays(db, districtIds, days)
    .select([
      sql<number | string | null>`sum(play_days.plays)`.as("plays"),
      sql<number | string | null>`sum(play_days.total_ms)`.as("total_ms"),
      sql<number | string>`count(distinct play_days.kind || ':' || play_days.content_id)`.as(
        "contents",
      ),
    ])
    .executeTakeFirst();
  return {
    rows: grouped.map((r) => ({
      kind: r.kind,
      content_id: r.content_id,
      label: r.label,
      plays: Number(r.plays),
      total_ms: Number(r.total_ms),
    })),
    contents: Number(totals?.contents ?? 0),
    plays: Number(totals?.plays ?? 0),
    totalMs: Number(totals?.total_ms ?? 0),
  };
}

/** The change-log kinds that take something off screens. */
export const REPORT_TAKEDOWN_KINDS = [
  "entry.revoked",
  "entry.expired",
  "entry.withdrawn",
  "announcement.withdrawn",
  "announcement.ended",
  "emergency.cleared",
] as const satisfies readonly ChangeLogTable["kind"][];

const ENTRY_TAKEDOWNS = ["entry.revoked", "entry.expired", "entry.withdrawn"] as const;
const ANNOUNCEMENT_TAKEDOWNS = ["announcement.withdrawn", "announcement.ended"] as const;

/** A takedown in the period, with a label for what it took down. */
export interface ReportTakedownRow {
  version: number;
  kind: (typeof REPORT_TAKEDOWN_KINDS)[number];
  entity_id: string;
  at: string;
  scope_json: string | null;
  label: string | null;
  /** An announcement's screen tags now (JSON), for takedowns recorded without a scope. */
  screen_tags_json: string | null;
}

/** SQL fragments reading a JSON array of strings in a text column, per database. */
function jsonArrayHasAny(db: Db, column: string, path: string | null, values: readonly string[]) {
  const list = sql.join(values.map((v) => sql`${v}`));
  if (databaseKindOf(db) === "postgres") {
    const arr =
      path === null
        ? sql`(${sql.ref(column)})::jsonb`
        : sql`((${sql.ref(column)})::jsonb -> ${path})`;
    return sql<boolean>`exists (select 1 from jsonb_array_elements_text(${arr}) as j(value) where j.value in (${list}))`;
  }
  const each =
    path === null
      ? sql`json_each(${sql.ref(column)})`
      : sql`json_each(${sql.ref(column)}, ${`$.${path}`})`;
  return sql<boolean>`exists (select 1 from ${each} as j where j.value in (${list}))`;
}

/** Whether the change's scope lists no districts (null: the scope has no district list). */
function scopeDistrictCount(db: Db) {
  return databaseKindOf(db) === "postgres"
    ? sql<number | null>`jsonb_array_length((change_log.scope_json)::jsonb -> 'districtIds')`
    : sql<number | null>`json_array_length(change_log.scope_json, '$.districtIds')`;
}

/**
 * Takedowns issued in the period that may have reached `districts` (a report's subtree and the
 * report district's ancestors), oldest first, at most `limit`: of entries that had been
 * published (a draft's withdrawal reached no screen), of announcements, of emergencies. The
 * reach is filtered here, before the limit, so a busy district hides no other's takedowns:
 * by the districts recorded with the change, else (no scope) where the content is now.
 */
export async function takedownsInPeriod(
  db: Db,
  period: ReportPeriod,
  districts: readonly string[],
  limit: number,
): Promise<ReportTakedownRow[]> {
  if (districts.length === 0) return [];
  const ids = [...districts];
  const rows = await db
    .selectFrom("change_log")
    .leftJoin("entries", (j) =>
      j
        .onRef("entries.id", "=", "change_log.entity_id")
        .on("change_log.kind", "in", [...ENTRY_TAKEDOWNS]),
    )
    .leftJoin("announcements", (j) =>
      j
        .onRef("announcements.id", "=", "change_log.entity_id")
        .on("change_log.kind", "in", [...ANNOUNCEMENT_TAKEDOWNS]),
    )
    .leftJoin("emergencies", (j) =>
      j
        .onRef("emergencies.id", "=", "change_log.entity_id")
        .on("change_log.kind", "=", "emergency.cleared"),
    )
    .select([
      "change_log.version",
      "change_log.kind",
      "change_log.entity_id",
      "change_log.at",
      "change_log.scope_json",
      sql<string | null>`coalesce(entries.masked_name, announcements.title, emergencies.title)`.as(
        "label",
      ),
      "announcements.screen_tags_json",
    ])
    .where("change_log.kind", "in", [...REPORT_TAKEDOWN_KINDS])
    .where("change_log.at", ">=", period.from)
    .where("change_log.at", "<", period.to)
    .where((eb) =>
      eb.or([
        eb("change_log.kind", "not in", [...ENTRY_TAKEDOWNS]),
        eb.exists(
          eb
            .selectFrom("change_log as published")
            .select("published.version")
            .whereRef("published.entity_id", "=", "change_log.entity_id")
            .where("published.kind", "=", "entry.published")
            .whereRef("published.version", "<", "change_log.version"),
        ),
      ]),
    )
    .where((eb) => {
      const listed = scopeDistrictCount(db);
      return eb.or([
        // Sent to districts of this report (or an ancestor's, which covers it).
        jsonArrayHasAny(db, "change_log.scope_json", "districtIds", ids),
        // A city-wide announcement reached every district.
        eb.and([eb("change_log.kind", "in", [...ANNOUNCEMENT_TAKEDOWNS]), eb(listed, "=", 0)]),
        // Recorded without a scope: where the content is now.
        eb.and([
          eb.or([eb("change_log.scope_json", "is", null), eb(listed, "is", null)]),
          eb.or([
            eb.and([
              eb("change_log.kind", "in", [...ENTRY_TAKEDOWNS]),
              eb.exists(
                eb
                  .selectFrom("entry_districts")
                  .select("entry_districts.entry_id")
                  .whereRef("entry_districts.entry_id", "=", "change_log.entity_id")
                  .where("entry_districts.district_id", "in", ids),
              ),
            ]),
            eb.and([
              eb("change_log.kind", "in", [...ANNOUNCEMENT_TAKEDOWNS]),
              eb.or([
                eb.not(
                  eb.exists(
                    eb
                      .selectFrom("announcement_districts")
                      .select("announcement_districts.announcement_id")
                      .whereRef(
                        "announcement_districts.announcement_id",
                        "=",
                        "change_log.entity_id",
                      ),
                  ),
                ),
                eb.exists(
                  eb
                    .selectFrom("announcement_districts")
                    .select("announcement_districts.announcement_id")
                    .whereRef("announcement_districts.announcement_id", "=", "change_log.entity_id")
                    .where("announcement_districts.district_id", "in", ids),
                ),
              ]),
            ]),
          ]),
        ]),
      ]);
    })
    .orderBy("change_log.version")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...r,
    version: Number(r.version),
    kind: r.kind as ReportTakedownRow["kind"],
    screen_tags_json: r.screen_tags_json ?? null,
  }));
}

/**
 * The time each of these takedowns took to reach all its screens, as the audit log's
 * "takedown.acknowledged" records say (written from `since` on), by change-log version; the
 * shortest when a version was recorded twice. Only these versions' records are read.
 */
export async function takedownCompletionTimes(
  db: Db,
  versions: readonly number[],
  since: string,
  until: string,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (versions.length === 0) return out;
  const version =
    databaseKindOf(db) === "postgres"
      ? sql<string>`((audit_log.details_json)::jsonb ->> 'version')`
      : sql<string>`cast(json_extract(audit_log.details_json, '$.version') as text)`;
  const rows = await db
    .selectFrom("audit_log")
    .select("details_json")
    .where("action", "=", "takedown.acknowledged")
    .where("at", ">=", since)
    .where("at", "<", until)
    .where(
      version,
      "in",
      versions.map((v) => String(v)),
    )
    .orderBy("at")
    .limit(versions.length * 4)
    .execute();
  for (const r of rows) {
    let details: { version?: unknown; msToAllScreens?: unknown };
    try {
      details = JSON.parse(r.details_json) as typeof details;
    } catch {
      continue;
    }
    const { version: v, msToAllScreens: ms } = details;
    if (typeof v !== "number" || typeof ms !== "number" || ms < 0) continue;
    const before = out.get(v);
    out.set(v, before === undefined ? ms : Math.min(before, ms));
  }
  return out;
}

/**
 * How many active screens of `districts` a takedown at `version` was for, and how many of
 * them acknowledged it (applied it, and not owing a full manifest since a move), counted in
 * one query. With `tags`, only screens carrying one of them (or owing a full manifest, which
 * may hold it still) count: an announcement's.
 */
export async function takedownAcknowledgementCounts(
  db: Db,
  districts: readonly string[],
  version: number,
  tags: readonly string[] | null,
): Promise<{ screens: number; acknowledged: number }> {
  if (districts.length === 0) return { screens: 0, acknowledged: 0 };
  const owesFullSync = sql<boolean>`(screens.stale_districts_json is not null and screens.stale_cleared_version is null)`;
  const row = await db
    .selectFrom("screens")
    .select([
      sql<number | string>`count(*)`.as("screens"),
      sql<
        number | string
      >`count(case when screens.applied_version >= ${version} and not ${owesFullSync} then 1 end)`.as(
        "acknowledged",
      ),
    ])
    .where("screens.state", "=", "active")
    .where("screens.district_id", "in", [...districts])
    .$if(tags !== null && tags.length > 0, (q) =>
      q.where((eb) =>
        eb.or([owesFullSync, jsonArrayHasAny(db, "screens.tags_json", null, tags ?? [])]),
      ),
    )
    .executeTakeFirst();
  return { screens: Number(row?.screens ?? 0), acknowledged: Number(row?.acknowledged ?? 0) };
}
