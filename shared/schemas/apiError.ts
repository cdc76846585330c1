import { z } from "zod";

/** Every machine-readable error code the server and the kiosk can report. */
export const ErrorCodeSchema = z.enum([
  "bad_request",
  "validation_failed",
  "payload_too_large",
  "unsupported_media_type",
  "not_found",
  "forbidden",
  "unauthenticated",
  "invalid_credentials",
  "password_change_required",
  "rate_limited",
  "conflict",
  "gone",
  "overloaded",
  "internal",
]);
/** A machine-readable error code. */
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The body of every 4xx/5xx answer: a code for programs and a sentence for people. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    /** Per-field problems, when the request failed validation. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
/** The body of every error answer. */
export type ApiError = z.infer<typeof ApiErrorSchema>;
