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

/** A problem with configuration or the environment that stops the server from starting. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}
