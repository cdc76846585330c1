import { expect } from "vitest";
import type { AuditAction } from "../../server/services/AuditLog";
import { AuditPageSchema, type AuditRecord } from "../../shared/schemas/auditRecord";
import { api, type TestServer } from "./testServer";

/** Who an audit record names as having acted: a user by id, or the system, the CLI, anyone. */
export type ExpectedActor =
  { type: "user"; id: string } | { type: "system" | "anonymous" | "cli"; id?: null };

/** What an audit record names as acted on; null for a record about no one thing. */
export type ExpectedTarget = { type: string; id: string } | null;

/** The records of one action, newest first, as an admin lists them (GET /api/audit). */
export async function auditRecordsOf(
  t: Pick<TestServer, "baseUrl">,
  action: AuditAction,
): Promise<AuditRecord[]> {
  const res = await api(`${t.baseUrl}/api/audit?action=${action}&limit=500`);
  expect(res.status).toBe(200);
  return AuditPageSchema.parse(await res.json()).records;
}

/**
 * Waits (up to `timeoutMs`, for what the server records on its own a moment later) until the
 * audit log holds a record of `action` by `actor` on `target`, and returns it.
 */
export async function expectAudited(
  t: Pick<TestServer, "baseUrl">,
  action: AuditAction,
  actor: ExpectedActor,
  target: ExpectedTarget,
  timeoutMs = 15_000,
): Promise<AuditRecord> {
  const matches = (r: AuditRecord) =>
    r.action === action &&
    r.actor.type === actor.type &&
    r.actor.id === (actor.id ?? null) &&
    (target === null
      ? r.target === null
      : r.target?.type === target.type && r.target.id === target.id);
  let found: AuditRecord | undefined;
  await expect
    .poll(
      async () => {
        const records = await auditRecordsOf(t, action);
        found = records.find(matches);
        return found ? "recorded" : records.map((r) => ({ actor: r.actor, target: r.target }));
      },
      { timeout: timeoutMs, interval: 250 },
    )
    .toBe("recorded");
  if (!found) throw new Error(`no ${action} record`);
  return found;
}
