import type { Kysely, Transaction } from "kysely";
import type { Database, DistrictRow } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** Every district, parents before children is not guaranteed: callers build the tree. */
export async function listDistricts(db: Db): Promise<DistrictRow[]> {
  return db.selectFrom("districts").selectAll().orderBy("id").execute();
}

/** The given districts and all their descendants (whose screens inherit from them). */
export async function subtreeIdsOf(db: Db, ids: readonly string[]): Promise<string[]> {
  const all = await listDistricts(db);
  const children = new Map<string, string[]>();
  for (const d of all) {
    if (d.parent_id !== null)
      children.set(d.parent_id, [...(children.get(d.parent_id) ?? []), d.id]);
  }
  const out = new Set<string>();
  const stack = [...ids];
  while (stack.length > 0) {
    const id = stack.pop();
    if (id === undefined || out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return [...out];
}

/** One district. */
export async function getDistrict(db: Db, id: string): Promise<DistrictRow | undefined> {
  return db.selectFrom("districts").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Inserts a district. */
export async function insertDistrict(db: Db, row: DistrictRow): Promise<void> {
  await db.insertInto("districts").values(row).execute();
}

/** Replaces a district's settings. */
export async function updateDistrict(db: Db, row: DistrictRow): Promise<void> {
  const { id, created_at: _created, ...rest } = row;
  await db.updateTable("districts").set(rest).where("id", "=", id).execute();
}

/** The ids of existing districts among `ids`. */
export async function existingDistrictIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("districts")
    .select("id")
    .where("id", "in", [...ids])
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** A district's own schedule JSON, if it has one. */
export async function getOwnSchedule(db: Db, districtId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("schedules")
    .select("schedule_json")
    .where("district_id", "=", districtId)
    .executeTakeFirst();
  return row?.schedule_json;
}

/** Sets or replaces a district's own schedule. */
export async function putSchedule(
  db: Db,
  districtId: string,
  json: string,
  at: string,
): Promise<void> {
  await db
    .insertInto("schedules")
    .values({ district_id: districtId, schedule_json: json, updated_at: at })
    .onConflict((oc) =>
      oc.column("district_id").doUpdateSet({ schedule_json: json, updated_at: at }),
    )
    .execute();
}

/** Removes a district's own schedule, so it inherits its parent's again. */
export async function deleteSchedule(db: Db, districtId: string): Promise<boolean> {
  const r = await db
    .deleteFrom("schedules")
    .where("district_id", "=", districtId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
