import type { Insertable, Kysely, Transaction, Updateable } from "kysely";
import type { Database, EmergencyTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** Stores a new emergency notice and the districts it covers. */
export async function insertEmergency(
  db: Db,
  row: Insertable<EmergencyTable>,
  districtIds: readonly string[],
): Promise<void> {
  await db.insertInto("emergencies").values(row).execute();
  await db
    .insertInto("emergency_districts")
    .values(districtIds.map((d) => ({ emergency_id: row.id, district_id: d })))
    .execute();
}

/** Marks a notice cleared at `at`, unless it was cleared already; false when it was. */
export async function clearEmergency(db: Db, id: string, at: string): Promise<boolean> {
  const res = await db
    .updateTable("emergencies")
    .set({ cleared_at: at })
    .where("id", "=", id)
    .where("cleared_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Changes a notice's review (and, for a pull or an approval, when it runs), only while its review
 * state is one of `whileIn` and, with `uncleared`, while nobody has cleared it; false when not
 * (someone reviewed or cleared it meanwhile).
 */
export async function updateEmergency(
  db: Db,
  id: string,
  patch: Updateable<EmergencyTable>,
  whileIn: readonly EmergencyTable["review_state"]["__select__"][],
  { uncleared = false }: { uncleared?: boolean } = {},
): Promise<boolean> {
  let q = db
    .updateTable("emergencies")
    .set(patch)
    .where("id", "=", id)
    .where("review_state", "in", [...whileIn]);
  if (uncleared) q = q.where("cleared_at", "is", null);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Which notices to read: one by id; those live at an instant (not cleared, not ended), and of
 * those only the ones sent to screens (`sent`: not waiting for approval, not pulled); or those
 * waiting for a moderator (unreviewed or awaiting approval).
 */
export type EmergencyFilter =
  { id: string } | { liveAt: string; sent?: boolean } | { toReview: true };

/** Notices matching `filter`, newest first. */
export async function listEmergencies(db: Db, filter: EmergencyFilter) {
  let q = db.selectFrom("emergencies").selectAll("emergencies");
  if ("id" in filter) q = q.where("emergencies.id", "=", filter.id);
  else if ("toReview" in filter)
    q = q.where("emergencies.review_state", "in", ["unreviewed", "awaiting_approval"]);
  else {
    const now = filter.liveAt;
    q = q
      .where("emergencies.cleared_at", "is", null)
      .where((eb) =>
        eb.or([eb("emergencies.ends_at", "is", null), eb("emergencies.ends_at", ">", now)]),
      );
    // Screens never get a notice waiting for its second person, nor one pulled.
    if (filter.sent === true)
      q = q.where("emergencies.review_state", "not in", ["awaiting_approval", "pulled"]);
  }
  return q.orderBy("emergencies.created_at", "desc").execute();
}

/** The change-log events of one notice (its sending and clearing), oldest first. */
export async function emergencyChanges(
  db: Db,
  id: string,
): Promise<{ version: number; kind: string; at: string }[]> {
  const rows = await db
    .selectFrom("change_log")
    .select(["version", "kind", "at"])
    .where("entity_id", "=", id)
    .where("kind", "in", ["emergency.sent", "emergency.cleared"])
    .orderBy("version")
    .execute();
  return rows.map((r) => ({ version: Number(r.version), kind: r.kind, at: r.at }));
}

/** The districts each of these notices covers, as (notice, district) pairs. */
export async function emergencyDistrictLinks(
  db: Db,
  ids: readonly string[],
): Promise<{ emergency_id: string; district_id: string }[]> {
  return db
    .selectFrom("emergency_districts")
    .select(["emergency_id", "district_id"])
    .where("emergency_id", "in", [...ids])
    .execute();
}

/** Of these notices, those covering one of `districts` (sent to those districts' screens). */
export async function emergencyIdsCovering(
  db: Db,
  ids: readonly string[],
  districts: readonly string[],
): Promise<{ id: string }[]> {
  return db
    .selectFrom("emergency_districts")
    .select("emergency_id as id")
    .where("emergency_id", "in", [...ids])
    .where("district_id", "in", [...districts])
    .distinct()
    .execute();
}

/** The titles of these notices. */
export async function emergencyTitles(
  db: Db,
  ids: readonly string[],
): Promise<{ id: string; title: string }[]> {
  return db
    .selectFrom("emergencies")
    .select(["id", "title"])
    .where("id", "in", [...ids])
    .execute();
}
