import { PeriodicTask } from "./PeriodicTask";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RetentionSettings } from "../config";
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

  /** Deletes everything past its retention at this moment; returns the counts. */
  async sweep(): Promise<RetentionOutcome> {
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
