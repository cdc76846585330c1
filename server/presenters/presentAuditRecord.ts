import type { AuditRecord } from "../../shared/schemas/auditRecord";
import type { AuditRow } from "../store/schema";

/** One stored record as JSON: details parsed (kept as text if a tampered row is not JSON). */
export function presentAuditRecord(r: AuditRow): AuditRecord {
  let details: unknown;
  try {
    details = JSON.parse(r.details_json) as unknown;
  } catch {
    details = r.details_json;
  }
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: { type: r.actor_type, id: r.actor_id },
    action: r.action,
    target: r.target_type === null ? null : { type: r.target_type, id: r.target_id },
    details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
