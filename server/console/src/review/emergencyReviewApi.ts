import {
  EmergencyAnswerSchema,
  EmergencyListSchema,
  EmergencyReachSchema,
  type EmergencyReach,
  type EmergencyView,
} from "../../../../shared/schemas/schedule";
import { request } from "../lib/api";

/** The notices waiting for a moderator: sent and unreviewed, or waiting for approval. */
export async function fetchEmergencyReviewQueue(): Promise<EmergencyView[]> {
  return (await request("/api/emergencies/review-queue", EmergencyListSchema)).emergencies;
}

/** Confirms a notice sent at once (never one's own). */
export async function confirmEmergency(id: string): Promise<EmergencyView> {
  return (
    await request(`/api/emergencies/${id}/confirm`, EmergencyAnswerSchema, {
      method: "POST",
      body: {},
    })
  ).emergency;
}

/** Approves a notice waiting for a second person: it is sent now. */
export async function approveEmergency(id: string): Promise<EmergencyView> {
  return (
    await request(`/api/emergencies/${id}/approve`, EmergencyAnswerSchema, {
      method: "POST",
      body: {},
    })
  ).emergency;
}

/** Pulls a notice: taken off the screens now, or never sent. */
export async function pullEmergency(id: string, reason: string): Promise<EmergencyView> {
  return (
    await request(`/api/emergencies/${id}/pull`, EmergencyAnswerSchema, {
      method: "POST",
      body: { reason },
    })
  ).emergency;
}

/** How many screens of the notice's districts show it (or dropped it), and which do not. */
export async function fetchEmergencyReach(id: string): Promise<EmergencyReach> {
  return request(`/api/emergencies/${id}/reach`, EmergencyReachSchema);
}
