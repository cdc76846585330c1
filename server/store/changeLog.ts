import type { Kysely, Transaction } from "kysely";
import type { ChangeLogTable, Database } from "./schema";
import { databaseKindOf, takeLock } from "./transactionLocks";

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The screens a change was sent to, as it was when it was made: the districts (their
 * sub-districts too; none for a city-wide announcement) and an announcement's screen tags.
 * A takedown's progress counts these screens, even after the content moved elsewhere.
 */
export interface ChangeScope {
  districtIds: readonly string[];
  screenTags?: readonly string[];
}

/** Reads a stored scope; null or malformed reads as undefined (count by the content now). */
export function parseScope(json: string | null | undefined): ChangeScope | undefined {
  if (!json) return undefined;
  try {
    const v = JSON.parse(json) as { districtIds?: unknown; screenTags?: unknown };
    const strings = (x: unknown): string[] | undefined =>
      Array.isArray(x) && x.every((s) => typeof s === "string") ? x : undefined;
    const districtIds = strings(v.districtIds);
    if (!districtIds) return undefined;
    const screenTags = strings(v.screenTags);
    return { districtIds, ...(screenTags ? { screenTags } : {}) };
  } catch {
    return undefined;
  }
}

/** What the change log records: every change a screen must apply, in version order. */
export type ChangeKind = ChangeLogTable["kind"];

/**
 * Appends one event to the change log inside `trx` and returns its version. Only the change
 * feed (services/ChangeFeed.ts) calls this, so every append is pushed to screens after commit.
 */
export async function appendChange(
  trx: Transaction<Database>,
  kind: ChangeKind,
  entityId: string,
  at: string,
  /** Where the change went (its districts; an announcement's screen tags), kept with it. */
  scope?: ChangeScope,
): Promise<number> {
  // PostgreSQL hands out serial numbers before commit, so two writers could commit versions
  // out of order and a kiosk syncing in between would skip the earlier one for good. Appends
  // are serialised until the transaction ends (SQLite serialises writers already).
  await takeLock(trx, "changeLog", databaseKindOf(trx));
  const row = await trx
    .insertInto("change_log")
    .values({
      kind,
      entity_id: entityId,
      at,
      ...(scope ? { scope_json: JSON.stringify(scope) } : {}),
      // A takedown is pushed yet (TakedownRepush sends it again if its push is lost).
      pushed_at: REPUSHED_KINDS.has(kind) ? null : at,
    })
    .returning("version")
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

/**
 * Whether `version` is one this database issued. Every version a kiosk applies is one (a sync
 * answers with the newest); one it never issued comes from another timeline, such as the hours
 * between a backup and its restore (restoreBackup skips those numbers).
 */
export async function versionIssued(db: Db, version: number): Promise<boolean> {
  const row = await db
    .selectFrom("change_log")
    .select("version")
    .where("version", "=", version)
    .executeTakeFirst();
  return row !== undefined;
}

/** The newest change-log version, 0 when nothing was ever published. */
export async function currentVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom("change_log")
    .select((eb) => eb.fn.max("version").as("v"))
    .executeTakeFirst();
  return row?.v == null ? 0 : Number(row.v);
}

/** The takedowns whose push is recorded, and sent again when it was lost (TakedownRepush). */
export const REPUSHED_KINDS: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  "entry.withdrawn",
  "entry.revoked",
  "entry.expired",
  "announcement.withdrawn",
  "announcement.ended",
  "announcement.removed",
  "emergency.cleared",
]);

/** A takedown whose push is not recorded. */
export interface UnpushedTakedown {
  version: number;
  kind: ChangeKind;
  entity_id: string;
  scope_json: string | null;
}

/** Takedowns appended before `before` whose push is not recorded, oldest first. */
export async function unpushedTakedowns(
  db: Db,
  before: string,
  limit: number,
): Promise<UnpushedTakedown[]> {
  const rows = await db
    .selectFrom("change_log")
    .select(["version", "kind", "entity_id", "scope_json"])
    .where("pushed_at", "is", null)
    // Only takedowns are sent again (a row another release wrote without the column is null
    // whatever it is: a publication sent as a takedown would take live content down).
    .where("kind", "in", [...REPUSHED_KINDS])
    .where("at", "<", before)
    .orderBy("version")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, version: Number(r.version) }));
}

/** Takes back a claim whose push did not go out, so the next round tries again. */
export async function releasePush(db: Db, version: number, claimedAt: string): Promise<void> {
  await db
    .updateTable("change_log")
    .set({ pushed_at: null })
    .where("version", "=", version)
    .where("pushed_at", "=", claimedAt)
    .execute();
}

/**
 * Records the push of the change at `version`: true for the one process that recorded it first
 * (a process sending a lost push again claims it so; the process that pushed it marks it so).
 */
export async function claimPush(db: Db, version: number, at: string): Promise<boolean> {
  const done = await db
    .updateTable("change_log")
    .set({ pushed_at: at })
    .where("version", "=", version)
    .where("pushed_at", "is", null)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}
