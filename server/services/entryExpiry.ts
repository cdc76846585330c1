import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import { deleteRawData, supersedeJobs } from "../store/entries";
import { finishErasure } from "./crypto/entrySecrets";
import type { Database } from "../store/schema";
import { appendChange } from "../store/announcements";
import type { AuditLog } from "./auditLog";
import { expiryInstant } from "./manifestBuilder";

const DAY_MS = 86_400_000;
// States an entry never leaves: its listing has ended.
const ENDED = ["revoked", "expired"] as const;

/**
 * Ends entries on time: at the start of the expiry date in each of the entry's districts' time
 * zones (the earliest wins), the entry becomes `expired` and its raw photo and sealed ID number
 * are deleted. Runs on start and every minute, so an entry expires even if nobody looks.
 */
export class EntryExpiry {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      now?: () => Date;
      /** Writes an "entry.expired" record per entry. */
      audit?: AuditLog;
      /** Told which entries just expired (screens take them down through the change log). */
      onExpired?: (entryIds: string[]) => void;
    },
  ) {}

  /** Sweeps now and then every `everyMs`. */
  start(everyMs = 60_000): void {
    void this.sweepSafely();
    this.timer = setInterval(() => void this.sweepSafely(), everyMs);
    this.timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async sweepSafely(): Promise<void> {
    try {
      await this.sweep();
    } catch (err) {
      this.deps.log.error({ err }, "expiry sweep failed; will retry");
    }
  }

  /** Expires every entry whose time has come; returns their ids. */
  async sweep(): Promise<string[]> {
    const now = this.deps.now?.() ?? new Date();
    return this.expire(await this.due(now), now);
  }

  /** The entries not yet ended whose expiry instant (in any of their districts) is past at `now`. */
  async due(now: Date): Promise<string[]> {
    // Any zone is at most 14 h ahead of UTC: dates up to tomorrow (UTC) may already have begun.
    const horizon = new Date(now.getTime() + DAY_MS).toISOString().slice(0, 10);
    const candidates = await this.deps.db
      .selectFrom("entries")
      .leftJoin("entry_districts", "entry_districts.entry_id", "entries.id")
      .leftJoin("districts", "districts.id", "entry_districts.district_id")
      .select(["entries.id", "entries.expiry_date", "districts.time_zone"])
      .where("entries.state", "not in", ENDED)
      .where("entries.expiry_date", "<=", horizon)
      .execute();
    const due = new Set<string>();
    for (const c of candidates) {
      const at = Date.parse(expiryInstant(c.expiry_date, c.time_zone ?? "Asia/Shanghai"));
      if (at <= now.getTime()) due.add(c.id);
    }
    return [...due];
  }

  /** The entry's expiry date when its expiry instant (in any of its districts) is past. */
  private async expiryDateIfDue(
    trx: Transaction<Database>,
    id: string,
    now: Date,
  ): Promise<string | undefined> {
    const rows = await trx
      .selectFrom("entries")
      .leftJoin("entry_districts", "entry_districts.entry_id", "entries.id")
      .leftJoin("districts", "districts.id", "entry_districts.district_id")
      .select(["entries.expiry_date", "districts.time_zone"])
      .where("entries.id", "=", id)
      .execute();
    const due = rows.find(
      (r) =>
        Date.parse(expiryInstant(r.expiry_date, r.time_zone ?? "Asia/Shanghai")) <= now.getTime(),
    );
    return due?.expiry_date;
  }

  /**
   * Expires `ids`, found due a moment ago, and returns those it expired. Each state change is
   * guarded in SQL (`WHERE state NOT IN ('revoked', 'expired')`): an entry revoked since it was
   * found due keeps its revoke, and is skipped here with nothing written (issue 14 item 9).
   */
  async expire(dueIds: readonly string[], now: Date): Promise<string[]> {
    if (dueIds.length === 0) return [];
    const at = now.toISOString();
    const ids = await this.deps.db.transaction().execute(async (trx) => {
      const expired: string[] = [];
      for (const id of dueIds) {
        // Found due a moment ago; its expiry date may have moved since (an edit). Erasure
        // cannot be undone, so the date is read again here and the update holds to it.
        const dueDate = await this.expiryDateIfDue(trx, id, now);
        if (dueDate === undefined) {
          this.deps.log.info({ entryId: id }, "entry's expiry moved meanwhile; not expired");
          continue;
        }
        const done = await trx
          .updateTable("entries")
          .set({ state: "expired", updated_at: at })
          .where("id", "=", id)
          .where("state", "not in", ENDED)
          .where("expiry_date", "=", dueDate)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) {
          this.deps.log.info({ entryId: id }, "entry ended meanwhile; not expired again");
          continue;
        }
        expired.push(id);
        // The raw photo and full ID number go; the entry row stays as the record.
        await deleteRawData(trx, id);
        // A redaction still queued or running for it must not land a result afterwards.
        await supersedeJobs(trx, id, at);
        await appendChange(trx, "entry.expired", id, at);
        await this.deps.audit?.record(trx, {
          actor: { type: "system" },
          action: "entry.expired",
          target: { type: "entry", id },
          details: { rawDataDeleted: true },
        });
      }
      return expired;
    });
    if (ids.length === 0) return [];
    // After the commit: the WAL must not keep a copy of what the transaction erased.
    await finishErasure(this.deps.db, this.deps.log, ids);
    for (const id of ids) this.deps.log.info({ entryId: id }, "entry expired; raw data deleted");
    this.deps.onExpired?.(ids);
    return ids;
  }
}
