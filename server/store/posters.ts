import type { Insertable, Kysely, Transaction, Updateable } from "kysely";
import { lastAttemptRunOut, leaseRunOut, type Interrupted, type JobLease } from "./leases";
import type { AnnouncementPosterTable, AnnouncementRow, Database } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** A poster as presenters join it into what screens and the console get (never its bytes). */
export interface PosterSummary {
  announcement_id: string;
  status: AnnouncementPosterTable["status"];
  faces: number;
  hash: string | null;
  mime: string | null;
  width: number | null;
  height: number | null;
  reason: string | null;
}

/** A poster row without its rendition bytes or sealed upload. */
export type PosterState = PosterSummary & {
  regions_json: string | null;
  detail_json: string | null;
  uploaded_by: string | null;
  attempts: number;
  updated_at: string;
};

/** The posters of these announcements, by announcement id (absent: no poster). */
export async function posterOf(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, PosterSummary>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("announcement_posters")
    .select(["announcement_id", "status", "faces", "hash", "mime", "width", "height", "reason"])
    .where("announcement_id", "in", [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.announcement_id, summary(r)]));
}

function summary(r: PosterSummary): PosterSummary {
  return {
    announcement_id: r.announcement_id,
    status: r.status,
    faces: Number(r.faces),
    hash: r.hash,
    mime: r.mime,
    width: r.width === null ? null : Number(r.width),
    height: r.height === null ? null : Number(r.height),
    reason: r.reason,
  };
}

/** One poster's state (no bytes), or undefined when the announcement has none. */
export async function posterState(db: Db, id: string): Promise<PosterState | undefined> {
  const r = await db
    .selectFrom("announcement_posters")
    .select([
      "announcement_id",
      "status",
      "faces",
      "hash",
      "mime",
      "width",
      "height",
      "reason",
      "regions_json",
      "detail_json",
      "uploaded_by",
      "attempts",
      "updated_at",
    ])
    .where("announcement_id", "=", id)
    .executeTakeFirst();
  return r ? { ...r, ...summary(r), attempts: Number(r.attempts) } : undefined;
}

/** A poster's result columns when it has no rendition (queued again, failed, new). */
export const NO_RENDITION = {
  hash: null,
  mime: null,
  width: null,
  height: null,
  bytes: null,
} as const;

/**
 * A poster row with nothing in it yet (no upload, regions, result, uploader or claim), queued
 * and written at `at`: what a new row is built from, with whatever it has on top.
 */
export function emptyPosterRow(
  announcementId: string,
  at: string,
): Insertable<AnnouncementPosterTable> {
  return {
    announcement_id: announcementId,
    status: "queued",
    raw_sealed: null,
    raw_mime: null,
    faces: 0,
    regions_json: null,
    detail_json: null,
    reason: null,
    ...NO_RENDITION,
    uploaded_by: null,
    attempts: 0,
    updated_at: at,
    claimed_by: null,
    lease_until: null,
  };
}

/** Stores a new upload for an announcement, replacing any poster it had (rendition included). */
export async function putPoster(db: Db, row: Insertable<AnnouncementPosterTable>): Promise<void> {
  await db
    .deleteFrom("announcement_posters")
    .where("announcement_id", "=", row.announcement_id)
    .execute();
  await db.insertInto("announcement_posters").values(row).execute();
}

/** Removes an announcement's poster (upload and rendition); whether it had one. */
export async function deletePoster(db: Db, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom("announcement_posters")
    .where("announcement_id", "=", id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Changes a poster only while it is in `status` (and, if given, was last written at
 * `updatedAt`, is claimed by `claimedBy`, and is one a recovery may take back as `interrupted`
 * says): a guarded write, so a replaced upload never receives an older result, nor a poster
 * taken back from a stalled process that process's.
 */
export async function updatePoster(
  db: Db,
  id: string,
  set: Updateable<AnnouncementPosterTable>,
  guard: {
    status: readonly AnnouncementPosterTable["status"][];
    updatedAt?: string;
    claimedBy?: string;
    interrupted?: Interrupted;
  },
): Promise<boolean> {
  let q = db
    .updateTable("announcement_posters")
    .set(set)
    .where("announcement_id", "=", id)
    .where("status", "in", [...guard.status]);
  if (guard.updatedAt !== undefined) q = q.where("updated_at", "=", guard.updatedAt);
  if (guard.claimedBy !== undefined) q = q.where("claimed_by", "=", guard.claimedBy);
  if (guard.interrupted !== undefined) q = q.where(leaseRunOut(guard.interrupted));
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Claims the oldest queued poster for the pipeline: marks it processing at `at` under `lease`
 * and counts the attempt. Undefined when none waits (or another process claimed it first).
 */
export async function claimNextPoster(
  db: Kysely<Database>,
  at: string,
  lease: JobLease,
): Promise<{ id: string; attempts: number; claimedAt: string } | undefined> {
  const next = await db
    .selectFrom("announcement_posters")
    .select(["announcement_id", "attempts", "updated_at"])
    .where("status", "=", "queued")
    .where("raw_sealed", "is not", null)
    .orderBy("updated_at")
    .orderBy("announcement_id")
    .limit(1)
    .executeTakeFirst();
  if (!next) return undefined;
  const attempts = Number(next.attempts) + 1;
  const claimed = await updatePoster(
    db,
    next.announcement_id,
    {
      status: "processing",
      attempts,
      updated_at: at,
      claimed_by: lease.owner,
      lease_until: lease.until,
    },
    { status: ["queued"], updatedAt: next.updated_at },
  );
  return claimed ? { id: next.announcement_id, attempts, claimedAt: at } : undefined;
}

/** Extends `lease.owner`'s claim on the posters among `ids` it still processes; how many. */
export async function renewPosterLeases(
  db: Db,
  ids: readonly string[],
  lease: JobLease,
): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db
    .updateTable("announcement_posters")
    .set({ lease_until: lease.until })
    .where("announcement_id", "in", [...ids])
    .where("status", "=", "processing")
    .where("claimed_by", "=", lease.owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Interrupted posters (processing, taken back as `which` says) that had used `maxAttempts`. */
export async function interruptedPostersOutOfAttempts(
  db: Db,
  maxAttempts: number,
  which: Interrupted,
): Promise<{ id: string; attempts: number }[]> {
  const rows = await db
    .selectFrom("announcement_posters")
    .select(["announcement_id", "attempts"])
    .where("status", "=", "processing")
    .where(lastAttemptRunOut(which, maxAttempts))
    .orderBy("announcement_id")
    .execute();
  return rows.map((r) => ({ id: r.announcement_id, attempts: Number(r.attempts) }));
}

/**
 * Puts posters left processing by a stopped process (as `which` says: lease run out, or its
 * process gone) back in the queue; a live process's are left to it. How many.
 */
export async function requeueInterruptedPosters(
  db: Db,
  at: string,
  which: Interrupted,
): Promise<number> {
  const r = await db
    .updateTable("announcement_posters")
    .set({ status: "queued", updated_at: at, claimed_by: null, lease_until: null })
    .where("status", "=", "processing")
    .where(leaseRunOut(which))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A poster's sealed upload, or undefined when it has none (erased, or no poster). */
export async function sealedPosterUpload(db: Db, id: string): Promise<Buffer | undefined> {
  const r = await db
    .selectFrom("announcement_posters")
    .select("raw_sealed")
    .where("announcement_id", "=", id)
    .executeTakeFirst();
  return r?.raw_sealed ?? undefined;
}

/** Whether a poster still holds its sealed upload (false once erased, or with no poster). */
export async function posterUploadKept(db: Db, id: string): Promise<boolean> {
  const r = await db
    .selectFrom("announcement_posters")
    .select("announcement_id")
    .where("announcement_id", "=", id)
    .where("raw_sealed", "is not", null)
    .executeTakeFirst();
  return r !== undefined;
}

/** A poster's redacted rendition (never the upload), when it has one. */
export async function posterRendition(
  db: Db,
  id: string,
): Promise<{ hash: string; mime: string; bytes: Buffer } | undefined> {
  const r = await db
    .selectFrom("announcement_posters")
    .select(["hash", "mime", "bytes"])
    .where("announcement_id", "=", id)
    .executeTakeFirst();
  return r?.hash && r.mime && r.bytes ? { hash: r.hash, mime: r.mime, bytes: r.bytes } : undefined;
}

/** The announcements whose poster has the rendition `hash`, with what a screen's rule needs. */
export async function posterHolders(
  db: Db,
  hash: string,
): Promise<
  {
    announcement_id: string;
    status: AnnouncementPosterTable["status"];
    state: AnnouncementRow["state"];
    screen_tags_json: string;
  }[]
> {
  return db
    .selectFrom("announcement_posters as p")
    .innerJoin("announcements as a", "a.id", "p.announcement_id")
    .select(["p.announcement_id", "p.status", "a.state", "a.screen_tags_json"])
    .where("p.hash", "=", hash)
    .execute();
}

/** The rendition bytes behind `hash`, from any poster holding it. */
export async function posterBytesByHash(
  db: Db,
  hash: string,
): Promise<{ mime: string; bytes: Buffer } | undefined> {
  const r = await db
    .selectFrom("announcement_posters")
    .select(["mime", "bytes"])
    .where("hash", "=", hash)
    .where("bytes", "is not", null)
    .limit(1)
    .executeTakeFirst();
  return r?.mime && r.bytes ? { mime: r.mime, bytes: r.bytes } : undefined;
}
