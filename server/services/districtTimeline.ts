import type { Kysely } from "kysely";
import { evaluateSchedule, timeline } from "../../shared/schedule/evaluateSchedule";
import { playbackPlan } from "../../shared/schedule/playbackPlan";
import type { Timeline } from "../../shared/schemas/timeline";
import type { Database } from "../store/schema";
import type { DistrictRegistry } from "./DistrictRegistry";
import type { EmergencyNotices } from "./EmergencyNotices";
import { resolveDistrict } from "./kioskSync";
import { heldByScreens } from "./manifestBuilder";

/**
 * A district's timeline from `from` over `hours` (districtTimeline with its deps bound), as a
 * screen carrying `screenTags` plays it (absent: a screen without tags).
 */
export type TimelineOf = (
  districtId: string,
  from: number,
  hours: number,
  screenTags?: readonly string[],
) => Promise<Timeline>;

/**
 * Computes a district's timeline from the same playback plan the screens run (the district's
 * schedule, or the fallback when it has none), over what a full sync gives them, so the
 * console's answer is what the street shows. The district's own timeline is that of a screen
 * without tags (`screenTags` absent): windows and announcements targeting tags are not in it; a
 * screen's timeline passes the screen's tags.
 */
export async function districtTimeline(
  deps: { db: Kysely<Database>; registry: DistrictRegistry; emergencies: EmergencyNotices },
  districtId: string,
  from: number,
  hours: number,
  screenTags: readonly string[] = [],
): Promise<Timeline> {
  const { chain, schedule, scheduleFrom, emergencies } = await resolveDistrict(deps, districtId);
  const plan = playbackPlan({
    ...(await heldByScreens(deps.db, chain, screenTags)),
    schedule,
    screenTags,
  });
  return {
    districtId,
    scheduleFrom,
    now: evaluateSchedule(plan.schedule, plan.manifest, from, emergencies),
    segments: timeline(
      plan.schedule,
      plan.manifest,
      from,
      from + hours * 3_600_000,
      emergencies,
    ).map((s) => ({
      start: new Date(s.start).toISOString(),
      end: new Date(s.end).toISOString(),
      result: s.result,
    })),
  };
}
