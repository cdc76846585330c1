import type { Kysely, Transaction } from "kysely";
import type { Database, EmergencyTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** Stores a new emergency notice and the districts it covers. */
export async function insertEmergency(
  db: Db,
  row: EmergencyTable,
  districtIds: readonly string[],
): Promise<void> {
  await db.insertInto("emergencies").values(row).execute();
  await db
    .insertInto("emergency_districts")
    .values(districtIds.map((d) => ({ emergency_id: row.id, district_id: d })))
    .execute();
}

/** Marks a notice cleared at `at`. */
export async function clearEmergency(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable("emergencies").set({ cleared_at: at }).where("id", "=", id).execute();
}

/** Which notices to read: one by id, or those live at an instant (not cleared, not ended). */
export type EmergencyFilter = { id: string } | { liveAt: string };

/** Notices matching `filter`, newest first. */
export async function listEmergencies(db: Db, filter: EmergencyFilter) {
  let q = db.selectFrom("emergencies").selectAll("emergencies");
  if ("id" in filter) q = q.where("emergencies.id", "=", filter.id);
  else {
    const now = filter.liveAt;
    q = q
      .where("emergencies.cleared_at", "is", null)
      .where((eb) =>
        eb.or([eb("emergencies.ends_at", "is", null), eb("emergencies.ends_at", ">", now)]),
      );
  }
  return q.orderBy("emergencies.created_at", "desc").execute();
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
