import { PostgresAdapter, sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema";

/**
 * The transaction-level locks the server takes, in the only order a transaction may take them:
 * first-run set-up, then the change log, then the audit chain. Two transactions taking two of
 * them in opposite orders would deadlock on PostgreSQL; here the order is checked on every
 * database (SQLite too, so a test catches a wrong order before PostgreSQL does).
 */
export const LOCK_ORDER = ["firstRunSetup", "changeLog", "auditChain"] as const;

/** One of the server's transaction-level locks. */
export type TransactionLock = (typeof LOCK_ORDER)[number];

// pg_advisory_xact_lock keys: the ASCII bytes of "SIGNSETU", "SIGNCHLG", "SIGNAUDT" as signed
// bigints (unchanged from when each module kept its own).
const POSTGRES_KEYS: Record<TransactionLock, string> = {
  firstRunSetup: "6001406380177970261",
  changeLog: "6001406379909729351",
  auditChain: "6001406379877024852",
};

const held = new WeakMap<object, Set<TransactionLock>>();

/** A lock was asked for after one that must come after it: a programming error. */
export class LockOrderError extends Error {
  constructor(wanted: TransactionLock, already: TransactionLock) {
    super(
      `Transaction lock "${wanted}" taken after "${already}"; the order is ${LOCK_ORDER.join(" → ")}.`,
    );
  }
}

/**
 * Takes `lock` until the transaction ends (PostgreSQL: an advisory lock; SQLite serialises
 * writers already). Taking it twice is fine; taking it after a later lock throws LockOrderError.
 */
export async function takeLock(
  trx: Transaction<Database> | Kysely<Database>,
  lock: TransactionLock,
  kind: "sqlite" | "postgres",
): Promise<void> {
  const mine = held.get(trx) ?? new Set<TransactionLock>();
  if (mine.has(lock)) return;
  const rank = LOCK_ORDER.indexOf(lock);
  for (const other of mine)
    if (LOCK_ORDER.indexOf(other) > rank) throw new LockOrderError(lock, other);
  mine.add(lock);
  held.set(trx, mine);
  if (kind === "postgres")
    await sql`select pg_advisory_xact_lock(${sql.raw(POSTGRES_KEYS[lock])})`.execute(trx);
}

/** Which database a handle talks to, read from its dialect's adapter. */
export function databaseKindOf(db: Kysely<Database>): "sqlite" | "postgres" {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}
