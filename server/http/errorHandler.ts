import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import type { ApiError } from "../../shared/schemas/apiError";
import { AppError, RateLimitedError } from "../errors";

/** Answers requests no route took with a JSON 404. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError(404, "not_found", `Nothing is at ${req.method} ${req.path}.`));
};

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Turns any error into a status, a code and one sentence; internals are logged, never sent. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let appError: AppError;
    const bp = err as BodyParserError;
    if (err instanceof AppError) appError = err;
    else if (bp.type === "entity.parse.failed") {
      appError = new AppError(400, "bad_request", "The request body is not valid JSON.");
    } else if (bp.type === "entity.too.large") {
      appError = new AppError(413, "payload_too_large", "The request body is too large.");
    } else if (bp.type === "encoding.unsupported" || bp.type === "charset.unsupported") {
      appError = new AppError(
        415,
        "unsupported_media_type",
        "The request body's encoding is not supported.",
      );
    } else if (typeof bp.status === "number" && bp.status >= 400 && bp.status < 500) {
      appError = new AppError(bp.status, "bad_request", "The request could not be read.");
    } else {
      log.error({ err, method: req.method, path: req.path }, "request failed");
      appError = new AppError(
        500,
        "internal",
        "The server failed to handle this request; it has been logged.",
      );
    }
    const body: ApiError = {
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.issues ? { issues: appError.issues } : {}),
      },
    };
    if (appError instanceof RateLimitedError)
      res.setHeader("Retry-After", String(appError.retryAfterSeconds));
    res.status(appError.status).json(body);
  };
}
