import {
  wordError,
  type ErrorParams,
  type ErrorReason,
  type Worded,
} from "../shared/messages/errorMessages";
import type { ErrorCode } from "../shared/schemas/apiError";

/**
 * An error that reaches the client as a status, a code and one human sentence. Given `said(reason,
 * params)` instead of a string, it also carries the reason and its parameters, so the console
 * words it in its own language (the English sentence stays for API users).
 */
export class AppError extends Error {
  readonly reason?: ErrorReason;
  readonly params?: ErrorParams;
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string | Worded,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(typeof message === "string" ? message : wordError(message.reason, message.params, "en"));
    this.name = "AppError";
    if (typeof message !== "string") {
      this.reason = message.reason;
      this.params = message.params;
    }
  }
}

/** A 429 that says when to come back: sent with a Retry-After header. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string | Worded,
  ) {
    super(429, "rate_limited", message);
    this.name = "RateLimitedError";
  }
}

/** A problem with configuration or the environment that stops the server from starting. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}
