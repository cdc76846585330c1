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
    })
    .returning("version")
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

/** The newest change-log version, 0 when nothing was ever published. */
export async function currentVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom("change_log")
    .select((eb) => eb.fn.max("version").as("v"))
    .executeTakeFirst();
  return row?.v == null ? 0 : Number(row.v);
}
