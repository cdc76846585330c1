import { Router, type Request } from "express";
import { z } from "zod";
import { AppError } from "../../errors";
import { validate } from "../../http/validate";
import type { ScreenRegistry } from "../../services/screens/ScreenRegistry";
import type { ScreenRow } from "../../store/schema";
import type { KioskRenditions, RenditionAnswer } from "../../services/KioskRenditions";
import type { KioskPosters } from "../../services/KioskPosters";
import { said } from "../../../shared/messages/errorMessages";

/** The path parameter of a kiosk rendition or poster: its SHA-256 in hex. */
export const HashParamsSchema = z.strictObject({
  hash: z.string().regex(/^[0-9a-f]{64}$/, "A rendition is named by its SHA-256 in hex."),
});

/** The device token of a kiosk request, from `Authorization: Bearer <token>`. */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
  return match?.[1];
}

/**
 * /kiosk: what paired screens fetch over HTTP with their device token. Only redacted
 * renditions of entries the screen may show; a taken-down entry's rendition answers 410.
 */
export function kioskRouter(deps: {
  screens: ScreenRegistry;
  renditions: KioskRenditions;
  /** Announcement posters (redacted) for the screens they are published to. */
  posters?: KioskPosters;
}): Router {
  const router = Router();

  // The Electron kiosk loads its renderer from app://, another origin: it may fetch with its
  // token (no cookies are involved, so any origin is as safe as the token it carries).
  router.use((req, res, next) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "Authorization");
    res.setHeader("Access-Control-Expose-Headers", "ETag");
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "GET");
      res.setHeader("Access-Control-Max-Age", "86400");
      res.status(204).end();
      return;
    }
    next();
  });

  /** The paired screen a request's device token names; 401 without a valid one. */
  const authenticated = async (req: Request): Promise<ScreenRow> => {
    const token = bearerToken(req);
    const screen = token === undefined ? undefined : await deps.screens.authenticate(token);
    if (!screen) throw new AppError(401, "unauthenticated", said("kiosk.tokenMissing"));
    return screen;
  };

  router.get("/renditions/:hash", async (req, res) => {
    const screen = await authenticated(req);
    const { hash } = validate(HashParamsSchema, req.params, "rendition");
    const held = /^"([0-9a-f]{64})"$/.exec(req.headers["if-none-match"] ?? "")?.[1];
    let answer: RenditionAnswer;
    try {
      answer = await deps.renditions.fetch(screen, hash, held);
    } catch (err) {
      // Taken down (or not yet approved) for this screen: gone, and never cached.
      if (err instanceof AppError && err.status === 410) res.setHeader("Cache-Control", "no-store");
      throw err;
    }
    res.setHeader("ETag", `"${hash}"`);
    // The bytes behind a hash never change, but whether this screen may still show them does.
    // No HTTP cache may keep them, not even the kiosk's browser (no-cache would still store
    // them on its disk, where no takedown or erasure reaches): the kiosk's own photo vault is
    // the only copy, and it obeys takedowns (DESIGN.md 6 and 8).
    res.setHeader("Cache-Control", "private, no-store");
    if (answer.kind === "unchanged") {
      res.status(304).end();
      return;
    }
    res.type(answer.mime).send(answer.bytes);
  });

  // A published announcement's redacted poster, with the same token and caching as renditions.
  router.get("/posters/:hash", async (req, res) => {
    const screen = await authenticated(req);
    const { hash } = validate(HashParamsSchema, req.params, "poster");
    const posters = deps.posters;
    if (!posters) throw new AppError(404, "not_found", said("kiosk.noPosters"));
    const held = /^"([0-9a-f]{64})"$/.exec(req.headers["if-none-match"] ?? "")?.[1];
    let answer: RenditionAnswer;
    try {
      answer = await posters.fetch(screen, hash, held);
    } catch (err) {
      // Not (or no longer) shown on this screen: never cached.
      res.setHeader("Cache-Control", "no-store");
      throw err;
    }
    res.setHeader("ETag", `"${hash}"`);
    res.setHeader("Cache-Control", "private, no-store");
    if (answer.kind === "unchanged") {
      res.status(304).end();
      return;
    }
    res.type(answer.mime).send(answer.bytes);
  });

  return router;
}
