import { PeriodicTask } from "./PeriodicTask";
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import {
  deleteRawData,
  expireEntry,
  expiryDateAndZonesOf,
  supersedeJobs,
  unendedEntriesExpiringBy,
} from "../store/entries";
import { finishErasure } from "./crypto/entrySecrets";
import type { Database } from "../store/schema";
import { runInTransaction } from "../store/runInTransaction";
import { ChangeFeed } from "./ChangeFeed";
import type { AuditLog } from "./AuditLog";
import { entryExpiresAt } from "../../shared/schedule/entryExpiresAt";

const DAY_MS = 86_400_000;

/**
 * Ends entries on time: at the start of the expiry date in each of the entry's districts' time
 * zones (the earliest wins), the entry becomes `expired` and its raw photo and sealed ID number
 * are deleted. Runs on start and every minute, so an entry expires even if nobody looks.
 */
export class EntryExpiry {
  private readonly task = new PeriodicTask(
    () => this.sweep(),
    (err) => this.deps.log.error({ err }, "expiry sweep failed; will retry"),
  );

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      now?: () => Date;
      /** Writes an "entry.expired" record per entry. */
      audit?: AuditLog;
      /**
       * Records each expiry in the change log; the server's feed also pushes the takedown to
       * screens after the commit (without one, e.g. in a command, screens catch up on sync).
       */
      changes?: ChangeFeed;
    },
  ) {}

  /** Sweeps now and then every `everyMs`. */
  start(everyMs = 60_000): void {
    this.task.start(everyMs);
  }

  /** Stops the timer; resolves when a sweep under way has ended. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Expires every entry whose time has come; returns their ids. */
  async sweep(): Promise<string[]> {
    const now = this.deps.now?.() ?? new Date();
    return this.expire(await this.due(now), now);
  }

  /** The entries not yet ended whose listing has ended at `now` (entryExpiresAt). */
  async due(now: Date): Promise<string[]> {
    // Any zone is at most 14 h ahead of UTC: dates up to tomorrow (UTC) may already have begun.
    const horizon = new Date(now.getTime() + DAY_MS).toISOString().slice(0, 10);
    const candidates = await unendedEntriesExpiringBy(this.deps.db, horizon);
    // A row per district: each entry's zones are gathered, then its one instant is judged.
    const byEntry = new Map<string, { expiryDate: string; zones: string[] }>();
    for (const c of candidates) {
      const entry = byEntry.get(c.id) ?? { expiryDate: c.expiry_date, zones: [] };
      if (c.time_zone !== null) entry.zones.push(c.time_zone);
      byEntry.set(c.id, entry);
    }
    return [...byEntry]
      .filter(([, e]) => Date.parse(entryExpiresAt(e.expiryDate, e.zones)) <= now.getTime())
      .map(([id]) => id);
  }

  /** The entry's expiry date when its listing has ended at `now` (entryExpiresAt). */
  private async expiryDateIfDue(
    trx: Transaction<Database>,
    id: string,
    now: Date,
  ): Promise<string | undefined> {
    const rows = await expiryDateAndZonesOf(trx, id);
    const expiryDate = rows[0]?.expiry_date;
    if (expiryDate === undefined) return undefined;
    const zones = rows.flatMap((r) => (r.time_zone === null ? [] : [r.time_zone]));
    return Date.parse(entryExpiresAt(expiryDate, zones)) <= now.getTime() ? expiryDate : undefined;
  }

  /** Expires one entry found due, in its own transaction; false when it is not due any more. */
  private expireOne(id: string, now: Date, at: string, changes: ChangeFeed): Promise<boolean> {
    return runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      // Found due a moment ago; its expiry date may have moved since (an edit). Erasure
      // cannot be undone, so the date is read again here and the update holds to it.
      const dueDate = await this.expiryDateIfDue(trx, id, now);
      if (dueDate === undefined) {
        this.deps.log.info({ entryId: id }, "entry's expiry moved meanwhile; not expired");
        return false;
      }
      if (!(await expireEntry(trx, id, dueDate, at))) {
        this.deps.log.info({ entryId: id }, "entry ended meanwhile; not expired again");
        return false;
      }
      // The raw photo and full ID number go; the entry row stays as the record.
      await deleteRawData(trx, id);
      // A redaction still queued or running for it must not land a result afterwards.
      await supersedeJobs(trx, id, at);
      await changes.entry(uow, "entry.expired", id, at);
      await this.deps.audit?.record(trx, {
        actor: { type: "system" },
        action: "entry.expired",
        target: { type: "entry", id },
        details: { rawDataDeleted: true },
      });
      return true;
    });
  }

  /**
   * Expires `ids`, found due a moment ago, and returns those it expired. Each state change is
   * guarded in SQL (`WHERE state NOT IN ('revoked', 'expired')`): an entry revoked since it was
   * found due keeps its revoke, and is skipped here with nothing written (issue 14 item 9).
   */
  async expire(dueIds: readonly string[], now: Date): Promise<string[]> {
    if (dueIds.length === 0) return [];
    const at = now.toISOString();
    const changes = this.deps.changes ?? new ChangeFeed();
    const ids: string[] = [];
    // One transaction per entry: a batch holding the change-log and audit locks while it takes
    // the next entry's row lock would deadlock against an edit or revoke of that entry
    // (PostgreSQL), and one entry's failure must not hold back the others' takedowns.
    for (const id of dueIds) {
      try {
        if (await this.expireOne(id, now, at, changes)) ids.push(id);
      } catch (err) {
        this.deps.log.error({ err, entryId: id }, "entry not expired; the next sweep retries");
      }
    }
    if (ids.length === 0) return [];
    // After the commit: the WAL must not keep a copy of what the transaction erased.
    await finishErasure(this.deps.db, this.deps.log, ids);
    for (const id of ids) this.deps.log.info({ entryId: id }, "entry expired; raw data deleted");
    return ids;
  }
}
