import { z } from "zod";
import {
  DistrictReportSchema,
  type DistrictReport,
} from "../../../../shared/schemas/districtReport";
import { queryString, request } from "../lib/api";

/** The period a report covers, as the page's picker chose it. */
export type ReportPeriod =
  | { kind: "last7" }
  | { kind: "last30" }
  /** Whole local days, "YYYY-MM-DD", the first and the last. */
  | { kind: "custom"; from: string; to: string };

const DAY_MS = 86_400_000;

/** The query of a period: ISO instants (none for the last 7 days, the server's default). */
export function periodQuery(
  period: ReportPeriod,
  now = new Date(),
): { from?: string; to?: string } {
  if (period.kind === "last7") return {};
  if (period.kind === "last30")
    return { from: new Date(now.getTime() - 30 * DAY_MS).toISOString(), to: now.toISOString() };
  const day = (d: string, plus: number): string | undefined => {
    const at = new Date(`${d}T00:00`);
    at.setDate(at.getDate() + plus);
    return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
  };
  const from = day(period.from, 0);
  const to = day(period.to, 1);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** A district's report over a period (GET /api/districts/:id/report). */
export async function fetchDistrictReport(
  districtId: string,
  query: { from?: string; to?: string },
): Promise<DistrictReport> {
  return (
    await request(
      `/api/districts/${encodeURIComponent(districtId)}/report${queryString(query)}`,
      z.object({ report: DistrictReportSchema }),
    )
  ).report;
}

/** Where one table of the report downloads as CSV. */
export function reportCsvUrl(
  districtId: string,
  query: { from?: string; to?: string },
  table: "plays" | "screens" | "takedowns",
): string {
  return `/api/districts/${encodeURIComponent(districtId)}/report${queryString({
    ...query,
    format: "csv",
    table,
  })}`;
}
