import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { recordAppliedVersions } from "../store/delivery";
import type { Database } from "../store/schema";

/**
 * Buffers kiosks' acknowledgements (`kiosk:applied`) and writes them in one transaction every
 * `everyMs`: after a takedown, 10,000 screens acknowledge within the same second, and one
 * write per screen would hold the event loop while the broadcast is still going out.
 */
export class AppliedVersions {
  private pending = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      everyMs?: number;
      /** Runs after each written batch (the takedown summaries for the audit log). */
      afterFlush?: () => Promise<unknown>;
    },
  ) {}

  /** Notes that `screenId` applied everything up to `version`. */
  note(screenId: string, version: number): void {
    if ((this.pending.get(screenId) ?? -1) >= version) return;
    this.pending.set(screenId, version);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.everyMs ?? 250);
  }

  /** Writes what is buffered now (also on shutdown). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = [...this.pending];
    this.pending = new Map();
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => recordAppliedVersions(this.deps.db, batch))
      .then(async () => {
        await this.deps.afterFlush?.();
      })
      .catch((err: unknown) =>
        this.deps.log.warn({ err, screens: batch.length }, "acknowledgements not recorded"),
      );
    return this.flushing;
  }
}
