import type { Kysely } from "kysely";
import {
  evaluateSchedule,
  timeline,
  type ScheduleResult,
} from "../../shared/schedule/evaluateSchedule";
import type { Database } from "../store/schema";
import type { DistrictRegistry } from "./districtRegistry";
import type { EmergencyNotices } from "./emergencyNotices";
import { resolveDistrict } from "./kioskSync";
import { buildManifestItems } from "./manifestBuilder";

/** What a district's screens show at `from` and over the following hours. */
export interface DistrictTimeline {
  districtId: string;
  /** Whose schedule applies (the district's own or an ancestor's); null when none does. */
  scheduleFrom: string | null;
  now: ScheduleResult | null;
  segments: { start: string; end: string; result: ScheduleResult }[];
}

/**
 * Computes a district's timeline with the same pure evaluator the screens run, over the same
 * manifest and emergencies they receive, so the console's answer is what the street shows.
 */
export async function districtTimeline(
  deps: { db: Kysely<Database>; registry: DistrictRegistry; emergencies: EmergencyNotices },
  districtId: string,
  from: number,
  hours: number,
): Promise<DistrictTimeline> {
  const { chain, schedule, scheduleFrom, emergencies } = await resolveDistrict(deps, districtId);
  if (!schedule) return { districtId, scheduleFrom: null, now: null, segments: [] };
  const manifest = await buildManifestItems(deps.db, chain, schedule.timeZone);
  return {
    districtId,
    scheduleFrom,
    now: evaluateSchedule(schedule, manifest, from, emergencies),
    segments: timeline(schedule, manifest, from, from + hours * 3_600_000, emergencies).map(
      (s) => ({
        start: new Date(s.start).toISOString(),
        end: new Date(s.end).toISOString(),
        result: s.result,
      }),
    ),
  };
}
