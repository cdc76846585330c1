import { z } from "zod";

/**
 * Progress of an import the console started, pushed to that user's console sockets. The
 * console picks `progressId` and sends it with the upload, so it can tell its imports apart.
 */
export const ImportProgressEventSchema = z.object({
  progressId: z.uuid(),
  phase: z.enum(["parsing", "checking", "saving", "done"]),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
/** One progress report of a running import. */
export type ImportProgressEvent = z.infer<typeof ImportProgressEventSchema>;
