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
  /** The Host header is not the server's public address (SIGNAGE_PUBLIC_URL). */
  "misdirected_request",
  /** First-run set-up without the set-up token the server printed, or with a wrong one. */
  "setup_token_invalid",
  "conflict",
  /** What the request names (an entry's revision) is not what the server holds now. */
  "stale_revision",
  "gone",
  /** Four eyes: the one who made or changed it may not approve it; a second person must. */
  "four_eyes",
  /** An announcement's poster is still in the face pipeline, or needs a moderator's look. */
  "poster_not_ready",
  /** Free text holds what looks like personal data (an ID number, a phone number, a name next to one). */
  "personal_data",
  "overloaded",
  /** The server's disk is full (507): nothing was saved; it works again once there is room. */
  "storage_full",
  /** The server cannot reach a part it needs (its database) right now; trying again later may work. */
  "unavailable",
  "internal",
]);
/** A machine-readable error code. */
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The body of every 4xx/5xx answer: a code for programs and a sentence for people. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    /** What went wrong, a key of `shared/messages/errorMessages.ts`, when the server named one. */
    reason: z.string().max(80).optional(),
    /** The values of the reason's `{placeholders}`. */
    params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** Per-field problems, when the request failed validation. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
/** The body of every error answer. */
export type ApiError = z.infer<typeof ApiErrorSchema>;
