import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import type { ApiError } from "../../shared/schemas/apiError";
import { said } from "../../shared/messages/errorMessages";
import { AppError, RateLimitedError } from "../errors";
import { isDatabaseUnreachable } from "../store/database";
import { storageFailureOf } from "../store/storageFailure";

/** Answers requests no route took with a JSON 404. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(
    new AppError(
      404,
      "not_found",
      said("request.notFound", { method: req.method, path: req.path }),
    ),
  );
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
      appError = new AppError(400, "bad_request", said("request.badJson"));
    } else if (bp.type === "entity.too.large") {
      appError = new AppError(413, "payload_too_large", said("request.tooLarge"));
    } else if (bp.type === "encoding.unsupported" || bp.type === "charset.unsupported") {
      appError = new AppError(415, "unsupported_media_type", said("request.badEncoding"));
    } else if (typeof bp.status === "number" && bp.status >= 400 && bp.status < 500) {
      appError = new AppError(bp.status, "bad_request", said("request.unreadable"));
    } else if (storageFailureOf(err) !== undefined) {
      // The transaction rolled back: nothing was half-written, and reads keep working.
      log.error({ err, method: req.method, path: req.path }, "request failed: storage");
      appError =
        storageFailureOf(err) === "full"
          ? new AppError(507, "storage_full", said("storage.full"))
          : new AppError(503, "unavailable", said("storage.unwritable"));
    } else if (isDatabaseUnreachable(err)) {
      // A database restart is not a bug here: said as such, and the client may try again.
      log.warn({ err, method: req.method, path: req.path }, "request failed: database unreachable");
      appError = new AppError(503, "unavailable", said("request.databaseUnreachable"));
      res.setHeader("Retry-After", "5");
    } else {
      log.error({ err, method: req.method, path: req.path }, "request failed");
      appError = new AppError(500, "internal", said("request.internal"));
    }
    const body: ApiError = {
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.reason ? { reason: appError.reason, params: appError.params ?? {} } : {}),
        ...(appError.issues ? { issues: appError.issues } : {}),
      },
    };
    if (appError instanceof RateLimitedError)
      res.setHeader("Retry-After", String(appError.retryAfterSeconds));
    res.status(appError.status).json(body);
  };
}
