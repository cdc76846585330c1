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
        /** A key of `shared/messages/errorMessages.ts` (a newer server may send one this one lacks). */
        reason: z.string().max(80).optional(),
        params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
        retryAfterSeconds: z.number().int().positive().max(3600).optional(),
      }),
    }),
  ]);
}
