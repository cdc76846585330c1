import { z } from "zod";

/** One row of an import report: saved, already there unchanged, or refused with the reasons. */
export const ImportRowSchema = z.discriminatedUnion("status", [
  z.object({
    line: z.number(),
    status: z.literal("accepted"),
    entryId: z.string(),
    caseNumber: z.string(),
  }),
  z.object({
    line: z.number(),
    status: z.literal("unchanged"),
    entryId: z.string(),
    caseNumber: z.string(),
  }),
  z.object({ line: z.number(), status: z.literal("refused"), reasons: z.array(z.string()) }),
]);
/** One row of an import report. */
export type ImportRow = z.infer<typeof ImportRowSchema>;

/** What an import did, row by row. */
export const ImportReportSchema = z.object({
  batchId: z.string(),
  fileName: z.string(),
  total: z.number(),
  accepted: z.number(),
  unchanged: z.number(),
  refused: z.number(),
  rows: z.array(ImportRowSchema),
});
/** An import report. */
export type ImportReport = z.infer<typeof ImportReportSchema>;

/** The answer of POST /api/imports. */
export const ImportAnswerSchema = z.object({ report: ImportReportSchema });
