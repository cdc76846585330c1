import { Router, type Request } from "express";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { ScreenRegistry } from "../../services/screens/ScreenRegistry";
import type { ScreenScreenshots } from "../../services/screens/ScreenScreenshots";
import {
  RequestScreenshotInputSchema,
  ScreenParamsSchema,
  ScreenshotListQuerySchema,
  ScreenshotParamsSchema,
} from "./schema";

/**
 * Pictures of what a screen shows (mounted on /api): ask one (POST /screens/:id/screenshots,
 * 202: the screen answers within two minutes), list a screen's latest, read a picture. All under
 * "screen.screenshot" over the screen's district.
 */
export function screenshotsRouter(deps: {
  screens: ScreenRegistry;
  screenshots: ScreenScreenshots;
  access: AccessPolicy;
}): Router {
  const router = Router();
  const { screens, screenshots, access } = deps;
  const overScreen = async (req: Request) => {
    const p = principalOf(req);
    access.requirePermission(p, "screen.screenshot");
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    const screen = await screens.get(id);
    await access.requireDistricts(p, "screen.screenshot", [screen.district_id]);
    return { id, p };
  };

  router.post("/screens/:id/screenshots", async (req, res) => {
    const { id, p } = await overScreen(req);
    validate(RequestScreenshotInputSchema, req.body ?? {}, "screenshot request");
    res.status(202).json({ screenshot: await screenshots.request(id, p.id) });
  });

  router.get("/screens/:id/screenshots", async (req, res) => {
    const { id } = await overScreen(req);
    const { limit } = validate(ScreenshotListQuerySchema, req.query, "query string");
    res.setHeader("Cache-Control", "no-store");
    res.json({ screenId: id, screenshots: await screenshots.list(id, limit) });
  });

  // The picture: over the district the screen was in when asked; never cached anywhere.
  router.get("/screenshots/:id/image", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "screen.screenshot");
    const { id } = validate(ScreenshotParamsSchema, req.params, "screenshot id");
    const row = await screenshots.load(id);
    await access.requireDistricts(p, "screen.screenshot", [row.district_id]);
    const jpeg = await screenshots.image(id);
    res.setHeader("Cache-Control", "no-store");
    res.type("image/jpeg").send(jpeg);
  });

  return router;
}
