import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import { leaseClaimants, type Interrupted, type JobLease, type LeasedTable } from "../store/leases";
import type { Database } from "../store/schema";
import type { ProcessLease } from "./ProcessLease";

/** What differs between two kinds of leased work: its table, its store queries, how it fails. */
export interface LeasedWorkKind<Id, Item> {
  /** The table the work is claimed in. */
  table: LeasedTable;
  /** Attempts after which work interrupted again fails instead of going back in the queue. */
  maxAttempts: number;
  /** Extends `lease.owner`'s claim on the work among `ids` it still holds. */
  renew(db: Kysely<Database>, ids: readonly Id[], lease: JobLease): Promise<number>;
  /** Interrupted work (taken back as `which` says) that had used `maxAttempts`. */
  outOfAttempts(db: Kysely<Database>, maxAttempts: number, which: Interrupted): Promise<Item[]>;
  /** Puts interrupted work (as `which` says) back in the queue; how many. */
  requeue(db: Kysely<Database>, at: string, which: Interrupted): Promise<number>;
  /** Fails one piece out of attempts in `trx`, guarded by `which`; whether it was still there. */
  fail(trx: Transaction<Database>, item: Item, which: Interrupted): Promise<boolean>;
  /** The ids a log line about `item` carries. */
  logged(item: Item): Record<string, unknown>;
  /** What the log says: a lease not renewed, a piece failed, work requeued. */
  said: { cannotRenew: string; failed: string; requeued: string };
}

/**
 * The lease side of a queue over a leased table (redaction jobs, posters): renews the claim on
 * the work this process holds and takes back the work of stopped processes, at start and at
 * every renewal. Work interrupted on its last attempt fails; the rest goes back in the queue.
 * Polls the queue as a backstop to its wake-ups.
 */
export class LeasedWork<Id, Item> {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      lease: ProcessLease;
      kind: LeasedWorkKind<Id, Item>;
      /** The work this process holds now, whose leases are renewed. */
      held: () => readonly Id[];
      /** Whether the queue stopped (a renewal then takes nothing back). */
      stopped: () => boolean;
      /** Looks for work: at start, every `pollMs`, after some was taken back. */
      kick: () => void;
      pollMs: number;
    },
  ) {}

  /**
   * Starts renewing (see ProcessLease.start), takes back what stopped processes left, then
   * looks for work and keeps polling for it.
   */
  async start(): Promise<void> {
    this.deps.lease.start(
      () => this.renewAndRecover(),
      (err) => this.deps.log.warn({ err }, this.deps.kind.said.cannotRenew),
    );
    await this.recover();
    this.timer = setInterval(() => this.deps.kick(), this.deps.pollMs);
    this.timer.unref();
    this.deps.kick();
  }

  /** Stops polling; once the work in flight (`settled`) settles, stops renewing its leases. */
  async stop(settled: Promise<unknown> | undefined): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await settled;
    // Renewed until then, so no other process takes the work in flight back meanwhile.
    this.deps.lease.stop();
  }

  private async renewAndRecover(): Promise<void> {
    const { db, lease, kind } = this.deps;
    await kind.renew(db, this.deps.held(), lease.claim());
    if (this.deps.stopped()) return;
    // A process that died while this one ran left its work: taken back once its lease ran out.
    await this.recover();
    this.deps.kick();
  }

  /**
   * Work left claimed by a process that stopped (its lease ran out, or the process is known
   * gone): that on its last attempt fails, the rest goes back in the queue; a live process's,
   * whose lease it renews, is left to it.
   */
  private async recover(): Promise<void> {
    const { db, lease, kind, log } = this.deps;
    const which = lease.interrupted(await leaseClaimants(db, kind.table));
    await this.failOutOfAttempts(which);
    const requeued = await kind.requeue(db, which.now, which);
    if (requeued > 0) log.info({ requeued }, kind.said.requeued);
  }

  /**
   * Work still claimed when its process stopped, on its last attempt, most likely stopped it (an
   * image that crashes the process or its worker): run again, it would at every start. Each
   * piece fails in a transaction of its own, under the same guard as the taking back.
   */
  private async failOutOfAttempts(which: Interrupted): Promise<void> {
    const { db, kind, log } = this.deps;
    const items = await kind.outOfAttempts(db, kind.maxAttempts, which);
    for (const item of items) {
      const failed = await db.transaction().execute((trx) => kind.fail(trx, item, which));
      if (failed) log.error(kind.logged(item), kind.said.failed);
    }
  }
}
