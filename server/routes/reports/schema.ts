import { z } from "zod";
import { DistrictIdSchema } from "../../../shared/schemas/district";
import { MAX_REPORT_DAYS } from "../../../shared/schemas/districtReport";

/** Path parameters naming the district reported on. */
export const ReportParamsSchema = z.strictObject({ id: DistrictIdSchema });

/** The tables a report's CSV can hold, one per file. */
export const ReportTableSchema = z.enum(
  ["plays", "screens", "takedowns"],
  "table is plays, screens or takedowns.",
);
/** A report table. */
export type ReportTable = z.infer<typeof ReportTableSchema>;

/** Query of GET /api/districts/:id/report: the period (default the last 7 days) and format. */
export const ReportQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true, message: "from is an ISO date-time." }).optional(),
  to: z.iso.datetime({ offset: true, message: "to is an ISO date-time." }).optional(),
  format: z.enum(["json", "csv"], "format is json or csv.").default("json"),
  /** Which table a CSV holds (default: plays per content). */
  table: ReportTableSchema.default("plays"),
});
/** A report query. */
export type ReportQuery = z.infer<typeof ReportQuerySchema>;

/** The period once defaults are filled in: `to` after `from`, at most MAX_REPORT_DAYS long. */
export const ReportPeriodSchema = z
  .strictObject({ from: z.iso.datetime(), to: z.iso.datetime() })
  .refine((p) => Date.parse(p.from) < Date.parse(p.to), {
    message: "from must be before to.",
    path: ["from"],
  })
  .refine((p) => Date.parse(p.to) - Date.parse(p.from) <= MAX_REPORT_DAYS * 86_400_000, {
    message: `A report covers at most ${MAX_REPORT_DAYS} days.`,
    path: ["from"],
  });
