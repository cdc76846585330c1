import type { Kysely } from "kysely";
import type { AlertKind } from "../../../shared/schemas/alert";
import type { ScreenHistory, ScreenStatus } from "../../../shared/schemas/screen";
import { lookUpNames } from "../../presenters/nameBook";
import { presentStatusReport, slideRef } from "../../presenters/presentScreen";
import { openAlerts } from "../../store/alerts";
import {
  closeConnection,
  connectedMs,
  connectedSpans,
  latestStatusReports,
  openConnection,
  recordStatusReport,
} from "../../store/screenHistory";
import { markScreenDisconnected, updateScreen } from "../../store/screens";
import type { Database, ScreenRow } from "../../store/schema";
import { ONLINE_WITHIN_MS } from "./ScreenRegistry";

const DAY_MS = 86_400_000;

/** How many of a screen's status reports are kept (ten minutes' worth at one per 30 s). */
export const STATUS_REPORTS_KEPT = 20;

/**
 * Keeps each screen's reported state: its health reports, which connection it holds, and the
 * history of both (its connections, for the connectivity timeline and uptime, and its last
 * status reports).
 */
export class ScreenPresence {
  /**
   * Connections whose opening is still being written, by connection id: their reports and
   * close wait for it, or a socket gone at once (PostgreSQL runs both on separate pooled
   * connections) would leave its connection open and its screen online for 90 s.
   */
  private readonly opening = new Map<string, Promise<void>>();

  constructor(private readonly deps: { db: Kysely<Database>; now?: () => Date }) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Records a kiosk's health report, sent over its connection `connectionId`. */
  async recordStatus(id: string, connectionId: string, s: ScreenStatus): Promise<void> {
    // A report right after connecting must find its connection written, to move it.
    await this.opening.get(connectionId)?.catch(() => undefined);
    const at = this.now().toISOString();
    await updateScreen(this.deps.db, id, {
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
    });
    // The connection's last sign of life and the report itself: one more round trip at most.
    await recordStatusReport(this.deps.db, {
      screenId: id,
      connectionId,
      at,
      reportJson: JSON.stringify(s),
      keep: STATUS_REPORTS_KEPT,
    });
  }

  /** A screen connected (`connectionId`: its socket's id): seen now, and online everywhere. */
  async connected(id: string, connectionId: string): Promise<void> {
    const at = this.now().toISOString();
    const opening = (async () => {
      await updateScreen(this.deps.db, id, { last_seen_at: at, connection_id: connectionId });
      await openConnection(this.deps.db, id, connectionId, at);
    })();
    this.opening.set(connectionId, opening);
    try {
      await opening;
    } finally {
      this.opening.delete(connectionId);
    }
  }

  /**
   * That connection ended: seen now, and offline unless a newer connection already took over
   * (a reconnect to another process can arrive before the old one's disconnect).
   */
  async disconnected(id: string, connectionId: string): Promise<void> {
    await this.opening.get(connectionId)?.catch(() => undefined);
    const at = this.now().toISOString();
    await markScreenDisconnected(this.deps.db, id, connectionId, at);
    await closeConnection(this.deps.db, connectionId, at);
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
