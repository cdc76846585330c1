import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** Every stored wrapped data key, with its entry; read a page at a time by the caller. */
export function listWrappedKeys(
  db: Db,
  afterEntryId: string | undefined,
  limit: number,
): Promise<{ entry_id: string; wrapped: Buffer }[]> {
  let q = db.selectFrom("entry_keys").select(["entry_id", "wrapped"]);
  if (afterEntryId !== undefined) q = q.where("entry_id", ">", afterEntryId);
  return q.orderBy("entry_id", "asc").limit(limit).execute();
}

/** Replaces an entry's wrapped data key (key rotation). */
export async function replaceWrappedKey(db: Db, entryId: string, wrapped: Buffer): Promise<void> {
  await db.updateTable("entry_keys").set({ wrapped }).where("entry_id", "=", entryId).execute();
}

/** The sealed ID number of each entry that still has one and a fingerprint of it. */
export function listFingerprintedIds(
  db: Db,
): Promise<{ id: string; id_number_sealed: Buffer | null }[]> {
  return db
    .selectFrom("entries")
    .select(["id", "id_number_sealed"])
    .where("id_fingerprint", "is not", null)
    .orderBy("id", "asc")
    .execute();
}

/** Replaces an entry's ID fingerprint (null: it can no longer be computed). */
export async function replaceFingerprint(
  db: Db,
  entryId: string,
  fingerprint: string | null,
): Promise<void> {
  await db
    .updateTable("entries")
    .set({ id_fingerprint: fingerprint })
    .where("id", "=", entryId)
    .execute();
}

/** The last audit record's seq (0 for an empty log). */
export async function lastAuditSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom("audit_log")
    .select("seq")
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? 0 : Number(row.seq);
}

/** Records a retired audit chain key and the last record chained under it. */
export async function retireChainKey(
  db: Db,
  row: { lastSeq: number; chainKey: Buffer; keyId: string; at: string },
): Promise<void> {
  await db
    .insertInto("audit_chain_keys")
    .values({
      last_seq: row.lastSeq,
      chain_key: row.chainKey,
      key_id: row.keyId,
      retired_at: row.at,
    })
    .execute();
}

/**
 * Replaces an entry's wrapped data key only if it is still `was` (online rotation: the server
 * may have erased the entry meanwhile); true when it was replaced.
 */
export async function replaceWrappedKeyIf(
  db: Db,
  entryId: string,
  was: Buffer,
  wrapped: Buffer,
): Promise<boolean> {
  const r = await db
    .updateTable("entry_keys")
    .set({ wrapped })
    .where("entry_id", "=", entryId)
    .where("wrapped", "=", was)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A page of entries with an ID fingerprint: the sealed number, the fingerprint, the wrapped key. */
export function listFingerprintPage(
  db: Db,
  afterEntryId: string | undefined,
  limit: number,
): Promise<
  {
    id: string;
    id_number_sealed: Buffer | null;
    id_fingerprint: string | null;
    wrapped: Buffer | null;
  }[]
> {
  let q = db
    .selectFrom("entries")
    .leftJoin("entry_keys", "entry_keys.entry_id", "entries.id")
    .select(["entries.id", "id_number_sealed", "id_fingerprint", "entry_keys.wrapped"])
    .where("id_fingerprint", "is not", null);
  if (afterEntryId !== undefined) q = q.where("entries.id", ">", afterEntryId);
  return q.orderBy("entries.id", "asc").limit(limit).execute();
}

/**
 * Replaces an entry's ID fingerprint only if it is still `was` and its sealed number is still
 * `sealed` (online rotation: an edit meanwhile wins); true when it was replaced.
 */
export async function replaceFingerprintIf(
  db: Db,
  entryId: string,
  was: { fingerprint: string; sealed: Buffer | null },
  fingerprint: string | null,
): Promise<boolean> {
  let q = db
    .updateTable("entries")
    .set({ id_fingerprint: fingerprint })
    .where("id", "=", entryId)
    .where("id_fingerprint", "=", was.fingerprint);
  q =
    was.sealed === null
      ? q.where("id_number_sealed", "is", null)
      : q.where("id_number_sealed", "=", was.sealed);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
