import { PeriodicTask } from "./PeriodicTask";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  DEFAULT_ALERT_RETENTION_DAYS,
  DEFAULT_OBJECTION_RETENTION_DAYS,
  type RetentionSettings,
} from "../config";
import { deleteAlertsResolvedBefore } from "../store/alerts";
import { checkpointWal } from "../store/database";
import { blankObjectionsOfErasedEntries, deleteExpiredObjections } from "../store/objections";
import { deletePlaysBefore, deleteSessionsEndedBefore } from "../store/retention";
import type { Database } from "../store/schema";
import type { AuditLog } from "./AuditLog";
import { SESSION_MAX_MS } from "./auth/UserAccounts";

const DAY_MS = 86_400_000;

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
  }

  /** Stops the timer. */
  stop(): void {
    this.task.stop();
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

  /** Deletes everything past its retention at this moment; returns the counts. */
  async sweep(): Promise<RetentionOutcome> {
    await this.sweepObjections();
    await this.sweepAlerts();
    const { db, settings } = this.deps;
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const playsBefore = new Date(now - settings.playsDays * DAY_MS).toISOString();
    const sessionsBefore = new Date(now - settings.endedSessionsDays * DAY_MS).toISOString();
    const createdBefore = new Date(
      now - settings.endedSessionsDays * DAY_MS - SESSION_MAX_MS,
    ).toISOString();
    return db.transaction().execute(async (trx) => {
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
