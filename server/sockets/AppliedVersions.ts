import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { recordAppliedVersions, type AdvancedScreen, type AppliedAck } from "../store/delivery";
import type { Database } from "../store/schema";

/** How long a batch that could not be written waits before it is tried again. */
const RETRY_MS = 1_000;

/** Most pushed versions kept per screen, and screens with some waiting (oldest dropped first). */
const MAX_PUSHED_PER_SCREEN = 1_000;
const MAX_SCREENS_WAITING = 100_000;

/**
 * Buffers kiosks' acknowledgements (`kiosk:applied`) and writes them in one transaction every
 * `everyMs`: after a takedown, 10,000 screens acknowledge within the same second, and one
 * write per screen would hold the event loop while the broadcast is still going out.
 */
export class AppliedVersions {
  private pending = new Map<string, AppliedAck>();
  /**
   * Pushed versions a screen could not be counted for yet (an earlier takedown of its districts
   * unacknowledged): weighed again with its next acknowledgement, which may close the gap.
   */
  private waiting = new Map<string, number[]>();
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
      ...(before?.pushed ? { pushed: before.pushed } : {}),
    });
    if (!before || version > before.version)
      this.notedAt.set(screenId, (this.deps.now ?? Date.now)());
    this.schedule();
  }

  /**
   * Notes that `screenId` applied the takedowns pushed at `versions` (each one, not what came
   * before them: see recordAppliedVersions).
   */
  notePushed(screenId: string, versions: readonly number[]): void {
    const before = this.pending.get(screenId);
    const pushed = merged(before?.pushed, versions);
    if (before && pushed.length === (before.pushed?.length ?? 0)) return;
    this.pending.set(screenId, { version: before?.version ?? 0, ...before, pushed });
    // The acknowledgement's time is when the first of the batch arrived.
    if (!this.notedAt.has(screenId)) this.notedAt.set(screenId, (this.deps.now ?? Date.now)());
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.everyMs ?? 250);
  }

  /** Puts a batch that could not be written back, under what arrived since. */
  private requeue(batch: readonly [string, AppliedAck][], notedAt: ReadonlyMap<string, number>) {
    for (const [screenId, ack] of batch) {
      const since = this.pending.get(screenId);
      const pushed = merged(ack.pushed, since?.pushed ?? []);
      this.pending.set(screenId, {
        version: Math.max(ack.version, since?.version ?? 0),
        ...((since?.full ?? ack.full) ? { full: since?.full ?? ack.full } : {}),
        ...(pushed.length > 0 ? { pushed } : {}),
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
    // What waited from earlier batches is weighed again with the screen's new acknowledgement.
    const batch: [string, AppliedAck][] = [...this.pending].map(([screenId, ack]) => {
      const waited = this.waiting.get(screenId);
      if (!waited) return [screenId, ack];
      this.waiting.delete(screenId);
      return [screenId, { ...ack, pushed: merged(ack.pushed, waited) }];
    });
    const notedAt = this.notedAt;
    this.pending = new Map();
    this.notedAt = new Map();
    if (batch.length === 0) return this.flushing;
    const held = new Map<string, number[]>();
    this.flushing = this.flushing
      .then(() => recordAppliedVersions(this.deps.db, batch, held))
      .then(async (advanced) => {
        for (const [screenId, versions] of held) {
          this.waiting.delete(screenId);
          this.waiting.set(screenId, versions.slice(-MAX_PUSHED_PER_SCREEN));
        }
        for (const screenId of this.waiting.keys()) {
          if (this.waiting.size <= MAX_SCREENS_WAITING) break;
          this.waiting.delete(screenId);
        }
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

/** Two lists of pushed versions as one, each once, the newest MAX_PUSHED_PER_SCREEN. */
function merged(a: readonly number[] | undefined, b: readonly number[]): number[] {
  const all = new Set<number>(a);
  for (const v of b) all.add(v);
  return [...all].sort((x, y) => x - y).slice(-MAX_PUSHED_PER_SCREEN);
}
