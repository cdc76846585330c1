import { Router } from "express";
import type { DistrictReport as DistrictReportView } from "../../../shared/schemas/districtReport";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import { csvCell } from "../../services/playExport";
import type { DistrictReport } from "../../services/reports/DistrictReport";
import {
  ReportParamsSchema,
  ReportPeriodSchema,
  ReportQuerySchema,
  type ReportTable,
} from "./schema";

/** Without `from`, a report covers this long before its end. */
const DEFAULT_RANGE_MS = 7 * 86_400_000;

/** /api/districts/:id/report: what a district's screens did over a period (JSON or CSV). */
export function reportsRouter(deps: {
  reports: DistrictReport;
  access: AccessPolicy;
  /** Refuses with a 404 for a district that does not exist. */
  registry: { get(id: string): Promise<unknown> };
  now?: () => number;
}): Router {
  const router = Router();

  router.get("/districts/:id/report", async (req, res) => {
    const p = principalOf(req);
    deps.access.requirePermission(p, "report.read");
    const { id } = validate(ReportParamsSchema, req.params, "district id");
    const q = validate(ReportQuerySchema, req.query, "query string");
    await deps.registry.get(id);
    // A district the user holds no report.read over is not theirs to know of: 404, not 403.
    if (!(await deps.access.holds(p, "report.read", id)))
      throw new AppError(404, "not_found", said("district.notFound", { id }));
    const end = q.to === undefined ? (deps.now ?? Date.now)() : Date.parse(q.to);
    const start = q.from === undefined ? end - DEFAULT_RANGE_MS : Date.parse(q.from);
    const period = validate(
      ReportPeriodSchema,
      { from: new Date(start).toISOString(), to: new Date(end).toISOString() },
      "period",
    );
    const report = await deps.reports.report(id, period);
    res.setHeader("Cache-Control", "no-store");
    if (q.format === "json") {
      res.json({ report } satisfies { report: DistrictReportView });
      return;
    }
    const day = (iso: string): string => iso.slice(0, 10);
    res.setHeader(
      "Content-Disposition",
      `attachment; filename="report-${id}-${q.table}-${day(period.from)}-${day(period.to)}.csv"`,
    );
    res.type("text/csv; charset=utf-8");
    res.send(reportCsv(report, q.table));
  });

  return router;
}

/** One table of a report as CSV (CRLF lines; cells safe from spreadsheet formulas). */
export function reportCsv(report: DistrictReportView, table: ReportTable): string {
  const rows: (string | number | null)[][] =
    table === "plays"
      ? [
          ["kind", "contentId", "label", "plays", "seconds"],
          ...report.plays.items.map((r) => [r.kind, r.contentId, r.label, r.plays, r.seconds]),
        ]
      : table === "screens"
        ? [
            [
              "screenId",
              "name",
              "districtId",
              "state",
              "online",
              "connectedMinutes",
              "uptimePercent",
            ],
            ...report.screens.items.map((s) => [
              s.id,
              s.name,
              s.districtId,
              s.state,
              s.online ? "yes" : "no",
              s.connectedMinutes,
              s.uptimePercent,
            ]),
          ]
        : [
            [
              "at",
              "version",
              "kind",
              "contentId",
              "label",
              "screens",
              "acknowledged",
              "neverAcknowledged",
              "secondsToLast",
            ],
            ...report.takedowns.items.map((t) => [
              t.at,
              t.version,
              t.kind,
              t.contentId,
              t.label,
              t.screens,
              t.acknowledged,
              t.neverAcknowledged,
              t.secondsToLast,
            ]),
          ];
  return rows.map((r) => `${r.map(csvCell).join(",")}\r\n`).join("");
}
