import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { Database } from "./schema";

/** Work to do once a transaction has committed (a push to screens, waking a queue). */
export type AfterCommit = () => void | Promise<void>;

/** A transaction and the effects that wait for its commit. */
export interface UnitOfWork {
  readonly trx: Transaction<Database>;
  /** Runs `effect` after the commit; never if the transaction rolls back. */
  afterCommit(effect: AfterCommit): void;
}

/**
 * Runs `work` in one transaction, then its after-commit effects in the order they were added.
 * A screen must never hear of a change that rolled back, nor miss one that committed: effects
 * run only after the commit, and one failing is logged without stopping the others (the change
 * is stored; screens also catch up on their next sync).
 */
export async function runInTransaction<T>(
  db: Kysely<Database>,
  log: Logger,
  work: (uow: UnitOfWork) => Promise<T>,
): Promise<T> {
  const effects: AfterCommit[] = [];
  const result = await db.transaction().execute((trx) =>
    work({
      trx,
      afterCommit: (effect) => {
        effects.push(effect);
      },
    }),
  );
  for (const effect of effects) {
    try {
      await effect();
    } catch (err) {
      log.error({ err }, "an after-commit effect failed; screens catch up on their next sync");
    }
  }
  return result;
}
