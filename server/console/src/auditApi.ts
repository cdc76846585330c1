import { z } from "zod";
import { queryString, request } from "./api";
import { auditActions, type AuditAction } from "../../../shared/schemas/auditAction";

export { auditActions, type AuditAction };

/** One audit record as GET /api/audit answers it (the server's AuditExportRecord). */
export const AuditRecordSchema = z.object({
  seq: z.number(),
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
/** One audit record. */
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/** The outcome of the chain check (the server's AuditVerification). */
export const AuditVerificationSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), records: z.number(), lastSeq: z.number(), lastHash: z.string() }),
  z.object({
    ok: z.literal(false),
    records: z.number(),
    brokenAt: z.number(),
    problem: z.string(),
    message: z.string(),
  }),
]);
/** The outcome of the chain check. */
export type AuditVerification = z.infer<typeof AuditVerificationSchema>;

/** The audit page's filters; "" means any. Dates are YYYY-MM-DD (from the start of `from` to the end of `to`). */
export interface AuditFilter {
  entry: string;
  user: string;
  screen: string;
  action: AuditAction | "";
  from: string;
  to: string;
}

/** The next day of a YYYY-MM-DD date, so "to" includes the whole day. */
function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The filter as the API's query parameters (times as UTC dates). */
export function auditQuery(f: AuditFilter): Record<string, string | undefined> {
  return {
    entry: f.entry.trim(),
    user: f.user,
    screen: f.screen,
    action: f.action,
    from: f.from,
    to: f.to === "" ? undefined : dayAfter(f.to),
  };
}

/** A page of records, newest first, before the record `before` (the seq). */
export async function fetchAudit(
  filter: AuditFilter,
  before: number | null,
  limit = 50,
): Promise<{ records: AuditRecord[]; nextBefore: number | null }> {
  return request(
    `/api/audit${queryString({ ...auditQuery(filter), before: before ?? undefined, limit })}`,
    z.object({ records: z.array(AuditRecordSchema), nextBefore: z.number().nullable() }),
  );
}

/** Checks the whole hash chain. */
export async function verifyAudit(): Promise<AuditVerification> {
  return (await request("/api/audit/verify", z.object({ verification: AuditVerificationSchema })))
    .verification;
}

/** The address of the JSON Lines export over the filter's time range. */
export function auditExportUrl(filter: AuditFilter): string {
  const q = auditQuery(filter);
  return `/api/audit/export${queryString({ from: q["from"], to: q["to"] })}`;
}
