import {
  ObjectionStatusSchema,
  ObjectionSummarySchema,
  type ObjectionStatus,
  type ObjectionSummary,
} from "../../shared/schemas/objection";
import type { ObjectionListRow, ObjectionRow } from "../store/objections";

/**
 * An objection as the moderators' queue lists it: its reference, state and decision, and which
 * entry it is against (masked name, case number). Never the objector's data: that is opened
 * one at a time, audited.
 */
export function presentObjection(
  row: ObjectionListRow,
  districtIds: readonly string[],
): ObjectionSummary {
  return ObjectionSummarySchema.parse({
    id: row.id,
    reference: row.reference,
    state: row.state,
    entryId: row.entry_id,
    maskedName: row.masked_name,
    caseNumber: row.case_number,
    entryState: row.entry_state,
    districtIds: [...districtIds],
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    reason: row.decision_reason,
    hasDocument: row.has_document === 1,
  });
}

/**
 * The one exit of the public status page: the filing day, the state and a dismissal's reason.
 * Strict: nothing of the objector (name, contact, text) can pass.
 */
export function presentObjectionStatus(
  row: Pick<ObjectionRow, "reference" | "state" | "created_at" | "decided_at" | "decision_reason">,
): ObjectionStatus {
  return ObjectionStatusSchema.parse({
    reference: row.reference,
    filedOn: row.created_at.slice(0, 10),
    state: row.state,
    reason: row.state === "dismissed" ? row.decision_reason : null,
    decidedOn:
      row.state === "received" || row.decided_at === null ? null : row.decided_at.slice(0, 10),
  });
}
