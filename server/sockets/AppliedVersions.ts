import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { recordAppliedVersions, type AdvancedScreen, type AppliedAck } from "../store/delivery";
import type { Database } from "../store/schema";

/** How long a batch that could not be written waits before it is tried again. */
const RETRY_MS = 1_000;

/**
 * Buffers kiosks' acknowledgements (`kiosk:applied`) and writes them in one transaction every
 * `everyMs`: after a takedown, 10,000 screens acknowledge within the same second, and one
 * write per screen would hold the event loop while the broadcast is still going out.
 */
export class AppliedVersions {
  private pending = new Map<string, AppliedAck>();
  /** When each pending acknowledgement arrived (epoch ms), not when it was written. */
  private notedAt = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Shut down: a batch that fails is no longer retried. */
  private stopped = false;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      everyMs?: number;
      /** Runs after each written batch (the takedown summaries for the audit log). */
      afterFlush?: () => Promise<unknown>;
      /** Told which screens moved forward in a written batch, and when each acknowledged. */
      advanced?: (screens: readonly (AdvancedScreen & { at: number })[]) => Promise<unknown>;
      now?: () => number;
    },
  ) {}

  /**
   * Notes that `screenId` applied everything up to `version`; `fullForEpoch` when that was a full
   * manifest made for the screen's district epoch (it ends a move's "may hold stale content").
   */
  note(screenId: string, version: number, fullForEpoch?: number): void {
    const before = this.pending.get(screenId);
    if (before && before.version >= version && fullForEpoch === undefined) return;
    const full = fullForEpoch !== undefined ? { version, epoch: fullForEpoch } : before?.full;
    this.pending.set(screenId, {
      version: Math.max(version, before?.version ?? 0),
      ...(full ? { full } : {}),
    });
    if (!before || version > before.version)
      this.notedAt.set(screenId, (this.deps.now ?? Date.now)());
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.everyMs ?? 250);
  }

  /** Puts a batch that could not be written back, under what arrived since. */
  private requeue(batch: readonly [string, AppliedAck][], notedAt: ReadonlyMap<string, number>) {
    for (const [screenId, ack] of batch) {
      const since = this.pending.get(screenId);
      this.pending.set(screenId, {
        version: Math.max(ack.version, since?.version ?? 0),
        ...((since?.full ?? ack.full) ? { full: since?.full ?? ack.full } : {}),
      });
      // The acknowledgement's time is when it first arrived.
      const at = notedAt.get(screenId);
      if (at !== undefined) this.notedAt.set(screenId, at);
    }
    if (this.stopped) return;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, RETRY_MS);
  }

  /**
   * Writes what is buffered now; `last` at shutdown: what cannot be written then is not kept
   * for a retry (the screens acknowledge again on their next connection).
   */
  flush(opts: { last?: boolean } = {}): Promise<void> {
    if (opts.last) this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = [...this.pending];
    const notedAt = this.notedAt;
    this.pending = new Map();
    this.notedAt = new Map();
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => recordAppliedVersions(this.deps.db, batch))
      .then(async (advanced) => {
        if (this.deps.advanced && advanced.length > 0)
          await this.deps
            .advanced(advanced.map((a) => ({ ...a, at: notedAt.get(a.screenId) ?? Date.now() })))
            .catch((err: unknown) =>
              this.deps.log.warn({ err }, "takedown acknowledgement times not measured"),
            );
        await this.deps.afterFlush?.();
      })
      .catch((err: unknown) => {
        // Kept, not dropped (a deadlock or a dropped connection on PostgreSQL, a busy SQLite):
        // the next flush writes them with whatever arrived meanwhile.
        this.deps.log.warn(
          { err, screens: batch.length },
          "acknowledgements not recorded yet; retrying",
        );
        this.requeue(batch, notedAt);
      });
    return this.flushing;
  }
}
