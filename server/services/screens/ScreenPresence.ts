import type { Kysely } from "kysely";
import type { AlertKind } from "../../../shared/schemas/alert";
import type { ScreenHistory, ScreenStatus } from "../../../shared/schemas/screen";
import { lookUpNames } from "../../presenters/nameBook";
import { presentStatusReport, slideRef } from "../../presenters/presentScreen";
import { openAlerts } from "../../store/alerts";
import {
  closeConnections,
  connectedMs,
  connectedSpans,
  latestStatusReports,
  openConnections,
  recordStatusReports,
  type StatusReport,
} from "../../store/screenHistory";
import {
  lockScreenRowsNoWait,
  markScreensConnected,
  markScreensDisconnected,
  updateScreenStatuses,
  type ScreenConnectionEvent,
  type ScreenStatusColumns,
} from "../../store/screens";
import { databaseKindOf } from "../../store/transactionLocks";
import type { Database, ScreenRow } from "../../store/schema";
import { ONLINE_WITHIN_MS } from "./ScreenRegistry";

const DAY_MS = 86_400_000;

/**
 * How long presence writes are gathered into one transaction: a commit costs more than a few
 * dozen small writes, and nothing waits on these (a screen's own sync does not).
 */
const GATHER_MS = 10;

/** How many of a screen's status reports are kept (ten minutes' worth at one per 30 s). */
export const STATUS_REPORTS_KEPT = 20;

/**
 * Keeps each screen's reported state: its health reports, which connection it holds, and the
 * history of both (its connections, for the connectivity timeline and uptime, and its last
 * status reports).
 */
export class ScreenPresence {
  private readonly writes: BatchedWrites<PresenceWrite>;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      now?: () => Date;
      /**
       * Most writes in one transaction (default 500, at most 1,000: a layer of them is one
       * statement, whose parameters SQLite bounds at 32,766).
       */
      batch?: number;
    },
  ) {
    const most = Math.max(1, Math.min(1_000, deps.batch ?? 500));
    this.writes = new BatchedWrites(deps.db, most, GATHER_MS, writePresence);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Records a kiosk's health report, sent over its connection `connectionId`. */
  recordStatus(id: string, connectionId: string, s: ScreenStatus): Promise<void> {
    const at = this.now().toISOString();
    return this.writes.run({
      kind: "status",
      screenId: id,
      set: {
        last_seen_at: at,
        width: s.width,
        height: s.height,
        app_version: s.appVersion,
        // applied_version moves only through kiosk:applied (upwards, checked); a status report
        // repeating the kiosk's last full sync must not take acknowledgements back.
        current_slide: s.currentSlide,
        uptime_seconds: Math.round(s.uptimeSeconds),
        memory_mb: s.memoryMb === null ? null : Math.round(s.memoryMb),
        // A report without it (an older kiosk) leaves the last known skew alone.
        ...(s.clockSkewMs === undefined
          ? {}
          : { clock_skew_ms: s.clockSkewMs === null ? null : clampSkew(s.clockSkewMs) }),
        // Likewise its storage (the alert monitor warns when it is nearly full).
        ...(s.storageUsedMb === undefined ? {} : { storage_used_mb: s.storageUsedMb }),
        ...(s.storageQuotaMb === undefined ? {} : { storage_quota_mb: s.storageQuotaMb }),
      },
      // The connection's last sign of life and the report itself.
      report: {
        screenId: id,
        connectionId,
        at,
        reportJson: JSON.stringify(s),
        keep: STATUS_REPORTS_KEPT,
      },
    });
  }

  /** A screen connected (`connectionId`: its socket's id): seen now, and online everywhere. */
  connected(id: string, connectionId: string): Promise<void> {
    const at = this.now().toISOString();
    return this.writes.run({ kind: "connected", screenId: id, connectionId, at });
  }

  /**
   * That connection ended: seen now, and offline unless a newer connection already took over
   * (a reconnect to another process can arrive before the old one's disconnect).
   */
  disconnected(id: string, connectionId: string): Promise<void> {
    const at = this.now().toISOString();
    return this.writes.run({ kind: "disconnected", screenId: id, connectionId, at });
  }

  /** Resolves once every write asked for so far is done (at shutdown, before the database closes). */
  settled(): Promise<void> {
    return this.writes.settled();
  }

  /**
   * A screen's last `days` days: its connected spans, its uptime over the part of the period
   * it was paired, and its last status reports, newest first.
   */
  async history(screen: ScreenRow, days: number): Promise<ScreenHistory> {
    const { db } = this.deps;
    const now = this.now();
    const from = new Date(now.getTime() - days * DAY_MS);
    const period = { from: from.toISOString(), to: now.toISOString() };
    const spans = await connectedSpans(db, [screen.id], period, now, ONLINE_WITHIN_MS);
    const connected = connectedMs(spans).get(screen.id) ?? 0;
    const observedFrom = Math.max(from.getTime(), Date.parse(screen.paired_at));
    const observedMs = now.getTime() - observedFrom;
    const rows = await latestStatusReports(db, screen.id, STATUS_REPORTS_KEPT);
    // What each report showed, named (masked names and titles) in one query per kind.
    const names = await lookUpNames(
      db,
      rows.map((r) => slideRef(currentSlideOf(r.report_json))).filter((r) => r !== null),
    );
    return {
      screenId: screen.id,
      days,
      ...period,
      observedFrom: new Date(observedFrom).toISOString(),
      spans: spans.map(({ from, to, open }) => ({ from, to, open })),
      connectedMs: connected,
      uptimePercent:
        observedMs > 0 ? Math.min(100, Math.round((connected / observedMs) * 1000) / 10) : null,
      reports: rows.map((r) => presentStatusReport(r, names)).filter((r) => r !== null),
    };
  }

  /** The kinds of the open alerts of each screen that has any. */
  async openAlertKinds(): Promise<Map<string, Set<AlertKind>>> {
    const out = new Map<string, Set<AlertKind>>();
    for (const a of await openAlerts(this.deps.db)) {
      const kinds = out.get(a.screen_id) ?? new Set<AlertKind>();
      kinds.add(a.kind);
      out.set(a.screen_id, kinds);
    }
    return out;
  }
}

/** The slide label a stored report names, or null (the presenter checks the rest). */
function currentSlideOf(reportJson: string): string | null {
  try {
    const parsed: unknown = JSON.parse(reportJson);
    if (typeof parsed === "object" && parsed !== null && "currentSlide" in parsed)
      return typeof parsed.currentSlide === "string" ? parsed.currentSlide : null;
  } catch {
    // An unreadable report names nothing; the presenter leaves it out.
  }
  return null;
}

/** The column holds 32-bit milliseconds (±24 days); a clock further off is stored as that far. */
function clampSkew(ms: number): number {
  return Math.max(-2_000_000_000, Math.min(2_000_000_000, Math.round(ms)));
}

/** One presence write: a screen's connection opening or closing, or its status report. */
type PresenceWrite =
  | (ScreenConnectionEvent & { kind: "connected" | "disconnected" })
  | { kind: "status"; screenId: string; set: ScreenStatusColumns; report: StatusReport };

/**
 * Writes presence writes of distinct screens: a few statements for all of them, each kind
 * written as multi-row statements (a restart brings thousands of screens back, each a connect
 * and a report; one statement each was most of the server's time in a move on PostgreSQL, in
 * socket writes to the database). Screens being distinct, their order does not matter.
 */
async function writePresence(
  db: Kysely<Database>,
  writes: readonly PresenceWrite[],
): Promise<void> {
  const connected: ScreenConnectionEvent[] = [];
  const disconnected: ScreenConnectionEvent[] = [];
  const statuses: Extract<PresenceWrite, { kind: "status" }>[] = [];
  for (const w of writes) {
    if (w.kind === "status") statuses.push(w);
    else (w.kind === "connected" ? connected : disconnected).push(w);
  }
  await markScreensConnected(db, connected);
  await openConnections(db, connected);
  await markScreensDisconnected(db, disconnected);
  await closeConnections(db, disconnected);
  await updateScreenStatuses(
    db,
    statuses.map((w) => ({ id: w.screenId, set: w.set })),
  );
  await recordStatusReports(
    db,
    statuses.map((w) => w.report),
  );
}

/**
 * The batch in layers: the first write of each screen, then the second of each, and so on, each
 * layer in the order asked. Within a layer each screen appears once, so its writes can be
 * grouped by kind; written layer after layer, each screen's writes keep their order (a connect
 * and the report right after it land in two layers, all the connects first).
 */
function layersByScreen<T extends { screenId: string }>(batch: readonly T[]): T[][] {
  const layers: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of batch) {
    const layer = seen.get(item.screenId) ?? 0;
    seen.set(item.screenId, layer + 1);
    (layers[layer] ??= []).push(item);
  }
  return layers;
}

/**
 * On PostgreSQL, a batch takes the row locks of all its screens at once, in id order, before
 * writing, and gives up at once (NOWAIT) if another transaction holds one: a batch that waited
 * while holding some could close a cycle with another batch or a district move, and PostgreSQL
 * would abort one of them. Given up, its writes are made one at a time, as single statements.
 */
async function lockScreens(
  trx: Kysely<Database>,
  batch: readonly { screenId: string }[],
): Promise<void> {
  if (databaseKindOf(trx) !== "postgres") return;
  const ids = [...new Set(batch.map((w) => w.screenId))];
  await lockScreenRowsNoWait(trx, ids);
}

/**
 * Presence writes, in the order asked, many to a transaction. A restart brings thousands of
 * screens back within seconds and a city's screens report every 30 s: one transaction each
 * spent more of the server's main thread on commits than on the writes (bench:storm). One batch
 * runs at a time, so a connection's report and close are always written after its opening (two
 * pooled PostgreSQL connections could otherwise race, leaving a gone screen online for 90 s).
 */
export class BatchedWrites<T extends { screenId: string }> {
  private queue: { write: T; done: (err?: Error) => void }[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly most: number,
    /** How long writes are gathered before the first batch is written (0: this turn only). */
    private readonly gatherMs: number,
    /** Writes writes of distinct screens (in a batch's transaction, or one alone). */
    private readonly writeAll: (db: Kysely<Database>, writes: readonly T[]) => Promise<void>,
  ) {}

  /** Queues `write`, which changes the row of its screen (locked first on PostgreSQL). */
  run(write: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, done: (err) => (err === undefined ? resolve() : reject(err)) });
      this.draining ??= new Promise<void>((r) =>
        this.gatherMs > 0 ? setTimeout(r, this.gatherMs) : setImmediate(r),
      ).then(() => this.drain());
    });
  }

  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.most);
        const writes = batch.map((b) => b.write);
        if (batch.length > 1) {
          try {
            await this.db.transaction().execute(async (trx) => {
              await lockScreens(trx, writes);
              for (const layer of layersByScreen(writes)) await this.writeAll(trx, layer);
            });
            for (const { done } of batch) done();
            continue;
          } catch {
            // One failing write (its screen deleted meanwhile) must not lose the others: each
            // is tried again on its own, and only its own caller hears of its failure.
          }
        }
        for (const { write, done } of batch)
          await this.writeAll(this.db, [write]).then(
            () => done(),
            (err: unknown) =>
              done(err instanceof Error ? err : new Error(`presence write failed: ${String(err)}`)),
          );
      }
    } finally {
      this.draining = undefined;
    }
  }
}
