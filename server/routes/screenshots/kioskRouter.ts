import express, { Router, type Request, type RequestHandler } from "express";
import { said } from "../../../shared/messages/errorMessages";
import { SCREENSHOT_MAX_BYTES } from "../../../shared/schemas/screenshot";
import { AppError } from "../../errors";
import { validate } from "../../http/validate";
import type { ScreenRegistry } from "../../services/screens/ScreenRegistry";
import type { ScreenScreenshots } from "../../services/screens/ScreenScreenshots";
import type { ScreenRow } from "../../store/schema";
import { RequestParamsSchema, ScreenshotUnavailableInputSchema } from "./schema";

const PICTURE_TYPES = ["image/png", "image/jpeg"];

/** The device token of a kiosk request, from `Authorization: Bearer <token>`. */
function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
  return match?.[1];
}

/** The raw body parser, its "too large" worded for a picture. */
const pictureBody: RequestHandler = (req, res, next) => {
  express.raw({ type: PICTURE_TYPES, limit: SCREENSHOT_MAX_BYTES })(req, res, (err?: unknown) => {
    if ((err as { type?: string } | undefined)?.type === "entity.too.large")
      next(new AppError(413, "payload_too_large", said("screenshot.tooLarge")));
    else next(err);
  });
};

/**
 * /kiosk/screenshots: a paired kiosk answers the server's "screen:screenshot" with its device
 * token: the picture (image/png or image/jpeg, at most 4 MB) or why it cannot. Only the screen
 * asked may answer, and once. The token and the request are checked before the body is read.
 */
export function kioskScreenshotsRouter(deps: {
  screens: ScreenRegistry;
  screenshots: ScreenScreenshots;
}): Router {
  const router = Router();
  const locals = new WeakMap<Request, { screen: ScreenRow; requestId: string }>();

  // The Electron kiosk (app://) posts from another origin with its token; no cookies involved.
  router.use((req, res, next) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "POST");
      res.setHeader("Access-Control-Max-Age", "86400");
      res.status(204).end();
      return;
    }
    next();
  });

  /** The paired screen and the request named; refuses before any body is read. */
  const authenticated: RequestHandler = async (req, _res, next) => {
    const token = bearerToken(req);
    const screen = token === undefined ? undefined : await deps.screens.authenticate(token);
    if (!screen) throw new AppError(401, "unauthenticated", said("kiosk.tokenMissing"));
    const { requestId } = validate(RequestParamsSchema, req.params, "screenshot request");
    locals.set(req, { screen, requestId });
    next();
  };
  const named = (req: Request) => {
    const found = locals.get(req);
    if (!found) throw new Error("kiosk screenshot route without its authentication");
    return found;
  };

  router.post(
    "/:requestId",
    authenticated,
    (req, _res, next) => {
      if (!req.is(PICTURE_TYPES))
        throw new AppError(415, "unsupported_media_type", said("screenshot.wrongType"));
      if (Number(req.headers["content-length"] ?? 0) > SCREENSHOT_MAX_BYTES)
        throw new AppError(413, "payload_too_large", said("screenshot.tooLarge"));
      next();
    },
    pictureBody,
    async (req, res) => {
      const { screen, requestId } = named(req);
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw new AppError(400, "bad_request", said("screenshot.notImage"));
      const screenshot = await deps.screenshots.receive(screen, requestId, body);
      res.status(201).json({ screenshot: { id: screenshot.id, state: screenshot.state } });
    },
  );

  router.post(
    "/:requestId/unavailable",
    authenticated,
    (req, _res, next) => {
      if (!req.is("application/json"))
        throw new AppError(415, "unsupported_media_type", said("request.notJson"));
      next();
    },
    express.json({ limit: "4kb" }),
    async (req, res) => {
      const { screen, requestId } = named(req);
      const { reason } = validate(ScreenshotUnavailableInputSchema, req.body, "unavailable reason");
      const screenshot = await deps.screenshots.unavailable(screen, requestId, reason);
      res.json({ screenshot: { id: screenshot.id, state: screenshot.state } });
    },
  );

  return router;
}
