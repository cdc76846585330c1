import { z } from "zod";

/**
 * Why a row was refused or what to know about it, as a reason of
 * `shared/messages/errorMessages.ts` and its parameters: the console words it in its language and
 * groups the rows that share a reason.
 */
export const ImportProblemSchema = z.object({
  reason: z.string().max(80),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
});
/** One reason of an import row. */
export type ImportProblem = z.infer<typeof ImportProblemSchema>;

/** One row of an import report: saved, already there unchanged, or refused with the reasons. */
export const ImportRowSchema = z.discriminatedUnion("status", [
  z.object({
    line: z.number(),
    status: z.literal("accepted"),
    entryId: z.string(),
    caseNumber: z.string(),
    /** What to know about an accepted row: its photo was not supplied, so it waits for one. */
    notes: z.array(ImportProblemSchema).optional(),
  }),
  z.object({
    line: z.number(),
    status: z.literal("unchanged"),
    entryId: z.string(),
    caseNumber: z.string(),
  }),
  z.object({
    line: z.number(),
    status: z.literal("refused"),
    /** The reasons in English sentences (for API users and the CLI). */
    reasons: z.array(z.string()),
    /** The same reasons by key (absent in reports saved before they were kept). */
    problems: z.array(ImportProblemSchema).optional(),
  }),
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
