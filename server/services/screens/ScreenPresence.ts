import type { Kysely } from "kysely";
import type { ScreenStatus } from "../../../shared/schemas/screen";
import { markScreenDisconnected, updateScreen } from "../../store/screens";
import type { Database } from "../../store/schema";

/** Keeps each screen's reported state: its health reports and which connection it holds. */
export class ScreenPresence {
  constructor(private readonly deps: { db: Kysely<Database>; now?: () => Date }) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Records a kiosk's health report. */
  async recordStatus(id: string, s: ScreenStatus): Promise<void> {
    await updateScreen(this.deps.db, id, {
      last_seen_at: this.now().toISOString(),
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
  }

  /** A screen connected (`connectionId`: its socket's id): seen now, and online everywhere. */
  async connected(id: string, connectionId: string): Promise<void> {
    await updateScreen(this.deps.db, id, {
      last_seen_at: this.now().toISOString(),
      connection_id: connectionId,
    });
  }

  /**
   * That connection ended: seen now, and offline unless a newer connection already took over
   * (a reconnect to another process can arrive before the old one's disconnect).
   */
  async disconnected(id: string, connectionId: string): Promise<void> {
    await markScreenDisconnected(this.deps.db, id, connectionId, this.now().toISOString());
  }
}

/** The column holds 32-bit milliseconds (±24 days); a clock further off is stored as that far. */
function clampSkew(ms: number): number {
  return Math.max(-2_000_000_000, Math.min(2_000_000_000, Math.round(ms)));
}
