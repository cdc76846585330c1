import type { Kysely, Transaction } from "kysely";
import {
  NO_REVIEWED_SETTINGS,
  ReviewedSettingsSchema,
  type ReviewedSettings,
} from "../../shared/schemas/district";
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

/**
 * Replaces a district's settings, only while its review is as read (`seen`: an approval
 * committing meanwhile makes it fail); whether it did.
 */
export async function updateDistrict(
  db: Db,
  row: DistrictRow,
  seen: DistrictRow,
): Promise<boolean> {
  const { id, created_at: _created, ...rest } = row;
  let q = db
    .updateTable("districts")
    .set(rest)
    .where("id", "=", id)
    .where("settings_changers_json", "=", seen.settings_changers_json);
  q =
    seen.settings_approved_json === null
      ? q.where("settings_approved_json", "is", null)
      : q.where("settings_approved_json", "=", seen.settings_approved_json);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A district's contest line and emergency setting as saved. */
export function savedSettingsOf(
  row: Pick<DistrictRow, "contest_text" | "contest_url" | "contest_contact" | "emergency_approval">,
): ReviewedSettings {
  return {
    contestText: row.contest_text.trim(),
    contestUrl: row.contest_url,
    contestContact: (row.contest_contact ?? "").trim(),
    emergencyApproval: row.emergency_approval,
  };
}

/** A district's contest line and emergency setting as a second person last approved them. */
export function approvedSettingsOf(
  row: Pick<DistrictRow, "settings_approved_json">,
): ReviewedSettings {
  if (row.settings_approved_json === null) return NO_REVIEWED_SETTINGS;
  return ReviewedSettingsSchema.parse(JSON.parse(row.settings_approved_json));
}

/** Who saved a district's settings since their last approval (user ids). */
export function settingsChangersOf(row: Pick<DistrictRow, "settings_changers_json">): string[] {
  return userIdsOf(row.settings_changers_json);
}

/** User ids stored as a JSON array (who changed something since its approval). */
export function userIdsOf(json: string): string[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : [];
}

/** The settings columns that may be null, compared with `is null` when they are. */
const NULLABLE_SETTINGS = [
  "contest_url",
  "contest_contact",
  "emergency_approval",
  "settings_approved_json",
] as const;

/**
 * Marks a district's settings approved as `approvedJson`, only while the row is still as read
 * (`seen`: a save racing the approval, or its changers, makes it fail); whether it did.
 */
export async function approveDistrictSettings(
  db: Db,
  seen: DistrictRow,
  approvedJson: string,
): Promise<boolean> {
  let q = db
    .updateTable("districts")
    .set({ settings_approved_json: approvedJson, settings_changers_json: "[]" })
    .where("id", "=", seen.id)
    .where("updated_at", "=", seen.updated_at)
    .where("contest_text", "=", seen.contest_text)
    .where("settings_changers_json", "=", seen.settings_changers_json);
  for (const column of NULLABLE_SETTINGS) {
    const value = seen[column];
    q = value === null ? q.where(column, "is", null) : q.where(column, "=", value);
  }
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
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

/** A district's own schedule as stored: its JSON and its idle slide's review. */
export interface OwnSchedule {
  schedule_json: string;
  idle_approved_json: string | null;
  idle_changers_json: string;
}

/** A district's own schedule, if it has one. */
export async function getOwnSchedule(db: Db, districtId: string): Promise<OwnSchedule | undefined> {
  return db
    .selectFrom("schedules")
    .select(["schedule_json", "idle_approved_json", "idle_changers_json"])
    .where("district_id", "=", districtId)
    .executeTakeFirst();
}

/** Sets or replaces a district's own schedule, with its idle slide's review. */
export async function putSchedule(
  db: Db,
  districtId: string,
  own: OwnSchedule,
  at: string,
): Promise<void> {
  const values = { ...own, updated_at: at };
  await db
    .insertInto("schedules")
    .values({ district_id: districtId, ...values })
    .onConflict((oc) => oc.column("district_id").doUpdateSet(values))
    .execute();
}

/**
 * Marks a schedule's idle slide approved, only while the schedule is still as read (`seen`: a
 * change racing the approval, or its changers, makes it fail); whether it did.
 */
export async function approveIdleSlide(
  db: Db,
  districtId: string,
  seen: OwnSchedule,
  idleJson: string,
  at: string,
): Promise<boolean> {
  let q = db
    .updateTable("schedules")
    .set({ idle_approved_json: idleJson, idle_changers_json: "[]", updated_at: at })
    .where("district_id", "=", districtId)
    .where("schedule_json", "=", seen.schedule_json)
    .where("idle_changers_json", "=", seen.idle_changers_json);
  q =
    seen.idle_approved_json === null
      ? q.where("idle_approved_json", "is", null)
      : q.where("idle_approved_json", "=", seen.idle_approved_json);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Removes a district's own schedule, so it inherits its parent's again. */
export async function deleteSchedule(db: Db, districtId: string): Promise<boolean> {
  const r = await db
    .deleteFrom("schedules")
    .where("district_id", "=", districtId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
