import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import type { Database, EntryRow, ObjectionTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** An objection row as read. */
export type ObjectionRow = Selectable<ObjectionTable>;

/** An objection with what the queue shows of its entry. */
export type ObjectionListRow = Omit<
  ObjectionRow,
  "name_sealed" | "contact_sealed" | "text_sealed" | "document_sealed"
> & {
  masked_name: string;
  case_number: string;
  entry_state: EntryRow["state"];
  has_document: number;
};

/** Stores a new objection. */
export async function insertObjection(db: Db, row: Insertable<ObjectionTable>): Promise<void> {
  await db.insertInto("objections").values(row).execute();
}

/** How many objections an entry received since `since` (ISO instant). */
export async function countObjectionsSince(
  db: Db,
  entryId: string,
  since: string,
): Promise<number> {
  const r = await db
    .selectFrom("objections")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("entry_id", "=", entryId)
    .where("created_at", ">", since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/**
 * The reference of an objection that suspended the entry and is not decided yet (none: undefined):
 * while one holds it, the entry is not approved again.
 */
export async function suspendingObjection(db: Db, entryId: string): Promise<string | undefined> {
  const r = await db
    .selectFrom("objections")
    .select("reference")
    .where("entry_id", "=", entryId)
    .where("state", "=", "suspended")
    .orderBy("created_at")
    .executeTakeFirst();
  return r?.reference;
}

/** One objection by id, with its sealed columns. */
export async function getObjection(db: Db, id: string): Promise<ObjectionRow | undefined> {
  return db.selectFrom("objections").selectAll().where("id", "=", id).executeTakeFirst();
}

/** One objection by its reference, only if it belongs to the entry with `publicId`. */
export async function objectionByReference(db: Db, publicId: string, reference: string) {
  return db
    .selectFrom("objections")
    .innerJoin("entries", "entries.id", "objections.entry_id")
    .select([
      "objections.reference",
      "objections.state",
      "objections.created_at",
      "objections.decided_at",
      "objections.decision_reason",
    ])
    .where("objections.reference", "=", reference)
    .where("entries.public_id", "=", publicId)
    .executeTakeFirst();
}

/** Which objections the queue lists: by state, within districts, newest first. */
export interface ObjectionFilter {
  state?: ObjectionRow["state"];
  /** Only objections against entries listed in one of these districts; absent: all. */
  within?: ReadonlySet<string>;
  /** Only this one (the answer to a decision, the opened one). */
  id?: string;
  limit: number;
}

/** The queue: objections with their entry's masked name, case number and state. */
export async function listObjections(db: Db, f: ObjectionFilter): Promise<ObjectionListRow[]> {
  let q = db
    .selectFrom("objections")
    .innerJoin("entries", "entries.id", "objections.entry_id")
    .select((eb) => [
      "objections.id",
      "objections.entry_id",
      "objections.reference",
      "objections.state",
      "objections.document_mime",
      "objections.decision_reason",
      "objections.decided_by",
      "objections.decided_at",
      "objections.address_hash",
      "objections.created_at",
      "objections.erase_after",
      "entries.masked_name",
      "entries.case_number",
      "entries.state as entry_state",
      eb
        .case()
        .when("objections.document_sealed", "is not", null)
        .then(1)
        .else(0)
        .end()
        .as("has_document"),
    ]);
  if (f.state) q = q.where("objections.state", "=", f.state);
  if (f.id) q = q.where("objections.id", "=", f.id);
  if (f.within) {
    const within = [...f.within];
    if (within.length === 0) return [];
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom("entry_districts")
          .select("entry_districts.entry_id")
          .whereRef("entry_districts.entry_id", "=", "objections.entry_id")
          .where("entry_districts.district_id", "in", within),
      ),
    );
  }
  const rows = await q
    .orderBy("objections.created_at", "desc")
    .orderBy("objections.id", "desc")
    .limit(f.limit)
    .execute();
  return rows.map((r) => ({ ...r, has_document: Number(r.has_document) }));
}

/**
 * Moves an objection from one of `from` to `to`, recording who decided and when; false when it
 * is in none of them any more (someone decided first).
 */
export async function decideObjection(
  db: Db,
  id: string,
  from: readonly ObjectionRow["state"][],
  set: {
    state: ObjectionRow["state"];
    decided_by: string;
    decided_at: string;
    decision_reason: string | null;
  },
): Promise<boolean> {
  const r = await db
    .updateTable("objections")
    .set(set)
    .where("id", "=", id)
    .where("state", "in", [...from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Blanks the sealed data of the objections whose entry's data key is gone (the listing ended and
 * was erased) and sets when their rows go; returns how many were blanked.
 */
export async function blankObjectionsOfErasedEntries(db: Db, eraseAfter: string): Promise<number> {
  const r = await db
    .updateTable("objections")
    .set({
      name_sealed: null,
      contact_sealed: null,
      text_sealed: null,
      document_sealed: null,
      document_mime: null,
      erase_after: eraseAfter,
    })
    .where("erase_after", "is", null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("entry_keys")
            .select("entry_keys.entry_id")
            .whereRef("entry_keys.entry_id", "=", "objections.entry_id"),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Deletes the objections past their retention: those whose `erase_after` passed, and decided
 * ones (dismissed or forwarded) decided before `decidedBefore`. Returns how many.
 */
export async function deleteExpiredObjections(
  db: Db,
  now: string,
  decidedBefore: string,
): Promise<number> {
  const r = await db
    .deleteFrom("objections")
    .where((eb) =>
      eb.or([
        eb("erase_after", "<", now),
        eb.and([
          eb("state", "in", ["dismissed", "forwarded"]),
          eb("decided_at", "<", decidedBefore),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
