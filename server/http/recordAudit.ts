import type { Kysely } from "kysely";
import type { AuditAction, AuditLog } from "../services/auditLog";
import type { Database } from "../store/schema";
import type { UserPrincipal } from "../services/auth/principal";

/**
 * Writes the audit record of a console action that its service committed on its own (screens,
 * schedules, districts, emergencies, announcements). Moderation and account changes write
 * theirs inside the same transaction instead.
 */
export async function recordAudit(
  deps: { audit: AuditLog; db: Kysely<Database> },
  p: UserPrincipal,
  action: AuditAction,
  target: { type: string; id: string },
  details: Record<string, unknown> = {},
): Promise<void> {
  await deps.audit.record(deps.db, { actor: { type: "user", id: p.id }, action, target, details });
}
