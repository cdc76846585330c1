import { PeriodicTask } from "./PeriodicTask";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  DEFAULT_ALERT_RETENTION_DAYS,
  DEFAULT_SCREENSHOT_RETENTION_HOURS,
  DEFAULT_OBJECTION_RETENTION_DAYS,
  type RetentionSettings,
} from "../config";
import { deleteAlertsResolvedBefore } from "../store/alerts";
import { checkpointWal } from "../store/database";
import { blankObjectionsOfErasedEntries, deleteExpiredObjections } from "../store/objections";
import { deletePlaysBefore, deleteSessionsEndedBefore } from "../store/retention";
import { deletePlayDaysBefore } from "../store/plays";
import { deleteConnectionsEndedBefore } from "../store/screenHistory";
import type { Database } from "../store/schema";
import { deleteScreenshotsBefore } from "../store/screenshots";
import type { AuditLog } from "./AuditLog";
import { SESSION_MAX_MS } from "./auth/UserAccounts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Screens' connections are kept this long: the history shows 7 days, and a day's margin. */
const SCREEN_CONNECTION_RETENTION_DAYS = 8;

/** What one sweep deleted. */
export interface RetentionOutcome {
  plays: number;
  sessions: number;
}

/** What one sweep did to citizens' objections. */
export interface ObjectionRetentionOutcome {
  /** Objections whose entry's data was erased: their sealed data blanked now. */
  blanked: number;
  /** Objections past their retention, deleted. */
  deleted: number;
}

/**
 * Deletes what is kept no longer than the retention settings say: proof-of-play records older
 * than `playsDays` (by when the slide was shown) and console sessions ended more than
 * `endedSessionsDays` ago. Audit records are never deleted (they are the record of who did what;
 * see the README). Runs on start and once a day; each sweep that deleted something writes a
 * "retention.swept" audit record with the counts.
 */
export class RetentionSweep {
  private readonly task = new PeriodicTask(
    () => this.sweep(),
    (err) => this.deps.log.error({ err }, "retention sweep failed; will retry tomorrow"),
  );

  /** Screens' pictures are kept hours, not days: swept every hour. */
  private readonly screenshotTask = new PeriodicTask(
    () => this.sweepScreenshots(),
    (err) => this.deps.log.error({ err }, "screenshot sweep failed; will retry in an hour"),
  );

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      settings: RetentionSettings;
      audit?: AuditLog;
      now?: () => Date;
    },
  ) {}

  /** Sweeps now and then every `everyMs` (a day by default). */
  start(everyMs = DAY_MS): void {
    this.task.start(everyMs);
    this.screenshotTask.start(Math.min(everyMs, HOUR_MS));
  }

  /** Stops the timer; resolves when a sweep under way has ended. */
  stop(): Promise<void> {
    return Promise.all([this.task.stop(), this.screenshotTask.stop()]).then(() => undefined);
  }

  /**
   * Screens' pictures asked more than `screenshotsHours` ago (24 by default), with their bytes;
   * each sweep that deleted some writes "screenshot.erased". Returns how many were deleted.
   */
  async sweepScreenshots(): Promise<number> {
    const { db, settings } = this.deps;
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const hours = settings.screenshotsHours ?? DEFAULT_SCREENSHOT_RETENTION_HOURS;
    const before = new Date(now - hours * HOUR_MS).toISOString();
    const deleted = await db.transaction().execute(async (trx) => {
      const n = await deleteScreenshotsBefore(trx, before);
      if (n > 0)
        await this.deps.audit?.record(trx, {
          actor: { type: "system" },
          action: "screenshot.erased",
          details: { deleted: n, before },
        });
      return n;
    });
    if (deleted > 0) {
      this.deps.log.info({ screenshots: deleted, before }, "retention sweep: screenshots");
      // No copy of the deleted pictures stays in SQLite's WAL.
      await checkpointWal(db).catch((err: unknown) =>
        this.deps.log.warn({ err }, "WAL checkpoint after the screenshot sweep failed"),
      );
    }
    return deleted;
  }

  /**
   * Alerts resolved more than `alertsDays` ago (90 by default) and their webhook deliveries; an
   * open alert stays however old. Returns how many alerts were deleted.
   */
  async sweepAlerts(): Promise<number> {
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const days = this.deps.settings.alertsDays ?? DEFAULT_ALERT_RETENTION_DAYS;
    const before = new Date(now - days * DAY_MS).toISOString();
    const deleted = await this.deps.db
      .transaction()
      .execute((trx) => deleteAlertsResolvedBefore(trx, before));
    if (deleted > 0) this.deps.log.info({ alerts: deleted, before }, "retention sweep: alerts");
    return deleted;
  }

  /**
   * Objections: those whose entry's data key is gone (revoked or expired, so already unreadable)
   * lose their sealed data now and are deleted `objectionsDays` later; decided ones (dismissed,
   * forwarded) are deleted `objectionsDays` after the decision. One still waiting for a decision
   * on a listed entry stays. Each sweep that changed something writes "objection.erased".
   */
  async sweepObjections(): Promise<ObjectionRetentionOutcome> {
    const { db, settings } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const keepMs = (settings.objectionsDays ?? DEFAULT_OBJECTION_RETENTION_DAYS) * DAY_MS;
    const eraseAfter = new Date(now.getTime() + keepMs).toISOString();
    const decidedBefore = new Date(now.getTime() - keepMs).toISOString();
    const outcome = await db.transaction().execute(async (trx) => {
      const outcome = {
        blanked: await blankObjectionsOfErasedEntries(trx, eraseAfter),
        deleted: await deleteExpiredObjections(trx, now.toISOString(), decidedBefore),
      };
      if (outcome.blanked + outcome.deleted > 0)
        await this.deps.audit?.record(trx, {
          actor: { type: "system" },
          action: "objection.erased",
          details: { ...outcome, decidedBefore },
        });
      return outcome;
    });
    if (outcome.blanked + outcome.deleted > 0) {
      this.deps.log.info(outcome, "retention sweep: objections");
      // No copy of the blanked or deleted rows stays in SQLite's WAL.
      await checkpointWal(db).catch((err: unknown) =>
        this.deps.log.warn({ err }, "WAL checkpoint after the objection sweep failed"),
      );
    }
    return outcome;
  }

  /** Screens' connections that ended more than 8 days ago; returns how many were deleted. */
  async sweepScreenConnections(): Promise<number> {
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const before = new Date(now - SCREEN_CONNECTION_RETENTION_DAYS * DAY_MS).toISOString();
    const deleted = await deleteConnectionsEndedBefore(this.deps.db, before);
    if (deleted > 0)
      this.deps.log.info({ connections: deleted, before }, "retention sweep: screen connections");
    return deleted;
  }

  /** Deletes everything past its retention at this moment; returns the counts. */
  async sweep(): Promise<RetentionOutcome> {
    await this.sweepObjections();
    await this.sweepAlerts();
    await this.sweepScreenConnections();
    const { db, settings } = this.deps;
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const playsBefore = new Date(now - settings.playsDays * DAY_MS).toISOString();
    const sessionsBefore = new Date(now - settings.endedSessionsDays * DAY_MS).toISOString();
    const createdBefore = new Date(
      now - settings.endedSessionsDays * DAY_MS - SESSION_MAX_MS,
    ).toISOString();
    return db.transaction().execute(async (trx) => {
      // The daily play rollup goes with the plays: every day wholly before the cut.
      await deletePlayDaysBefore(trx, playsBefore);
      const outcome = {
        plays: await deletePlaysBefore(trx, playsBefore),
        sessions: await deleteSessionsEndedBefore(trx, sessionsBefore, createdBefore),
      };
      if (outcome.plays + outcome.sessions > 0) {
        await this.deps.audit?.record(trx, {
          actor: { type: "system" },
          action: "retention.swept",
          details: { ...outcome, playsBefore, sessionsBefore },
        });
        this.deps.log.info({ ...outcome, playsBefore, sessionsBefore }, "retention sweep");
      }
      return outcome;
    });
  }
}
