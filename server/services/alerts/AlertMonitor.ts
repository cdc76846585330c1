import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Alert, AlertKind } from "../../../shared/schemas/alert";
import type { Takedown } from "../../../shared/schemas/takedown";
import { presentAlert } from "../../presenters/presentAlert";
import { ONLINE_WITHIN_MS } from "../screens/ScreenRegistry";
import {
  districtOfflineLimits,
  insertAlert,
  moveAlert,
  openAlerts,
  resolveAlert,
  screensToWatch,
} from "../../store/alerts";
import { runInTransaction, type UnitOfWork } from "../../store/runInTransaction";
import { SessionLock } from "../../store/sessionLock";
import type { Database } from "../../store/schema";
import type { AlertWebhook } from "./AlertWebhook";
import { PeriodicTask } from "../PeriodicTask";

/** When an alert is raised; every figure has a default a city can change (server/config.ts). */
export interface AlertSettings {
  /** Minutes a screen may be offline before an alert, where its district sets none. */
  offlineMinutes: number;
  /** Seconds a screen may take to acknowledge a takedown. */
  takedownSeconds: number;
  /** Clock skew (ms, either way) beyond which a screen's clock is off. */
  clockSkewMs: number;
  /** Share of the kiosk's storage quota in use beyond which it is near full. */
  storageShare: number;
  /** The kiosk app version screens should run; older ones are alerted (non-numeric ignored). */
  kioskVersion: string;
}

/** The defaults: 5 minutes dark, 60 s for a takedown, 2 s of clock, 90 % of storage. */
export const defaultAlertSettings: Omit<AlertSettings, "kioskVersion"> = {
  offlineMinutes: 5,
  takedownSeconds: 60,
  clockSkewMs: 2_000,
  storageShare: 0.9,
};

/** A cause found by a check, before it is compared with what is open. */
interface Cause {
  kind: AlertKind;
  screenId: string;
  districtId: string;
  subject: string;
  detail: Record<string, string | number | null>;
}

/** Where takedowns stand; implemented by TakedownProgress. */
export interface TakedownReach {
  recent(opts: { limit: number }): Promise<Takedown[]>;
}

/** How many recent takedowns a check looks at for screens that have not acknowledged them. */
const TAKEDOWNS_CHECKED = 50;

/**
 * Raises and resolves alerts from what the server already knows of its screens: their last
 * report and connection, and takedown acknowledgements. Every check compares the causes it
 * finds with the open alerts: a new cause raises one, a cause gone resolves it. Each change is
 * stored with its webhook delivery in one transaction, and open consoles are told. Of several
 * processes sharing PostgreSQL, one checks for all (store/sessionLock.ts); when it stops or dies,
 * another takes over at its next round.
 */
export class AlertMonitor {
  private readonly task = new PeriodicTask(
    () => this.round(),
    (err) => this.deps.log.error({ err }, "alert check failed"),
    { noOverlap: true },
  );
  /** One process of several sharing PostgreSQL checks for all of them. */
  private readonly election: SessionLock;
  /** Whether this process checked at its last round (undefined before the first). */
  private elected: boolean | undefined;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      settings: AlertSettings;
      takedowns: TakedownReach;
      webhook?: AlertWebhook | undefined;
      /** Told after alerts were raised or resolved (the console's bell). */
      changed: () => void;
      now?: () => Date;
    },
  ) {
    this.election = new SessionLock(deps.db, "alertMonitor");
  }

  /** Checks now and then every `everyMs`, never two checks at once. */
  start(everyMs: number): void {
    this.task.start(everyMs);
  }

  /** Stops checking; resolves when a check under way has ended and another process may check. */
  async stop(): Promise<void> {
    await this.task.stop();
    await this.election.release();
  }

  /**
   * One round: a check, in the one process elected to check for all (on PostgreSQL several
   * processes share the screens; each checking all of them would do the same work N times).
   */
  private async round(): Promise<void> {
    const elected = await this.election.holds();
    if (elected !== this.elected) {
      this.elected = elected;
      this.deps.log.info(
        { pid: process.pid },
        elected ? "alert checks: this process checks" : "alert checks: another process checks",
      );
    }
    if (elected) await this.check();
  }

  /** One check: raises what started, resolves what ended; counts both. */
  async check(): Promise<{ raised: number; resolved: number }> {
    const now = this.deps.now?.() ?? new Date();
    const open = await openAlerts(this.deps.db);
    const { causes, names } = await this.causes(now, open);
    const wanted = new Map(causes.map((c) => [keyOf(c), c]));
    const openKeys = new Set(open.map(keyOf));
    const at = now.toISOString();
    let raised = 0;
    let resolved = 0;
    for (const row of open) {
      const still = wanted.get(keyOf(row));
      if (still) {
        // A screen moved meanwhile: its alert follows it to the district that must act.
        if (still.districtId !== row.district_id)
          await moveAlert(this.deps.db, row.id, still.districtId);
        continue;
      }
      const changed = await this.store(async (trx) => {
        if (!(await resolveAlert(trx, row.id, at))) return undefined;
        return presentAlert({ ...row, resolved_at: at }, names.get(row.screen_id) ?? null);
      }, "alert.resolved");
      if (changed) resolved += 1;
    }
    for (const [key, c] of wanted) {
      if (openKeys.has(key)) continue;
      const row = {
        id: randomUUID(),
        kind: c.kind,
        screen_id: c.screenId,
        district_id: c.districtId,
        subject: c.subject,
        detail_json: JSON.stringify(c.detail),
        raised_at: at,
        resolved_at: null,
      };
      const changed = await this.store(
        async (trx) =>
          (await insertAlert(trx, row))
            ? presentAlert(row, names.get(row.screen_id) ?? null)
            : undefined,
        "alert.raised",
      );
      if (changed) raised += 1;
    }
    if (raised + resolved > 0) {
      this.deps.log.info({ raised, resolved }, "alerts changed");
      this.deps.changed();
    }
    return { raised, resolved };
  }

  /** Stores one change and its webhook delivery together; the alert when this call made it. */
  private async store(
    change: (trx: UnitOfWork["trx"]) => Promise<Alert | undefined>,
    event: "alert.raised" | "alert.resolved",
  ): Promise<Alert | undefined> {
    return runInTransaction(this.deps.db, this.deps.log, async ({ trx }) => {
      const alert = await change(trx);
      if (alert && this.deps.webhook) await this.deps.webhook.enqueue(trx, event, alert);
      return alert;
    });
  }

  /** Every cause that holds now. */
  private async causes(
    now: Date,
    open: readonly {
      kind: string;
      screen_id: string;
      district_id: string;
      subject: string;
      detail_json: string;
    }[],
  ): Promise<{ causes: Cause[]; names: ReadonlyMap<string, string> }> {
    const s = this.deps.settings;
    const screens = await screensToWatch(this.deps.db);
    const limitOf = await this.offlineLimits();
    const out: Cause[] = [];
    const byId = new Map(screens.map((sc) => [sc.id, sc]));
    // Dark: no connection, or none that reported lately (a process that died without saying
    // so leaves its screens' connections behind; they stop counting after 90 s).
    const dark = new Set(
      screens
        .filter(
          (sc) =>
            sc.connection_id === null ||
            now.getTime() - Date.parse(sc.last_seen_at ?? sc.paired_at) > ONLINE_WITHIN_MS,
        )
        .map((sc) => sc.id),
    );
    for (const sc of screens) {
      const base = { screenId: sc.id, districtId: sc.district_id, subject: "" };
      if (dark.has(sc.id)) {
        const since = Date.parse(sc.last_seen_at ?? sc.paired_at);
        const minutes = (now.getTime() - since) / 60_000;
        const limit = limitOf(sc.district_id) ?? s.offlineMinutes;
        if (minutes >= limit) {
          out.push({
            ...base,
            kind: "screen_offline",
            detail: { lastSeenAt: sc.last_seen_at, limitMinutes: limit },
          });
        }
      }
      if (sc.clock_skew_ms !== null && Math.abs(sc.clock_skew_ms) > s.clockSkewMs) {
        out.push({ ...base, kind: "clock_skew", detail: { skewMs: sc.clock_skew_ms } });
      }
      const used = sc.storage_used_mb;
      const quota = sc.storage_quota_mb;
      if (used !== null && quota !== null && quota > 0 && used / quota >= s.storageShare) {
        out.push({
          ...base,
          kind: "storage_low",
          detail: { usedMb: Math.round(used), quotaMb: Math.round(quota) },
        });
      }
      if (sc.app_version !== null && isOlderVersion(sc.app_version, s.kioskVersion)) {
        out.push({
          ...base,
          kind: "old_app_version",
          detail: { version: sc.app_version, current: s.kioskVersion },
        });
      }
    }
    const takedowns = await this.deps.takedowns.recent({ limit: TAKEDOWNS_CHECKED });
    const inWindow = new Set(takedowns.map((t) => subjectOf(t)));
    for (const t of takedowns) {
      const waited = (now.getTime() - Date.parse(t.at)) / 1000;
      if (waited < s.takedownSeconds) continue;
      for (const m of t.missing) {
        const screen = byId.get(m.id);
        // A dark screen drops it when it is back; its own alert (offline) says what to chase,
        // rather than one more for every takedown it misses meanwhile.
        if (!screen || dark.has(m.id)) continue;
        out.push({
          kind: "takedown_unacknowledged",
          screenId: m.id,
          districtId: screen.district_id,
          subject: subjectOf(t),
          detail: {
            contentType: t.contentType,
            contentId: t.contentId,
            title: t.title ?? null,
            takenDownAt: t.at,
          },
        });
      }
    }
    // A takedown alert whose takedown has left the checked window stays open until its screen
    // has applied that version; inside the window, the takedown's own progress decides.
    for (const row of open) {
      if (row.kind !== "takedown_unacknowledged" || inWindow.has(row.subject)) continue;
      const version = Number(row.subject.slice(row.subject.lastIndexOf("@") + 1));
      const screen = byId.get(row.screen_id);
      if (screen && !dark.has(screen.id) && Number(screen.applied_version) < version)
        out.push({
          kind: row.kind,
          screenId: row.screen_id,
          districtId: row.district_id,
          subject: row.subject,
          detail: JSON.parse(row.detail_json) as Cause["detail"],
        });
    }
    return { causes: out, names: new Map(screens.map((sc) => [sc.id, sc.name])) };
  }

  /** A district's own offline limit, or the nearest ancestor's; undefined when none sets one. */
  private async offlineLimits(): Promise<(districtId: string) => number | undefined> {
    const rows = await districtOfflineLimits(this.deps.db);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return (districtId) => {
      let d = byId.get(districtId);
      for (let depth = 0; d && depth < 64; depth += 1) {
        if (d.alert_offline_minutes !== null) return d.alert_offline_minutes;
        d = d.parent_id === null ? undefined : byId.get(d.parent_id);
      }
      return undefined;
    };
  }
}

/** What a takedown alert is about: the content and the change-log version that took it down. */
function subjectOf(t: Takedown): string {
  return `${t.contentType}:${t.contentId}@${t.version}`;
}

/** The identity of a cause: one open alert per kind, screen and subject. */
function keyOf(c: {
  kind: string;
  screenId?: string;
  screen_id?: string;
  subject: string;
}): string {
  return `${c.kind}\u0000${c.screenId ?? c.screen_id ?? ""}\u0000${c.subject}`;
}

/**
 * Whether `version` is older than `current`, comparing dotted numbers ("1.2.10" > "1.2.9"); a
 * version that is not dotted numbers (a browser kiosk says "browser") is never old.
 */
export function isOlderVersion(version: string, current: string): boolean {
  const parse = (v: string): number[] | undefined =>
    /^\d+(\.\d+)*$/.test(v.replace(/^v/, "").split(/[-+]/)[0] ?? "")
      ? (v.replace(/^v/, "").split(/[-+]/)[0] ?? "").split(".").map(Number)
      : undefined;
  const a = parse(version);
  const b = parse(current);
  if (!a || !b) return false;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}
