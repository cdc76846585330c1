import { sql, type Kysely, type Transaction, type Updateable } from "kysely";
import { lastAttemptRunOut, leaseRunOut, type Interrupted, type JobLease } from "./leases";
import type {
  Database,
  EntryRow,
  EntryTable,
  NewEntryRow,
  RedactionResultTable,
  RenditionTable,
} from "./schema";
import type { RevisionField } from "../../shared/schemas/moderation";
import { deleteScreenshotsOfDistricts } from "./screenshots";
import { parseScope } from "./changeLog";

type Db = Kysely<Database> | Transaction<Database>;

/** Filters of the entry list; every one optional. */
export interface EntryFilter {
  kind?: EntryRow["kind"];
  state?: EntryRow["state"];
  districtId?: string;
  /** Only entries shown in at least one of these districts (the reader's scope). */
  withinDistricts?: readonly string[];
  /** Oldest first (the review queue) instead of newest first. */
  oldestFirst?: boolean;
  /** Matches case number or masked name (substring). */
  q?: string;
  limit: number;
  /** Keyset cursor: the last row of the previous page. */
  after?: { createdAt: string; id: string };
}

/** Stores a new entry and its districts. */
export async function insertEntry(
  db: Db,
  row: NewEntryRow,
  districtIds: readonly string[],
): Promise<void> {
  await db.insertInto("entries").values(row).execute();
  await db
    .insertInto("entry_districts")
    .values([...new Set(districtIds)].map((d) => ({ entry_id: row.id, district_id: d })))
    .execute();
}

/** The entry with this case number at this court, if any (the identity of a case). */
export async function findEntryByCase(
  db: Db,
  caseNumber: string,
  court: string,
): Promise<EntryRow | undefined> {
  return db
    .selectFrom("entries")
    .selectAll()
    .where("case_number", "=", caseNumber)
    .where("court", "=", court)
    .executeTakeFirst();
}

/** One entry by id. */
export async function getEntry(db: Db, id: string): Promise<EntryRow | undefined> {
  return db.selectFrom("entries").selectAll().where("id", "=", id).executeTakeFirst();
}

/** District ids of each given entry. */
export async function districtsOf(db: Db, ids: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (ids.length === 0) return map;
  const rows = await db
    .selectFrom("entry_districts")
    .select(["entry_id", "district_id"])
    .where("entry_id", "in", [...ids])
    .orderBy("district_id")
    .execute();
  for (const r of rows) map.set(r.entry_id, [...(map.get(r.entry_id) ?? []), r.district_id]);
  return map;
}

/** A page of entries, newest first, by keyset so deep pages stay fast. */
export async function listEntries(db: Db, f: EntryFilter): Promise<EntryRow[]> {
  let q = db.selectFrom("entries").selectAll("entries");
  if (f.kind) q = q.where("entries.kind", "=", f.kind);
  if (f.state) q = q.where("entries.state", "=", f.state);
  if (f.districtId) {
    const districtId = f.districtId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom("entry_districts")
          .select(sql`1`.as("one"))
          .whereRef("entry_districts.entry_id", "=", "entries.id")
          .where("entry_districts.district_id", "=", districtId),
      ),
    );
  }
  if (f.withinDistricts) {
    const within = [...f.withinDistricts];
    if (within.length === 0) return [];
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom("entry_districts")
          .select(sql`1`.as("one"))
          .whereRef("entry_districts.entry_id", "=", "entries.id")
          .where("entry_districts.district_id", "in", within),
      ),
    );
  }
  if (f.q) {
    // LIKE wildcards in the search text are literal characters, not patterns.
    const pattern = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb("entries.case_number", "like", sql<string>`${pattern} escape '\\'`),
        eb("entries.masked_name", "like", sql<string>`${pattern} escape '\\'`),
      ]),
    );
  }
  const dir = f.oldestFirst ? "asc" : "desc";
  if (f.after) {
    const { createdAt, id } = f.after;
    const past = f.oldestFirst ? ">" : "<";
    q = q.where((eb) =>
      eb.or([
        eb("entries.created_at", past, createdAt),
        eb.and([eb("entries.created_at", "=", createdAt), eb("entries.id", past, id)]),
      ]),
    );
  }
  return q.orderBy("entries.created_at", dir).orderBy("entries.id", dir).limit(f.limit).execute();
}

/** Stores the sealed raw photo of an entry. */
export async function saveRawPhoto(
  db: Db,
  entryId: string,
  sealed: Buffer,
  at: string,
): Promise<void> {
  await db.insertInto("raw_photos").values({ entry_id: entryId, sealed, created_at: at }).execute();
}

/** The sealed raw photo of an entry, if it still has one. */
export async function loadRawPhoto(db: Db, entryId: string): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom("raw_photos")
    .select("sealed")
    .where("entry_id", "=", entryId)
    .executeTakeFirst();
  return row?.sealed;
}

/** Stores an entry's data key, wrapped by the master key. */
export async function saveEntryKey(
  db: Db,
  entryId: string,
  wrapped: Buffer,
  at: string,
): Promise<void> {
  await db
    .insertInto("entry_keys")
    .values({ entry_id: entryId, wrapped, created_at: at })
    .execute();
}

/** The wrapped data key of an entry; undefined once its listing ended (erased). */
export async function loadEntryKey(db: Db, entryId: string): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom("entry_keys")
    .select("wrapped")
    .where("entry_id", "=", entryId)
    .executeTakeFirst();
  return row?.wrapped;
}

/** The sealed full name and ID number of an entry (null when erased or absent). */
export async function loadSealedIdentity(
  db: Db,
  entryId: string,
): Promise<{ fullName: Buffer | null; idNumber: Buffer | null } | undefined> {
  const row = await db
    .selectFrom("entries")
    .select(["full_name_sealed", "id_number_sealed"])
    .where("id", "=", entryId)
    .executeTakeFirst();
  return row && { fullName: row.full_name_sealed, idNumber: row.id_number_sealed };
}

/**
 * Erases an entry's raw data, in the caller's transaction with its state change: the wrapped
 * data key (crypto-erasure), the sealed photo, full name and ID number, the ID fingerprint, the
 * legal representative's name, and the redacted renditions with their redaction result.
 * The masked name and the audit records stay as the record; the screens' pictures that may show
 * it (store/screenshots.ts), in any district it was ever sent to, go too.
 */
export async function deleteRawData(db: Db, entryId: string): Promise<void> {
  await db.deleteFrom("entry_keys").where("entry_id", "=", entryId).execute();
  await db.deleteFrom("raw_photos").where("entry_id", "=", entryId).execute();
  // A rendition covers only the faces: body, clothes and background are the raw photo's own
  // pixels, in clear. Nothing shows an ended entry's photo, so they go with the rest.
  await db.deleteFrom("renditions").where("entry_id", "=", entryId).execute();
  await db.deleteFrom("redaction_results").where("entry_id", "=", entryId).execute();
  await db
    .updateTable("entries")
    // The legal representative is a natural person named in full: erased with the rest.
    .set({
      full_name_sealed: null,
      id_number_sealed: null,
      id_fingerprint: null,
      legal_representative: null,
    })
    .where("id", "=", entryId)
    .execute();
  // Pictures of the screens of its districts, taken until now, may show it: erased with it.
  // Its districts now, and every district it went to before an edit took it away (the scope of
  // each of its change-log events).
  const districts = await db
    .selectFrom("entry_districts")
    .select("district_id")
    .where("entry_id", "=", entryId)
    .execute();
  const events = await db
    .selectFrom("change_log")
    .select("scope_json")
    .where("entity_id", "=", entryId)
    .where("scope_json", "is not", null)
    .execute();
  const everywhere = new Set(districts.map((d) => d.district_id));
  for (const e of events)
    for (const id of parseScope(e.scope_json)?.districtIds ?? []) everywhere.add(id);
  await deleteScreenshotsOfDistricts(db, [...everywhere], new Date().toISOString());
}

/** How many recent revisions an entry remembers the changed fields of. */
const REVISION_HISTORY = 20;

/** One remembered revision: what it changed, who changed it (null: the system) and when. */
export interface RevisionChange {
  revision: number;
  fields: string[];
  by: string | null;
  at: string;
}

/**
 * Marks a change of what a screen shows or what decides it: the entry's revision goes up by
 * one, so an approval of the previous revision is refused, and `fields` (the names the console
 * words) are remembered with who changed them, for the review queue. `by` joins the entry's
 * changers, who may not approve it until another moderator has (four eyes). Call it in the
 * transaction that makes the change.
 */
export async function bumpRevision(
  db: Db,
  entryId: string,
  fields: readonly RevisionField[],
  by: string | null,
  at: string,
): Promise<void> {
  // The increment takes the row lock first (PostgreSQL), so the history is read as it stands.
  await db
    .updateTable("entries")
    .set((eb) => ({ revision: eb("revision", "+", 1) }))
    .where("id", "=", entryId)
    .execute();
  const row = await db
    .selectFrom("entries")
    .select(["revision", "revision_changes_json", "changed_by_json"])
    .where("id", "=", entryId)
    .executeTakeFirst();
  if (!row) return;
  const remembered = parseRevisionChanges(row.revision_changes_json);
  const history = [
    ...remembered,
    {
      revision: Number(row.revision),
      fields: [...new Set(fields)],
      by,
      at,
    },
  ].slice(-REVISION_HISTORY);
  // The changers are kept whole until an approval: the history above forgets, and four eyes
  // must not. A list that does not read is rebuilt from what the history still names.
  const changers =
    by === null
      ? undefined
      : new Set([
          ...(parseChangedBy(row.changed_by_json) ??
            remembered.flatMap((c) => (c.by === null ? [] : [c.by]))),
          by,
        ]);
  await db
    .updateTable("entries")
    .set({
      revision_changes_json: JSON.stringify(history),
      ...(changers ? { changed_by_json: JSON.stringify([...changers]) } : {}),
    })
    .where("id", "=", entryId)
    .execute();
}

/**
 * The stored list of who changed an entry since its last approval; undefined when it does not
 * read, so four eyes can fail closed rather than clear anyone.
 */
export function parseChangedBy(json: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return undefined;
    const ids = value.filter((v: unknown): v is string => typeof v === "string");
    return ids.length === value.length ? ids : undefined;
  } catch {
    return undefined;
  }
}

/** The stored history of revisions; anything unreadable counts as none. */
export function parseRevisionChanges(json: string | null): RevisionChange[] {
  if (json === null) return [];
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return [];
    return value.flatMap((v: unknown) => {
      if (typeof v !== "object" || v === null) return [];
      const { revision, fields, by, at } = v as Record<string, unknown>;
      return typeof revision === "number" && Array.isArray(fields)
        ? [
            {
              revision,
              fields: fields.filter((f): f is string => typeof f === "string"),
              by: typeof by === "string" ? by : null,
              at: typeof at === "string" ? at : "",
            },
          ]
        : [];
    });
  } catch {
    return [];
  }
}

/**
 * The fields changed after `seen`, as far as the history remembers; `["unknown"]` when the
 * history no longer reaches back that far.
 */
export function fieldsChangedSince(
  row: Pick<EntryRow, "revision" | "revision_changes_json">,
  seen: number,
): string[] {
  const history = parseRevisionChanges(row.revision_changes_json).filter((c) => c.revision > seen);
  const remembered = history.length;
  const expected = Number(row.revision) - seen;
  const fields = [...new Set(history.flatMap((c) => c.fields))];
  return remembered < expected ? [...fields, "unknown"] : fields;
}

/** Puts a redaction job on the persistent queue. */
export async function enqueueRedaction(db: Db, entryId: string, at: string): Promise<void> {
  await db
    .insertInto("redaction_jobs")
    .values({
      entry_id: entryId,
      state: "queued",
      last_error: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db
    .updateTable("entries")
    .set({ redaction_status: "queued", updated_at: at })
    .where("id", "=", entryId)
    .execute();
}

/**
 * Takes the oldest queued job, marking it running under `lease`; undefined when the queue is
 * empty. A claim without a lease counts as expired at once (any start-up takes it back).
 */
export async function claimNextJob(
  db: Kysely<Database>,
  at: string,
  lease?: JobLease,
): Promise<{ id: number; entryId: string; attempts: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    const job = await trx
      .selectFrom("redaction_jobs")
      .select(["id", "entry_id", "attempts"])
      .where("state", "=", "queued")
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
    if (!job) return undefined;
    const claimed = await trx
      .updateTable("redaction_jobs")
      .set({
        state: "running",
        attempts: job.attempts + 1,
        updated_at: at,
        claimed_by: lease?.owner ?? null,
        lease_until: lease?.until ?? null,
      })
      .where("id", "=", job.id)
      .where("state", "=", "queued")
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return undefined;
    await trx
      .updateTable("entries")
      .set({ redaction_status: "processing", updated_at: at })
      .where("id", "=", job.entry_id)
      .execute();
    return { id: Number(job.id), entryId: job.entry_id, attempts: job.attempts + 1 };
  });
}

/** Extends the lease of `owner`'s running jobs among `ids`; how many it still holds. */
export async function renewJobLeases(
  db: Db,
  ids: readonly number[],
  lease: JobLease,
): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db
    .updateTable("redaction_jobs")
    .set({ lease_until: lease.until })
    .where("id", "in", [...ids])
    .where("state", "=", "running")
    .where("claimed_by", "=", lease.owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Interrupted jobs (running, taken back as `which` says) that had used `maxAttempts` or more. */
export async function interruptedJobsOutOfAttempts(
  db: Db,
  maxAttempts: number,
  which: Interrupted,
): Promise<{ id: number; entryId: string; attempts: number }[]> {
  const rows = await db
    .selectFrom("redaction_jobs")
    .select(["id", "entry_id", "attempts"])
    .where("state", "=", "running")
    .where(lastAttemptRunOut(which, maxAttempts))
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ id: Number(r.id), entryId: r.entry_id, attempts: r.attempts }));
}

/**
 * Jobs left running by a stopped process (as `which` says) go back on the queue; those of a live
 * process (lease still held) are left to it. Without `which`, every expired lease at `at`.
 */
export async function requeueInterruptedJobs(
  db: Db,
  at: string,
  which: Interrupted = { now: at },
): Promise<number> {
  const r = await db
    .updateTable("redaction_jobs")
    .set({ state: "queued", updated_at: at, claimed_by: null, lease_until: null })
    .where("state", "=", "running")
    .where(leaseRunOut(which))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Marks a job finished or failed. Only a job still running may settle (one superseded meanwhile
 * by a new photo must not), and only by who holds it: `owner`'s claim, or, for a job taken back
 * from a stopped process, the same condition as the taking back (`Interrupted`).
 */
export async function finishJob(
  db: Db,
  id: number,
  state: "done" | "failed" | "queued",
  at: string,
  error: string | undefined,
  holder: { owner: string } | { interrupted: Interrupted },
): Promise<boolean> {
  let q = db
    .updateTable("redaction_jobs")
    .set({ state, updated_at: at, last_error: error ?? null, claimed_by: null, lease_until: null })
    .where("id", "=", id)
    .where("state", "=", "running");
  q =
    "owner" in holder
      ? q.where("claimed_by", "=", holder.owner)
      : q.where(leaseRunOut(holder.interrupted));
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks an entry's open redaction jobs superseded (its photo was replaced). */
export async function supersedeJobs(db: Db, entryId: string, at: string): Promise<void> {
  await db
    .updateTable("redaction_jobs")
    .set({ state: "superseded", updated_at: at, last_error: "superseded by a new photo" })
    .where("entry_id", "=", entryId)
    .where("state", "in", ["queued", "running"])
    .execute();
}

/** Records a redaction outcome and replaces the entry's renditions. */
export async function saveRedactionOutcome(
  db: Db,
  result: RedactionResultTable,
  renditions: readonly RenditionTable[],
  entryUpdate: {
    redaction_status: EntryRow["redaction_status"];
    redaction_reason: string | null;
    redaction_concerns_json: string | null;
    updated_at: string;
  },
): Promise<void> {
  await db.deleteFrom("redaction_results").where("entry_id", "=", result.entry_id).execute();
  await db.insertInto("redaction_results").values(result).execute();
  await db.deleteFrom("renditions").where("entry_id", "=", result.entry_id).execute();
  if (renditions.length > 0)
    await db
      .insertInto("renditions")
      .values([...renditions])
      .execute();
  await db.updateTable("entries").set(entryUpdate).where("id", "=", result.entry_id).execute();
  // What the moderator sees (the rendition, the verdict, the concerns) changed with it.
  await bumpRevision(db, result.entry_id, ["redaction"], null, result.completed_at);
}

/** One rendition of an entry with its bytes. */
export async function renditionBytes(db: Db, entryId: string, variant: "display" | "thumb") {
  return db
    .selectFrom("renditions")
    .select(["hash", "mime", "bytes"])
    .where("entry_id", "=", entryId)
    .where("variant", "=", variant)
    .executeTakeFirst();
}

/** The stored redaction outcomes of some entries. */
export async function redactionResultsOf(db: Db, entryIds: readonly string[]) {
  if (entryIds.length === 0) return [];
  return db
    .selectFrom("redaction_results")
    .selectAll()
    .where("entry_id", "in", [...entryIds])
    .execute();
}

/** Rendition metadata of an entry (no bytes). */
export async function renditionsOf(db: Db, entryId: string) {
  return db
    .selectFrom("renditions")
    .select(["hash", "variant", "mime", "width", "height"])
    .where("entry_id", "=", entryId)
    .execute();
}

/**
 * Of these entries, those published at some time and listed in one of `districts` (so they were
 * sent to those districts' screens).
 */
export async function publishedEntryIdsIn(
  db: Db,
  entryIds: readonly string[],
  districts: readonly string[],
): Promise<{ id: string }[]> {
  return db
    .selectFrom("entry_districts")
    .select("entry_districts.entry_id as id")
    .where("entry_districts.entry_id", "in", [...entryIds])
    .where("entry_districts.district_id", "in", [...districts])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("change_log")
          .select("change_log.version")
          .whereRef("change_log.entity_id", "=", "entry_districts.entry_id")
          .where("change_log.kind", "=", "entry.published"),
      ),
    )
    .distinct()
    .execute();
}

/** The masked names of these entries (never a full name: reports show these). */
export async function maskedNamesOf(
  db: Db,
  ids: readonly string[],
): Promise<{ id: string; masked_name: string }[]> {
  return db
    .selectFrom("entries")
    .select(["id", "masked_name"])
    .where("id", "in", [...ids])
    .execute();
}

/** The districts one entry is listed in. */
export async function districtIdsOfEntry(db: Db, entryId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("entry_districts")
    .select("district_id")
    .where("entry_id", "=", entryId)
    .execute();
  return rows.map((d) => d.district_id);
}

/**
 * Changes an entry only while it is still in `state` (it was read before the transaction, and
 * an end or a review that landed since must not be undone); false when it was not.
 */
export async function updateEntryInState(
  db: Db,
  id: string,
  state: EntryRow["state"],
  set: Updateable<EntryTable>,
): Promise<boolean> {
  const done = await db
    .updateTable("entries")
    .set(set)
    .where("id", "=", id)
    .where("state", "=", state)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Replaces the districts an entry is listed in. */
export async function replaceEntryDistricts(
  db: Db,
  entryId: string,
  districtIds: readonly string[],
): Promise<void> {
  await db.deleteFrom("entry_districts").where("entry_id", "=", entryId).execute();
  await db
    .insertInto("entry_districts")
    .values([...new Set(districtIds)].map((d) => ({ entry_id: entryId, district_id: d })))
    .execute();
}

/** Deletes an entry's raw photo, its renditions and its redaction outcome (a new photo comes). */
export async function deletePhotoAndRenditions(db: Db, entryId: string): Promise<void> {
  await db.deleteFrom("raw_photos").where("entry_id", "=", entryId).execute();
  await db.deleteFrom("renditions").where("entry_id", "=", entryId).execute();
  await db.deleteFrom("redaction_results").where("entry_id", "=", entryId).execute();
}

/**
 * Approves an entry exactly as reviewed: still pending review, at `revision`, and unchanged
 * since `updatedAt` (an edit in between changes it); false when it was not.
 */
export async function approveEntry(
  db: Db,
  id: string,
  review: { by: string; at: string; revision: number; updatedAt: string },
): Promise<boolean> {
  const { by, at, revision, updatedAt } = review;
  const done = await db
    .updateTable("entries")
    .set({
      state: "approved",
      reviewed_by: by,
      reviewed_at: at,
      review_note: null,
      // Only an approval clears the changers (four eyes); a rejection leaves them.
      changed_by_json: "[]",
      updated_at: at,
    })
    .where("id", "=", id)
    .where("state", "=", "pending_review")
    .where("revision", "=", revision)
    .where("updated_at", "=", updatedAt)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Notes the change-log version an entry was published at. */
export async function setPublishedVersion(db: Db, id: string, version: number): Promise<void> {
  await db
    .updateTable("entries")
    .set({ published_version: version })
    .where("id", "=", id)
    .execute();
}

/** Rejects an entry still pending review; false when it was not. */
export async function rejectEntry(
  db: Db,
  id: string,
  by: string,
  at: string,
  reason: string,
): Promise<boolean> {
  const done = await db
    .updateTable("entries")
    .set({
      state: "rejected",
      reviewed_by: by,
      reviewed_at: at,
      review_note: reason,
      updated_at: at,
    })
    .where("id", "=", id)
    .where("state", "=", "pending_review")
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Revokes an entry not yet ended (`reason`: the revoke input as JSON); false when it had. */
export async function revokeEntry(
  db: Db,
  id: string,
  by: string,
  at: string,
  reason: string,
): Promise<boolean> {
  const done = await db
    .updateTable("entries")
    .set({
      state: "revoked",
      revoked_by: by,
      revoked_at: at,
      revoke_reason: reason,
      updated_at: at,
    })
    .where("id", "=", id)
    .where("state", "not in", ["revoked", "expired"])
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Sets where an entry's redaction stands. */
export async function setRedactionStatus(
  db: Db,
  id: string,
  set: Pick<EntryRow, "redaction_status" | "updated_at"> &
    Partial<Pick<EntryRow, "redaction_reason">>,
): Promise<void> {
  await db.updateTable("entries").set(set).where("id", "=", id).execute();
}

/** How a moderator asked an entry's photo to be treated, and who it shows. */
export async function redactionSettingsOf(db: Db, id: string) {
  return db
    .selectFrom("entries")
    .select(["manual_regions_json", "crop_json", "cover_all", "subject_type"])
    .where("id", "=", id)
    .executeTakeFirst();
}

// States an entry never leaves: its listing has ended.
const ENDED = ["revoked", "expired"] as const;

/**
 * Entries not yet ended with an expiry date up to `horizon`, a row per district with its time
 * zone (null: no district).
 */
export async function unendedEntriesExpiringBy(db: Db, horizon: string) {
  return db
    .selectFrom("entries")
    .leftJoin("entry_districts", "entry_districts.entry_id", "entries.id")
    .leftJoin("districts", "districts.id", "entry_districts.district_id")
    .select(["entries.id", "entries.expiry_date", "districts.time_zone"])
    .where("entries.state", "not in", ENDED)
    .where("entries.expiry_date", "<=", horizon)
    .execute();
}

/** An entry's expiry date, a row per district with its time zone (none: no such entry). */
export async function expiryDateAndZonesOf(db: Db, id: string) {
  return db
    .selectFrom("entries")
    .leftJoin("entry_districts", "entry_districts.entry_id", "entries.id")
    .leftJoin("districts", "districts.id", "entry_districts.district_id")
    .select(["entries.expiry_date", "districts.time_zone"])
    .where("entries.id", "=", id)
    .execute();
}

/**
 * Expires an entry not yet ended whose expiry date is still `expiryDate` (an edit may have
 * moved it); false when it was not.
 */
export async function expireEntry(
  db: Db,
  id: string,
  expiryDate: string,
  at: string,
): Promise<boolean> {
  const done = await db
    .updateTable("entries")
    .set({ state: "expired", updated_at: at })
    .where("id", "=", id)
    .where("state", "not in", ENDED)
    .where("expiry_date", "=", expiryDate)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}
