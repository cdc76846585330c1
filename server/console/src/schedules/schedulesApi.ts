import { z } from "zod";
import {
  DistrictSchema,
  type District,
  type DistrictInput,
  type ReviewedSettings,
} from "../../../../shared/schemas/district";
import {
  EffectiveScheduleSchema,
  EmergencyAnswerSchema,
  EmergencyListSchema,
  type EffectiveSchedule,
  type EmergencyView,
  type IdleSlide,
  type Schedule,
} from "../../../../shared/schemas/schedule";
import { TimelineSchema, type Timeline } from "../../../../shared/schemas/timeline";
import { queryString, request } from "../lib/api";

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

/** Approves a district's idle slide as shown (`seen`); answers the effective schedule. */
export async function approveIdleSlide(
  districtId: string,
  seen: IdleSlide,
): Promise<EffectiveSchedule> {
  return request(
    `/api/districts/${districtId}/schedule/idle-slide/approval`,
    EffectiveScheduleSchema,
    { method: "POST", body: { idleSlide: seen } },
  );
}

/** Approves a district's contest line and emergency setting as `seen` (a second person). */
export async function approveDistrictSettings(
  districtId: string,
  seen: ReviewedSettings,
): Promise<District> {
  const { district } = await request(
    `/api/districts/${districtId}/settings/approval`,
    z.object({ district: DistrictSchema }),
    { method: "POST", body: { settings: seen } },
  );
  return district;
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

/** The active emergency notices of the user's districts. */
export async function fetchEmergencies(): Promise<EmergencyView[]> {
  return (await request("/api/emergencies", EmergencyListSchema)).emergencies;
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
  return (await request("/api/emergencies", EmergencyAnswerSchema, { method: "POST", body: input }))
    .emergency;
}

/** Ends an emergency notice; the screens return to their schedules. */
export async function clearEmergency(id: string): Promise<EmergencyView> {
  return (await request(`/api/emergencies/${id}/clear`, EmergencyAnswerSchema, { method: "POST" }))
    .emergency;
}
