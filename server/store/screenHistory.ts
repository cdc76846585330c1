import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from "kysely";
import { randomUUID } from "node:crypto";
import type { Database, ScreenConnectionTable, ScreenStatusReportTable } from "./schema";
import type { ScreenConnectionEvent } from "./screens";
import { databaseKindOf } from "./transactionLocks";
import { valuesColumn, valuesTable } from "./valuesTable";

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
  await openConnections(db, [{ screenId, connectionId, at }]);
}

/** Notes these sockets connecting (one statement), each once, as `openConnection`. */
export async function openConnections(
  db: Db,
  events: readonly ScreenConnectionEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto("screen_connections")
    .values(
      events.map((e) => ({
        id: randomUUID(),
        screen_id: e.screenId,
        connection_id: e.connectionId,
        connected_at: e.at,
        last_seen_at: e.at,
        disconnected_at: null,
      })),
    )
    .onConflict((oc) => oc.column("connection_id").doNothing())
    .execute();
}

/** Moves an open connection's last sign of life (a status report) to `at`. */
export async function touchConnection(db: Db, connectionId: string, at: string): Promise<void> {
  await touchConnections(db, [{ connectionId, at }]);
}

/** As `touchConnection`, for many connections (distinct) in one statement. */
async function touchConnections(
  db: Db,
  touches: readonly { connectionId: string; at: string }[],
): Promise<void> {
  if (touches.length === 0) return;
  await touchStatement(touches).execute(db);
}

function touchStatement(
  touches: readonly { connectionId: string; at: string }[],
): RawBuilder<unknown> {
  return updateOpenConnections(touches, sql`last_seen_at = ${valuesColumn(2)}`);
}

/**
 * `update screen_connections as c set <assignments>` for these connections (distinct) while
 * still open, in one statement; each joined as `v` (column1 its id, column2 its `at`).
 */
function updateOpenConnections(
  rows: readonly { connectionId: string; at: string }[],
  assignments: RawBuilder<unknown>,
): RawBuilder<unknown> {
  return sql`update screen_connections as c set ${assignments}
    from ${valuesTable(rows.map((r) => [r.connectionId, r.at]))} as v
    where c.connection_id = ${valuesColumn(1)} and c.disconnected_at is null`;
}

/** Notes a screen's socket closing at `at`. */
export async function closeConnection(db: Db, connectionId: string, at: string): Promise<void> {
  await closeConnections(db, [{ connectionId, at }]);
}

/** Notes these sockets (distinct) closing, each at its `at`, in one statement. */
export async function closeConnections(
  db: Db,
  closes: readonly { connectionId: string; at: string }[],
): Promise<void> {
  if (closes.length === 0) return;
  await updateOpenConnections(
    closes,
    sql`disconnected_at = ${valuesColumn(2)}, last_seen_at = ${valuesColumn(2)}`,
  ).execute(db);
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
export async function recordStatusReport(db: Db, report: StatusReport): Promise<void> {
  await recordStatusReports(db, [report]);
}

/** A status report as stored: which screen sent it, over which connection, when, keeping how many. */
export interface StatusReport {
  screenId: string;
  connectionId: string;
  at: string;
  reportJson: string;
  keep: number;
}

/** As `recordStatusReport`, for reports of distinct screens, in one statement (two on SQLite). */
export async function recordStatusReports(db: Db, reports: readonly StatusReport[]): Promise<void> {
  if (reports.length === 0) return;
  // Each report's id: its screen's oldest report when it has `keep` already, else a new id.
  const slot = ({ screenId, keep }: StatusReport) => sql<string>`coalesce((
      select r.id from screen_status_reports r
      where r.screen_id = ${screenId}
        and exists (
          select 1 from screen_status_reports f where f.screen_id = ${screenId}
          order by f.at desc limit 1 offset ${Math.max(0, keep - 1)}
        )
      order by r.at, r.id limit 1
    ), ${randomUUID()})`;
  const rows = reports.map((r) => sql`(${slot(r)}, ${r.screenId}, ${r.at}, ${r.reportJson})`);
  const upsert = sql`insert into screen_status_reports (id, screen_id, at, report_json)
    values ${sql.join(rows)}
    on conflict (id) do update set at = excluded.at, report_json = excluded.report_json`;
  if (databaseKindOf(db) === "postgres") {
    await sql`with touched as (${touchStatement(reports)} returning c.id) ${upsert}`.execute(db);
    return;
  }
  await touchConnections(db, reports);
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
