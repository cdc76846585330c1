import { auditActions, type AuditAction } from "../../../../shared/schemas/auditAction";
import {
  AuditPageSchema,
  AuditVerificationAnswerSchema,
  type AuditPage,
  type AuditVerification,
} from "../../../../shared/schemas/auditRecord";
import { queryString, request } from "../lib/api";

export { auditActions, type AuditAction };

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
): Promise<AuditPage> {
  return request(
    `/api/audit${queryString({ ...auditQuery(filter), before: before ?? undefined, limit })}`,
    AuditPageSchema,
  );
}

/** Checks the whole hash chain. */
export async function verifyAudit(): Promise<AuditVerification> {
  return (await request("/api/audit/verify", AuditVerificationAnswerSchema)).verification;
}

/** The address of the JSON Lines export over the filter's time range. */
export function auditExportUrl(filter: AuditFilter): string {
  const q = auditQuery(filter);
  return `/api/audit/export${queryString({ from: q["from"], to: q["to"] })}`;
}
