import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import { randomUUID } from "node:crypto";
import type { Database, ScreenConnectionTable, ScreenStatusReportTable } from "./schema";
import { databaseKindOf } from "./transactionLocks";

type Db = Kysely<Database> | Transaction<Database>;

/** A connection row as read. */
export type ScreenConnectionRow = Selectable<ScreenConnectionTable>;
/** A stored status report as read. */
export type ScreenStatusReportRow = Selectable<ScreenStatusReportTable>;

/** One stretch of time a screen was connected, cut to the period asked for. */
export interface ConnectedSpan {
  screenId: string;
  /** ISO instants; `to` is the disconnect, the last report of a connection that went silent, or now. */
  from: string;
  to: string;
  /** The connection is still open (its screen reported within the online window). */
  open: boolean;
}

/**
 * Notes a screen's socket connecting at `at`, once: opening the same connection again (a
 * presence batch retried write by write after a COMMIT that went through) changes nothing.
 */
export async function openConnection(
  db: Db,
  screenId: string,
  connectionId: string,
  at: string,
): Promise<void> {
  await db
    .insertInto("screen_connections")
    .values({
      id: randomUUID(),
      screen_id: screenId,
      connection_id: connectionId,
      connected_at: at,
      last_seen_at: at,
      disconnected_at: null,
    })
    .onConflict((oc) => oc.column("connection_id").doNothing())
    .execute();
}

/** Moves an open connection's last sign of life (a status report) to `at`. */
export async function touchConnection(db: Db, connectionId: string, at: string): Promise<void> {
  await db
    .updateTable("screen_connections")
    .set({ last_seen_at: at })
    .where("connection_id", "=", connectionId)
    .where("disconnected_at", "is", null)
    .execute();
}

/** Notes a screen's socket closing at `at`. */
export async function closeConnection(db: Db, connectionId: string, at: string): Promise<void> {
  await db
    .updateTable("screen_connections")
    .set({ disconnected_at: at, last_seen_at: at })
    .where("connection_id", "=", connectionId)
    .where("disconnected_at", "is", null)
    .execute();
}

/**
 * The spans these screens were connected between `from` and `to` (ISO), oldest first, each cut
 * to the period. A connection never closed (its process was killed) ended at its last report
 * once that is more than `onlineWithinMs` before `now`; otherwise it runs to `now`.
 */
export async function connectedSpans(
  db: Db,
  screenIds: readonly string[],
  period: { from: string; to: string },
  now: Date,
  onlineWithinMs: number,
): Promise<ConnectedSpan[]> {
  if (screenIds.length === 0) return [];
  const rows = await db
    .selectFrom("screen_connections")
    .selectAll()
    .where("screen_id", "in", [...screenIds])
    .where("connected_at", "<", period.to)
    .where((eb) =>
      eb.or([eb("disconnected_at", "is", null), eb("disconnected_at", ">", period.from)]),
    )
    .orderBy("connected_at")
    .execute();
  const fromMs = Date.parse(period.from);
  const toMs = Math.min(Date.parse(period.to), now.getTime());
  const spans: ConnectedSpan[] = [];
  for (const row of rows) {
    const silent = now.getTime() - Date.parse(row.last_seen_at) > onlineWithinMs;
    const open = row.disconnected_at === null && !silent;
    const endMs =
      row.disconnected_at !== null
        ? Date.parse(row.disconnected_at)
        : silent
          ? Date.parse(row.last_seen_at)
          : now.getTime();
    const start = Math.max(Date.parse(row.connected_at), fromMs);
    const end = Math.min(endMs, toMs);
    if (end <= start) continue;
    spans.push({
      screenId: row.screen_id,
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      open,
    });
  }
  return spans;
}

/** Milliseconds each screen was connected in the period (overlapping connections counted once). */
export function connectedMs(spans: readonly ConnectedSpan[]): Map<string, number> {
  const byScreen = new Map<string, ConnectedSpan[]>();
  for (const s of spans) byScreen.set(s.screenId, [...(byScreen.get(s.screenId) ?? []), s]);
  const out = new Map<string, number>();
  for (const [screenId, list] of byScreen) {
    const sorted = [...list].sort((a, b) => a.from.localeCompare(b.from));
    let total = 0;
    let reach = -Infinity;
    for (const s of sorted) {
      const start = Math.max(Date.parse(s.from), reach);
      const end = Date.parse(s.to);
      if (end > start) total += end - start;
      reach = Math.max(reach, end);
    }
    out.set(screenId, total);
  }
  return out;
}

/** Deletes connections that ended before `before` (ISO); returns how many. */
export async function deleteConnectionsEndedBefore(db: Db, before: string): Promise<number> {
  const result = await db
    .deleteFrom("screen_connections")
    .where((eb) =>
      eb.or([
        eb("disconnected_at", "<", before),
        eb.and([eb("disconnected_at", "is", null), eb("last_seen_at", "<", before)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Stores a status report that came over `connectionId` at `at` and moves that connection's last
 * sign of life, keeping at most `keep` reports per screen: once the screen has that many, the
 * new report takes the place of its oldest (one upsert, no delete; a report arrives every 30 s
 * from every screen). On PostgreSQL the touch and the report are one statement (one round
 * trip); SQLite is in-process, so its two statements cost none.
 */
export async function recordStatusReport(
  db: Db,
  report: { screenId: string; connectionId: string; at: string; reportJson: string; keep: number },
): Promise<void> {
  const { screenId, connectionId, at, reportJson, keep } = report;
  // The id of the screen's oldest report when it has `keep` already, else a new id.
  const slot = sql<string>`coalesce((
      select r.id from screen_status_reports r
      where r.screen_id = ${screenId}
        and exists (
          select 1 from screen_status_reports f where f.screen_id = ${screenId}
          order by f.at desc limit 1 offset ${Math.max(0, keep - 1)}
        )
      order by r.at, r.id limit 1
    ), ${randomUUID()})`;
  const upsert = sql`insert into screen_status_reports (id, screen_id, at, report_json)
    values (${slot}, ${screenId}, ${at}, ${reportJson})
    on conflict (id) do update set at = excluded.at, report_json = excluded.report_json`;
  if (databaseKindOf(db) === "postgres") {
    await sql`with touched as (
        update screen_connections set last_seen_at = ${at}
        where connection_id = ${connectionId} and disconnected_at is null
        returning id
      ) ${upsert}`.execute(db);
    return;
  }
  await touchConnection(db, connectionId, at);
  await upsert.execute(db);
}

/** A screen's latest status reports, newest first, at most `limit`. */
export async function latestStatusReports(
  db: Db,
  screenId: string,
  limit: number,
): Promise<ScreenStatusReportRow[]> {
  return db
    .selectFrom("screen_status_reports")
    .selectAll()
    .where("screen_id", "=", screenId)
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}
