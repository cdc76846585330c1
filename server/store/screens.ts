import { sql, type Kysely, type RawBuilder, type Transaction, type Updateable } from "kysely";
import type { Database, ScreenRow, ScreenTable } from "./schema";
import { valuesColumn, valuesTable } from "./valuesTable";

type Db = Kysely<Database> | Transaction<Database>;

/** All screens, by district then name; with `tag`, only those carrying it. */
export async function listScreens(
  db: Db,
  filter: { tag?: string | undefined } = {},
): Promise<ScreenRow[]> {
  let q = db.selectFrom("screens").selectAll();
  // Tags are slugs ([a-z0-9-], see ScreenTagSchema), so the quoted tag cannot contain a LIKE
  // wildcard and matches exactly one element of the JSON array.
  if (filter.tag !== undefined) q = q.where("tags_json", "like", `%${JSON.stringify(filter.tag)}%`);
  return q.orderBy("district_id").orderBy("name").execute();
}

/** A screen's tags, as stored (a sorted JSON array); anything unreadable counts as none. */
export function screenTagsOf(row: Pick<ScreenRow, "tags_json">): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.tags_json);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === "string") : [];
}

/** Stores a screen's tags; `tags` is already normalised (ScreenTagsSchema: unique, sorted). */
export async function setScreenTags(db: Db, id: string, tags: readonly string[]): Promise<void> {
  await db
    .updateTable("screens")
    .set({ tags_json: JSON.stringify(tags) })
    .where("id", "=", id)
    .execute();
}

/** One screen. */
export async function getScreen(db: Db, id: string): Promise<ScreenRow | undefined> {
  return db.selectFrom("screens").selectAll().where("id", "=", id).executeTakeFirst();
}

/** These screens (ids distinct), those that exist. */
export async function getScreens(db: Db, ids: readonly string[]): Promise<ScreenRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom("screens")
    .selectAll()
    .where("id", "in", [...ids])
    .execute();
}

/** The active screens holding these tokens (looked up by the tokens' hashes). */
export async function screensByTokenHashes(
  db: Db,
  tokenHashes: readonly string[],
): Promise<ScreenRow[]> {
  if (tokenHashes.length === 0) return [];
  return db
    .selectFrom("screens")
    .selectAll()
    .where("token_hash", "in", [...tokenHashes])
    .where("state", "=", "active")
    .execute();
}

/** Changes some columns of a screen. */
export async function updateScreen(
  db: Db,
  id: string,
  set: Updateable<ScreenTable>,
): Promise<void> {
  await db.updateTable("screens").set(set).where("id", "=", id).execute();
}

/**
 * PostgreSQL: locks these screens' rows for update, in id order, 500 at a time, or fails at once
 * (SQLSTATE 55P03) when another transaction holds one of them. Call inside a transaction.
 */
export async function lockScreenRowsNoWait(db: Db, ids: readonly string[]): Promise<void> {
  await lockInIdOrder(db, ids, true);
}

/** PostgreSQL: locks these screens' rows for update, in id order, 500 at a time, waiting. */
export async function lockScreenRows(db: Db, ids: readonly string[]): Promise<void> {
  await lockInIdOrder(db, ids, false);
}

async function lockInIdOrder(db: Db, ids: readonly string[], noWait: boolean): Promise<void> {
  const sorted = [...ids].sort();
  for (let i = 0; i < sorted.length; i += 500) {
    const lock = db
      .selectFrom("screens")
      .select("id")
      .where("id", "in", sorted.slice(i, i + 500))
      .orderBy("id")
      .forNoKeyUpdate();
    await (noWait ? lock.noWait() : lock).execute();
  }
}

/** The districts a screen was in before its district set last changed (none: never changed). */
export function staleDistrictsOf(row: Pick<ScreenRow, "stale_districts_json">): string[] {
  if (row.stale_districts_json === null) return [];
  const parsed: unknown = JSON.parse(row.stale_districts_json);
  return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === "string") : [];
}

/**
 * Whether a screen's district set changed since its last full manifest: its next sync must be
 * full, and the version it applied says nothing about where it is now.
 */
export function needsFullSync(
  row: Pick<ScreenRow, "stale_districts_json" | "stale_cleared_version">,
): boolean {
  return row.stale_districts_json !== null && row.stale_cleared_version === null;
}

/**
 * Records that a screen's district set changed (moved to `districtId`, or an ancestor was
 * re-parented), or that what it may receive there did (its tags changed; `heldChain` is then
 * its own chain): what it held for `heldChain` may still be on it, so its next sync is a full
 * manifest and acknowledgements made for the old set no longer count.
 */
export async function districtSetChanged(
  db: Db,
  row: Pick<ScreenRow, "id" | "stale_districts_json" | "stale_cleared_version">,
  heldChain: readonly string[],
  districtId?: string,
): Promise<void> {
  // Moved again before it synced: it may still hold what it had in every earlier place.
  const before = needsFullSync(row) ? staleDistrictsOf(row) : [];
  const stale = [...new Set([...before, ...heldChain])].sort();
  await db
    .updateTable("screens")
    .set((eb) => ({
      ...(districtId !== undefined ? { district_id: districtId } : {}),
      district_epoch: eb("district_epoch", "+", 1),
      stale_districts_json: JSON.stringify(stale),
      stale_cleared_version: null,
    }))
    .where("id", "=", row.id)
    .execute();
}

/** The active screens of these districts. */
export async function activeScreensIn(db: Db, districtIds: readonly string[]) {
  if (districtIds.length === 0) return [];
  return (
    db
      .selectFrom("screens")
      .select(["id", "district_id", "stale_districts_json", "stale_cleared_version"])
      .where("state", "=", "active")
      .where("district_id", "in", [...districtIds])
      // In id order, the order every batch of screen writes locks rows in (ScreenPresence,
      // recordAppliedVersions): a caller updating them one by one never waits in a cycle.
      .orderBy("id")
      .execute()
  );
}

/** Stores a newly paired screen. */
export async function insertScreen(db: Db, row: ScreenRow): Promise<void> {
  await db.insertInto("screens").values(row).execute();
}

/** A screen's socket opening or closing at `at`. */
export interface ScreenConnectionEvent {
  screenId: string;
  connectionId: string;
  at: string;
}

/** Notes these screens' sockets opening: each seen at its `at`, holding that connection now. */
export async function markScreensConnected(
  db: Db,
  events: readonly ScreenConnectionEvent[],
): Promise<void> {
  await updateEachScreen(
    db,
    events.map((e) => [e.screenId, e.at, e.connectionId]),
    sql`last_seen_at = ${valuesColumn(2)}, connection_id = ${valuesColumn(3)}`,
  );
}

/**
 * Notes these screens' sockets closing, each at its `at`; a screen's connection id is cleared
 * only if it is still that socket's (a newer connection of the same screen may have taken over).
 */
export async function markScreensDisconnected(
  db: Db,
  events: readonly ScreenConnectionEvent[],
): Promise<void> {
  await updateEachScreen(
    db,
    events.map((e) => [e.screenId, e.at, e.connectionId]),
    sql`last_seen_at = ${valuesColumn(2)},
      connection_id = case when s.connection_id = ${valuesColumn(3)} then null else s.connection_id end`,
  );
}

/**
 * `update screens as s set <assignments>` for many screens in one statement, each row of
 * `rows` (its screen id first, ids distinct) joined as `v` for the assignments to read.
 */
async function updateEachScreen(
  db: Db,
  rows: readonly (readonly unknown[])[],
  assignments: RawBuilder<unknown>,
): Promise<void> {
  if (rows.length === 0) return;
  await sql`update screens as s set ${assignments}
    from ${valuesTable(rows)} as v
    where s.id = ${valuesColumn(1)}`.execute(db);
}

/** What a kiosk's status report changes in its screen's row. */
export interface ScreenStatusColumns {
  last_seen_at?: string;
  width?: number | null;
  height?: number | null;
  app_version?: string | null;
  current_slide?: string | null;
  uptime_seconds?: number | null;
  memory_mb?: number | null;
  clock_skew_ms?: number | null;
  storage_used_mb?: number | null;
  storage_quota_mb?: number | null;
}

// The SQL type of each numeric column a status report writes (PostgreSQL reads values as text).
const STATUS_NUMBER_TYPES: Partial<Record<keyof ScreenStatusColumns, "integer" | "real">> = {
  width: "integer",
  height: "integer",
  uptime_seconds: "integer",
  memory_mb: "integer",
  clock_skew_ms: "integer",
  storage_used_mb: "real",
  storage_quota_mb: "real",
};

/**
 * Writes these screens' status columns, each screen its own values (ids distinct): one
 * statement per set of columns written (a report from an older kiosk may carry fewer).
 */
export async function updateScreenStatuses(
  db: Db,
  rows: readonly { id: string; set: ScreenStatusColumns }[],
): Promise<void> {
  const bySet = new Map<string, { columns: (keyof ScreenStatusColumns)[]; rows: unknown[][] }>();
  for (const { id, set } of rows) {
    const columns = (Object.keys(set) as (keyof ScreenStatusColumns)[]).sort();
    const key = columns.join(",");
    const group = bySet.get(key) ?? { columns, rows: [] };
    group.rows.push([id, ...columns.map((c) => set[c] ?? null)]);
    bySet.set(key, group);
  }
  for (const { columns, rows: values } of bySet.values()) {
    if (columns.length === 0) continue;
    const assignments = columns.map((column, i) => {
      const type = STATUS_NUMBER_TYPES[column];
      const value = valuesColumn(i + 2);
      return sql`${sql.ref(column)} = ${type === undefined ? value : sql`cast(${value} as ${sql.raw(type)})`}`;
    });
    await updateEachScreen(db, values, sql.join(assignments));
  }
}

// What a takedown's progress needs of a screen.
const TAKEDOWN_SCREEN_COLUMNS = [
  "id",
  "name",
  "district_id",
  "last_seen_at",
  "applied_version",
  "stale_districts_json",
  "stale_cleared_version",
] as const;

/** A screen as a takedown's progress sees it. */
export type TakedownScreenRow = Pick<ScreenRow, (typeof TAKEDOWN_SCREEN_COLUMNS)[number]>;

/** The active screens of these districts, as a takedown's progress sees them. */
export async function takedownScreensIn(
  db: Db,
  districtIds: readonly string[],
): Promise<TakedownScreenRow[]> {
  return db
    .selectFrom("screens")
    .select(TAKEDOWN_SCREEN_COLUMNS)
    .where("state", "=", "active")
    .where("district_id", "in", [...districtIds])
    .execute();
}

/**
 * Active screens whose district set changed and that have not applied a full manifest where
 * they are now, or did so at `version` or later: they may still hold what they had before.
 */
export async function movedScreensStaleAt(db: Db, version: number): Promise<TakedownScreenRow[]> {
  return db
    .selectFrom("screens")
    .select(TAKEDOWN_SCREEN_COLUMNS)
    .where("state", "=", "active")
    .where("stale_districts_json", "is not", null)
    .where((eb) =>
      eb.or([eb("stale_cleared_version", "is", null), eb("stale_cleared_version", ">=", version)]),
    )
    .execute();
}
