import {
  ObjectionAnswerSchema,
  ObjectionDetailSchema,
  ObjectionListSchema,
  type ObjectionDetail,
  type ObjectionState,
  type ObjectionSummary,
} from "../../../../shared/schemas/objection";
import { queryString, request } from "../lib/api";

/** The objections of the moderator's districts, newest first; one state only when given. */
export async function fetchObjections(state: ObjectionState | ""): Promise<ObjectionSummary[]> {
  return (await request(`/api/objections${queryString({ state })}`, ObjectionListSchema))
    .objections;
}

/** Opens one objection: the objector's name, contact and text (the server audits the view). */
export function openObjection(id: string): Promise<ObjectionDetail> {
  return request(`/api/objections/${id}`, ObjectionDetailSchema);
}

/** The address that downloads an objection's document (audited as a view). */
export function objectionDocumentUrl(id: string): string {
  return `/api/objections/${id}/document`;
}

/** Suspends the objection's entry pending review: it leaves every screen. */
export async function suspendObjection(id: string): Promise<ObjectionSummary> {
  return (
    await request(`/api/objections/${id}/suspend`, ObjectionAnswerSchema, {
      method: "POST",
      body: {},
    })
  ).objection;
}

/** Dismisses an objection; the objector reads the reason on the status page. */
export async function dismissObjection(id: string, reason: string): Promise<ObjectionSummary> {
  return (
    await request(`/api/objections/${id}/dismiss`, ObjectionAnswerSchema, {
      method: "POST",
      body: { reason },
    })
  ).objection;
}

/** Marks an objection as forwarded to the court. */
export async function forwardObjection(id: string): Promise<ObjectionSummary> {
  return (
    await request(`/api/objections/${id}/forward`, ObjectionAnswerSchema, {
      method: "POST",
      body: {},
    })
  ).objection;
}
