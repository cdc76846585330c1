import type { Kysely, Selectable, Transaction } from "kysely";
import { subtreeIdsOf } from "./districts";
import type { Database, ScreenshotTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** A screenshot request as read, without its picture's bytes. */
export type ScreenshotRow = Omit<Selectable<ScreenshotTable>, "image">;

const META = [
  "id",
  "screen_id",
  "district_id",
  "requested_by",
  "requested_at",
  "state",
  "unavailable",
  "reason",
  "received_at",
  "width",
  "height",
  "bytes",
] as const;

/** Records a new request (state `requested`). */
export async function insertScreenshot(
  db: Db,
  row: Pick<ScreenshotRow, "id" | "screen_id" | "district_id" | "requested_by" | "requested_at">,
): Promise<void> {
  await db
    .insertInto("screenshots")
    .values({
      ...row,
      state: "requested",
      unavailable: null,
      reason: null,
      received_at: null,
      width: null,
      height: null,
      bytes: null,
      image: null,
    })
    .execute();
}

/** One request, without its picture. */
export async function getScreenshot(db: Db, id: string): Promise<ScreenshotRow | undefined> {
  return db.selectFrom("screenshots").select(META).where("id", "=", id).executeTakeFirst();
}

/** A received request's picture (JPEG bytes); undefined when it has none. */
export async function getScreenshotImage(db: Db, id: string): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom("screenshots")
    .select("image")
    .where("id", "=", id)
    .where("state", "=", "received")
    .executeTakeFirst();
  return row?.image ?? undefined;
}

/** A screen's latest requests, newest first. */
export async function listScreenshots(
  db: Db,
  screenId: string,
  limit: number,
): Promise<ScreenshotRow[]> {
  return db
    .selectFrom("screenshots")
    .select(META)
    .where("screen_id", "=", screenId)
    .orderBy("requested_at", "desc")
    .orderBy("id")
    .limit(limit)
    .execute();
}

/**
 * Stores the picture of a request still waiting for `screenId`; false when there is none (another
 * screen's, already answered, timed out). Guarded in SQL, so two answers cannot both land.
 */
export async function receiveScreenshot(
  db: Db,
  id: string,
  screenId: string,
  picture: { image: Buffer; width: number; height: number; at: string },
): Promise<boolean> {
  const r = await db
    .updateTable("screenshots")
    .set({
      state: "received",
      received_at: picture.at,
      image: picture.image,
      width: picture.width,
      height: picture.height,
      bytes: picture.image.length,
    })
    .where("id", "=", id)
    .where("screen_id", "=", screenId)
    .where("state", "=", "requested")
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Marks a request still waiting as unavailable (only one of `screenId`'s, when given); false when
 * there is none such.
 */
export async function markScreenshotUnavailable(
  db: Db,
  id: string,
  why: { kind: "no_answer" | "not_connected" | "kiosk"; reason: string | null; at: string },
  screenId?: string,
): Promise<boolean> {
  let q = db
    .updateTable("screenshots")
    .set({ state: "unavailable", unavailable: why.kind, reason: why.reason, received_at: why.at })
    .where("id", "=", id)
    .where("state", "=", "requested");
  if (screenId !== undefined) q = q.where("screen_id", "=", screenId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Requests asked before `before` and never answered: now unavailable ("no_answer"). */
export async function expireUnansweredScreenshots(
  db: Db,
  before: string,
  at: string,
): Promise<number> {
  const r = await db
    .updateTable("screenshots")
    .set({ state: "unavailable", unavailable: "no_answer", received_at: at })
    .where("state", "=", "requested")
    .where("requested_at", "<", before)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes every request (and picture) asked before `before`; returns how many. */
export async function deleteScreenshotsBefore(db: Db, before: string): Promise<number> {
  const r = await db
    .deleteFrom("screenshots")
    .where("requested_at", "<", before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Deletes the pictures that may show content of `districtIds` (or of their sub-districts, whose
 * screens show it too): those asked at or before `at` of a screen that was in one of them when
 * asked, or is in one now. Returns how many requests were deleted.
 */
export async function deleteScreenshotsOfDistricts(
  db: Db,
  districtIds: readonly string[],
  at: string,
): Promise<number> {
  if (districtIds.length === 0) return 0;
  const subtree = await subtreeIdsOf(db, districtIds);
  const r = await db
    .deleteFrom("screenshots")
    .where("requested_at", "<=", at)
    .where((eb) =>
      eb.or([
        eb("district_id", "in", subtree),
        eb(
          "screen_id",
          "in",
          eb.selectFrom("screens").select("id").where("district_id", "in", subtree),
        ),
      ]),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
