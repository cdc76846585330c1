import type { ErrorCode } from "../shared/schemas/apiError";

/** An error that reaches the client as a status, a code and one human sentence. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = "AppError";
  }
}

/** A 429 that says when to come back: sent with a Retry-After header. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
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
