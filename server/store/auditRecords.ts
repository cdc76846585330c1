import { sql, type Kysely, type Transaction } from "kysely";
import type { AuditRow, Database } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** The newest audit record (the one the next record chains onto), if any. */
export async function lastAuditRecord(db: Db): Promise<AuditRow | undefined> {
  return db.selectFrom("audit_log").selectAll().orderBy("seq", "desc").limit(1).executeTakeFirst();
}

/**
 * Takes SQLite's write lock before the append reads the last record: a write that matches
 * nothing still takes it (waiting out busy_timeout), where reading first would fail with
 * SQLITE_BUSY_SNAPSHOT, not wait, when another process (a CLI beside the server) appended in
 * between. SQLite only.
 */
export async function takeSqliteWriteLock(trx: Db): Promise<void> {
  await sql`update audit_log set seq = seq where 0 = 1`.execute(trx);
}

/** Stores one audit record, seq included (a seq taken meanwhile makes the insert fail). */
export async function insertAuditRecord(db: Db, row: AuditRow): Promise<void> {
  await db.insertInto("audit_log").values(row).execute();
}

/** The retired chain key whose stretch holds record `seq`, if it was chained under one. */
export async function retiredChainKeyFor(db: Db, seq: number): Promise<Buffer | undefined> {
  const retired = await db
    .selectFrom("audit_chain_keys")
    .select("chain_key")
    .where("last_seq", ">=", Number(seq))
    .orderBy("last_seq", "asc")
    .limit(1)
    .executeTakeFirst();
  return retired?.chain_key;
}

/** Every retired chain key with the last record of its stretch, oldest first. */
export async function retiredChainKeys(db: Db): Promise<{ last_seq: number; chain_key: Buffer }[]> {
  return db
    .selectFrom("audit_chain_keys")
    .select(["last_seq", "chain_key"])
    .orderBy("last_seq", "asc")
    .execute();
}

/** How many records the audit log holds. */
export async function countAuditRecords(db: Db): Promise<number> {
  const counted = await db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirst();
  return Number(counted?.n ?? 0);
}

/** Which records a page in seq order holds: `from`/`to` are instants, `afterSeq` the cursor. */
export interface AuditPageFilter {
  from?: string;
  to?: string;
  afterSeq?: number;
}

/** Up to `limit` records in seq order, oldest first, after the cursor. */
export async function auditRecordsInOrder(
  db: Db,
  filter: AuditPageFilter,
  limit: number,
): Promise<AuditRow[]> {
  let q = db.selectFrom("audit_log").selectAll();
  if (filter.from !== undefined) q = q.where("at", ">=", filter.from);
  if (filter.to !== undefined) q = q.where("at", "<", filter.to);
  if (filter.afterSeq !== undefined) q = q.where("seq", ">", filter.afterSeq);
  return q.orderBy("seq", "asc").limit(limit).execute();
}

/** Conditions of an audit search; every given one must hold. `from`/`to` are instants. */
export interface AuditSearch {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  beforeSeq?: number;
}

/** Records matching `search`, newest first, at most `limit`. */
export async function searchAuditRecords(
  db: Db,
  search: AuditSearch,
  limit: number,
): Promise<AuditRow[]> {
  let q = db.selectFrom("audit_log").selectAll();
  if (search.action !== undefined) q = q.where("action", "=", search.action);
  if (search.actorId !== undefined) q = q.where("actor_id", "=", search.actorId);
  if (search.targetType !== undefined) q = q.where("target_type", "=", search.targetType);
  if (search.targetId !== undefined) q = q.where("target_id", "=", search.targetId);
  if (search.from !== undefined) q = q.where("at", ">=", search.from);
  if (search.to !== undefined) q = q.where("at", "<", search.to);
  if (search.beforeSeq !== undefined) q = q.where("seq", "<", search.beforeSeq);
  return q.orderBy("seq", "desc").limit(limit).execute();
}

/** The details of the "takedown.acknowledged" records written since `since`. */
export async function takedownAcknowledgementsSince(
  db: Db,
  since: string,
): Promise<{ details_json: string }[]> {
  return db
    .selectFrom("audit_log")
    .select("details_json")
    .where("action", "=", "takedown.acknowledged")
    .where("at", ">=", since)
    .execute();
}
