import { z } from "zod";
import { ErrorCodeSchema } from "../schemas/apiError";

/** Builds the zod schema of an `Ack<T>`, so a receiver validates acks like any other message. */
export function ackSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), data }),
    z.object({
      ok: z.literal(false),
      error: z.object({
        code: ErrorCodeSchema,
        message: z.string(),
        retryAfterSeconds: z.number().int().positive().max(3600).optional(),
      }),
    }),
  ]);
}
