import type { AuditRecord } from "../../shared/schemas/auditRecord";
import type { AuditRow } from "../store/schema";
import { nameIn, type NameBook, type NameRef } from "./nameBook";

/** What in an audit record has a name: its actor and its target. */
export function auditNameRefs(r: AuditRow): NameRef[] {
  const refs: NameRef[] = [{ type: r.actor_type, id: r.actor_id }];
  if (r.target_type !== null) refs.push({ type: r.target_type, id: r.target_id });
  return refs;
}

/**
 * One stored record as JSON: details parsed (kept as text if a tampered row is not JSON). With
 * `names` (the console's list), the actor and target are named too; the export goes without.
 */
export function presentAuditRecord(r: AuditRow, names?: NameBook): AuditRecord {
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
    ...(names
      ? {
          actorName: nameIn(names, { type: r.actor_type, id: r.actor_id }),
          targetName:
            r.target_type === null ? null : nameIn(names, { type: r.target_type, id: r.target_id }),
        }
      : {}),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
