import { z } from "zod";
import {
  DistrictSchema,
  type District,
  type DistrictInput,
} from "../../../shared/schemas/district";
import { EmergencySchema, ScheduleSchema, type Schedule } from "../../../shared/schemas/schedule";
import { queryString, request } from "./api";

/**
 * Whose schedule a district plays (GET/PUT/DELETE /api/districts/:id/schedule): the first own
 * schedule up its ancestry, or none at all.
 */
export const EffectiveScheduleSchema = z.object({
  schedule: ScheduleSchema.nullable(),
  /** The district whose schedule it is (this one or an ancestor); null when none applies. */
  fromDistrictId: z.string().nullable(),
});
/** A district's effective schedule. */
export type EffectiveSchedule = z.infer<typeof EffectiveScheduleSchema>;

/** The schedule a district's screens play, and whose it is. */
export async function fetchSchedule(districtId: string): Promise<EffectiveSchedule> {
  return request(`/api/districts/${districtId}/schedule`, EffectiveScheduleSchema);
}

/** Gives a district its own schedule (replacing any it had); answers the effective one. */
export async function saveSchedule(
  districtId: string,
  schedule: Schedule,
): Promise<EffectiveSchedule> {
  return request(`/api/districts/${districtId}/schedule`, EffectiveScheduleSchema, {
    method: "PUT",
    body: schedule,
  });
}

/** Drops a district's own schedule, so it inherits its parent's again. */
export async function deleteSchedule(districtId: string): Promise<EffectiveSchedule> {
  return request(`/api/districts/${districtId}/schedule`, EffectiveScheduleSchema, {
    method: "DELETE",
  });
}

/** Creates a district (a city when `parentId` is null). */
export async function createDistrict(input: DistrictInput): Promise<District> {
  return (
    await request("/api/districts", z.object({ district: DistrictSchema }), {
      method: "POST",
      body: input,
    })
  ).district;
}

/** Replaces a district's settings (names, zone, language, parent, contest line). */
export async function updateDistrict(id: string, input: DistrictInput): Promise<District> {
  return (
    await request(
      `/api/districts/${encodeURIComponent(id)}`,
      z.object({ district: DistrictSchema }),
      {
        method: "PUT",
        body: input,
      },
    )
  ).district;
}

// The evaluator's ScheduleResult (shared/schedule/evaluateSchedule.ts) is a TypeScript type
// without a schema; these mirror it for the answers of the timeline route.
const ScheduleResultSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("emergency"),
    emergencyId: z.string(),
    nextChangeAt: z.number().nullable(),
  }),
  z.object({
    kind: z.literal("slide"),
    windowId: z.string(),
    itemId: z.string(),
    index: z.number(),
    count: z.number(),
    list: z
      .object({ itemIds: z.array(z.string()), page: z.number(), pages: z.number() })
      .optional(),
    nextChangeAt: z.number(),
  }),
  z.object({ kind: z.literal("idle"), nextChangeAt: z.number().nullable() }),
  z.object({ kind: z.literal("blank"), nextChangeAt: z.number().nullable() }),
]);
/** What a screen shows at an instant. */
export type ScheduleResult = z.infer<typeof ScheduleResultSchema>;

/** What a district's screens show from an instant on (GET /api/districts/:id/timeline). */
export const TimelineSchema = z.object({
  districtId: z.string(),
  scheduleFrom: z.string().nullable(),
  now: ScheduleResultSchema.nullable(),
  segments: z.array(z.object({ start: z.string(), end: z.string(), result: ScheduleResultSchema })),
});
/** A district's timeline. */
export type Timeline = z.infer<typeof TimelineSchema>;

/** What the district's screens show from `from` (an instant) for `hours` hours (1–48). */
export async function fetchTimeline(
  districtId: string,
  from: Date,
  hours: number,
): Promise<Timeline> {
  return request(
    `/api/districts/${districtId}/timeline${queryString({ from: from.toISOString(), hours })}`,
    TimelineSchema,
  );
}

/** An active emergency notice, with its districts (the server's EmergencyView). */
export const EmergencyViewSchema = z.object({
  ...EmergencySchema.shape,
  districtIds: z.array(z.string()),
  clearedAt: z.string().nullable(),
});
/** An emergency notice as the console lists it. */
export type EmergencyView = z.infer<typeof EmergencyViewSchema>;

const EmergencyAnswer = z.object({ emergency: EmergencyViewSchema });

/** The active emergency notices of the user's districts. */
export async function fetchEmergencies(): Promise<EmergencyView[]> {
  return (
    await request("/api/emergencies", z.object({ emergencies: z.array(EmergencyViewSchema) }))
  ).emergencies;
}

/** What an operator sends: it starts at once and runs until `endsAt` or until cleared. */
export interface EmergencyInput {
  title: string;
  body: string;
  districtIds: string[];
  endsAt?: string;
}

/** Sends an emergency notice; it takes over its districts' screens at once. */
export async function sendEmergency(input: EmergencyInput): Promise<EmergencyView> {
  return (await request("/api/emergencies", EmergencyAnswer, { method: "POST", body: input }))
    .emergency;
}

/** Ends an emergency notice; the screens return to their schedules. */
export async function clearEmergency(id: string): Promise<EmergencyView> {
  return (await request(`/api/emergencies/${id}/clear`, EmergencyAnswer, { method: "POST" }))
    .emergency;
}
