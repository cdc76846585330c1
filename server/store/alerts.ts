import type { Kysely, Selectable, Transaction } from "kysely";
import type { AlertDeliveryTable, AlertTable, Database } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** An alert row as read. */
export type AlertRow = Selectable<AlertTable> & { screen_name: string | null };
/** A webhook delivery row as read. */
export type AlertDeliveryRow = Selectable<AlertDeliveryTable>;

/** What the alert monitor reads of every active screen. */
export async function screensToWatch(db: Db) {
  return db
    .selectFrom("screens")
    .select([
      "id",
      "name",
      "district_id",
      "connection_id",
      "last_seen_at",
      "paired_at",
      "clock_skew_ms",
      "app_version",
      "applied_version",
      "storage_used_mb",
      "storage_quota_mb",
    ])
    .where("state", "=", "active")
    .execute();
}

/** The districts' own offline limits (null: inherited), with their parents, for the walk up. */
export async function districtOfflineLimits(db: Db) {
  return db.selectFrom("districts").select(["id", "parent_id", "alert_offline_minutes"]).execute();
}

/** Every open alert. */
export async function openAlerts(db: Db): Promise<Selectable<AlertTable>[]> {
  return db.selectFrom("alerts").selectAll().where("resolved_at", "is", null).execute();
}

/** Raises an alert unless the same cause is open already; true when this call raised it. */
export async function insertAlert(db: Db, row: Selectable<AlertTable>): Promise<boolean> {
  const r = await db
    .insertInto("alerts")
    .values(row)
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Moves an open alert to its screen's new district. */
export async function moveAlert(db: Db, id: string, districtId: string): Promise<void> {
  await db.updateTable("alerts").set({ district_id: districtId }).where("id", "=", id).execute();
}

/** Resolves an open alert; true when this call resolved it (another process may have). */
export async function resolveAlert(db: Db, id: string, at: string): Promise<boolean> {
  const r = await db
    .updateTable("alerts")
    .set({ resolved_at: at })
    .where("id", "=", id)
    .where("resolved_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Open alerts and the latest resolved ones, newest first, of some districts (or all). */
export async function listAlerts(
  db: Db,
  opts: { districts: readonly string[] | "all"; openOnly: boolean; limit: number },
): Promise<AlertRow[]> {
  if (opts.districts !== "all" && opts.districts.length === 0) return [];
  let q = db
    .selectFrom("alerts")
    .leftJoin("screens", "screens.id", "alerts.screen_id")
    .selectAll("alerts")
    .select("screens.name as screen_name");
  if (opts.districts !== "all") q = q.where("alerts.district_id", "in", [...opts.districts]);
  if (opts.openOnly) q = q.where("alerts.resolved_at", "is", null);
  return q
    .orderBy(({ eb }) => eb.case().when("alerts.resolved_at", "is", null).then(0).else(1).end())
    .orderBy("alerts.raised_at", "desc")
    .limit(opts.limit)
    .execute();
}

/** How many open alerts of these districts were raised after `since` (null: ever). */
export async function countUnread(
  db: Db,
  districts: readonly string[] | "all",
  since: string | null,
): Promise<number> {
  if (districts !== "all" && districts.length === 0) return 0;
  let q = db
    .selectFrom("alerts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("resolved_at", "is", null);
  if (districts !== "all") q = q.where("district_id", "in", [...districts]);
  if (since !== null) q = q.where("raised_at", ">", since);
  const row = await q.executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** When the user last opened the alert list. */
export async function alertsSeenAt(db: Db, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom("alert_seen")
    .select("seen_at")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row?.seen_at ?? null;
}

/** Records that the user opened the alert list now. */
export async function markAlertsSeen(db: Db, userId: string, at: string): Promise<void> {
  await db
    .insertInto("alert_seen")
    .values({ user_id: userId, seen_at: at })
    .onConflict((oc) => oc.column("user_id").doUpdateSet({ seen_at: at }))
    .execute();
}

/** Queues one webhook delivery, due at once. */
export async function insertDelivery(
  db: Db,
  row: Omit<Selectable<AlertDeliveryTable>, "attempts" | "gave_up">,
): Promise<void> {
  await db.insertInto("alert_deliveries").values(row).execute();
}

/** Deliveries due now (oldest first), at most `limit`. */
export async function dueDeliveries(
  db: Db,
  now: string,
  limit: number,
): Promise<AlertDeliveryRow[]> {
  return db
    .selectFrom("alert_deliveries")
    .selectAll()
    .where("next_attempt_at", "is not", null)
    .where("next_attempt_at", "<=", now)
    .orderBy("next_attempt_at")
    .limit(limit)
    .execute();
}

/**
 * Takes a due delivery for one attempt: moves its next attempt to `leaseUntil` if it is still
 * `due`, so another process does not send it at the same time. True when this call took it.
 */
export async function claimDelivery(
  db: Db,
  id: string,
  due: string,
  leaseUntil: string,
): Promise<boolean> {
  const r = await db
    .updateTable("alert_deliveries")
    .set({ next_attempt_at: leaseUntil })
    .where("id", "=", id)
    .where("next_attempt_at", "=", due)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Records one attempt's outcome. */
export async function recordAttempt(
  db: Db,
  id: string,
  outcome:
    | { delivered: true; at: string }
    | { delivered: false; error: string; nextAttemptAt: string | null },
): Promise<void> {
  await db
    .updateTable("alert_deliveries")
    .set((eb) => ({
      attempts: eb("attempts", "+", 1),
      ...(outcome.delivered
        ? { delivered_at: outcome.at, next_attempt_at: null, last_error: null }
        : {
            last_error: outcome.error,
            next_attempt_at: outcome.nextAttemptAt,
            gave_up: outcome.nextAttemptAt === null ? 1 : 0,
          }),
    }))
    .where("id", "=", id)
    .execute();
}

/** The latest deliveries, newest first. */
export async function recentDeliveries(db: Db, limit: number): Promise<AlertDeliveryRow[]> {
  return db
    .selectFrom("alert_deliveries")
    .selectAll()
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(limit)
    .execute();
}

/** Deliveries whose last attempt failed (waiting for a retry, or given up). */
export async function failingDeliveries(db: Db): Promise<number> {
  const row = await db
    .selectFrom("alert_deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("delivered_at", "is", null)
    .where("last_error", "is not", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Deletes the alerts resolved before `before` and their deliveries; returns how many alerts. */
export async function deleteAlertsResolvedBefore(db: Db, before: string): Promise<number> {
  const old = db
    .selectFrom("alerts")
    .select("id")
    .where("resolved_at", "is not", null)
    .where("resolved_at", "<", before);
  await db.deleteFrom("alert_deliveries").where("alert_id", "in", old).execute();
  const r = await db
    .deleteFrom("alerts")
    .where("resolved_at", "is not", null)
    .where("resolved_at", "<", before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
