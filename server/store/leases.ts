import {
  expressionBuilder,
  type Expression,
  type Kysely,
  type SqlBool,
  type Transaction,
} from "kysely";
import type { Database } from "./schema";

/**
 * Who runs a claimed piece of work and until when its claim holds unless renewed. Work whose
 * lease ran out was left by a process that died (or stalled): another may take it back.
 */
export interface JobLease {
  owner: string;
  until: string;
}

/**
 * Which claimed work a process may take back: that whose lease ran out by `now` (or that never
 * had one: its process stopped or lost the database for longer than a lease; a live process
 * renews its own), and that of `dead` processes (known stopped, whatever their lease says).
 */
export interface Interrupted {
  now: string;
  /** Claimants known to have stopped (a process of this machine that is gone). */
  dead?: readonly string[];
  /** This process's name: its own work is left alone whatever its lease says. */
  except?: string;
}

/** The columns every leased table has (redaction_jobs 0023, announcement_posters 0024). */
interface LeaseColumns {
  leased: { claimed_by: string | null; lease_until: string | null; attempts: number };
}

/**
 * The condition `which` describes, over the `claimed_by` and `lease_until` columns of whichever
 * leased table the query reads (the columns are named alone, so one table per query).
 */
export function leaseRunOut({ now, dead = [], except }: Interrupted): Expression<SqlBool> {
  const eb = expressionBuilder<LeaseColumns, "leased">();
  const expired = eb.or([
    eb("lease_until", "is", null),
    eb("lease_until", "<", now),
    ...(dead.length > 0 ? [eb("claimed_by", "in", [...dead])] : []),
  ]);
  if (except === undefined) return expired;
  return eb.and([expired, eb.or([eb("claimed_by", "is", null), eb("claimed_by", "<>", except)])]);
}

/**
 * Claimed work taken back as `which` says that had used `maxAttempts` or more. Still running
 * when its process stopped, on its last attempt, it most likely stopped it (an image that
 * crashes the process or its worker): run again, it would at every start, so it fails instead.
 */
export function lastAttemptRunOut(which: Interrupted, maxAttempts: number): Expression<SqlBool> {
  const eb = expressionBuilder<LeaseColumns, "leased">();
  return eb.and([eb("attempts", ">=", maxAttempts), leaseRunOut(which)]);
}

/** Where each leased table says its work is claimed: the column, and its value then. */
const CLAIMED = {
  redaction_jobs: { column: "state", value: "running" },
  announcement_posters: { column: "status", value: "processing" },
} as const satisfies {
  [T in keyof Database]?: {
    [C in keyof Database[T]]: { column: C; value: Database[T][C] };
  }[keyof Database[T]];
};

/** A table of work claimed under a lease (redaction jobs, posters). */
export type LeasedTable = keyof typeof CLAIMED;

/** Who holds claimed work in `table` now (to tell which of them are gone). */
export async function leaseClaimants(
  db: Kysely<Database> | Transaction<Database>,
  table: LeasedTable,
): Promise<string[]> {
  const { column, value } = CLAIMED[table];
  const rows = await db
    .selectFrom(table)
    .select("claimed_by")
    .distinct()
    .where(column, "=", value)
    .where("claimed_by", "is not", null)
    .execute();
  return rows.flatMap((r) => (r.claimed_by === null ? [] : [r.claimed_by]));
}
