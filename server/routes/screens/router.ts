import { Router } from "express";
import { validate } from "../../http/validate";
import type { Kysely } from "kysely";
import type { DistrictRegistry } from "../../services/districtRegistry";
import { districtTimeline } from "../../services/districtTimeline";
import type { EmergencyNotices } from "../../services/emergencyNotices";
import type { ScreenPairing } from "../../services/screenPairing";
import type { Database } from "../../store/schema";
import { TimelineQuerySchema } from "../districts/schema";
import { PairScreenInputSchema, ScreenParamsSchema, UpdateScreenInputSchema } from "./schema";

/** /api/screens: pair a kiosk by its code, list, rename or move, unpair, rotate the token. */
export function screensRouter(deps: {
  pairing: ScreenPairing;
  db: Kysely<Database>;
  registry: DistrictRegistry;
  emergencies: EmergencyNotices;
}): Router {
  const router = Router();
  const { pairing } = deps;

  router.get("/", async (_req, res) => {
    res.json({ screens: await pairing.list() });
  });

  router.post("/pair", async (req, res) => {
    const input = validate(PairScreenInputSchema, req.body, "pairing request");
    // The token goes to the kiosk over its socket, never to the console.
    const { screen } = await pairing.pair(input, req.socket.remoteAddress ?? "unknown");
    res.status(201).json({ screen });
  });

  router.get("/:id", async (req, res) => {
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    res.json({ screen: pairing.present(await pairing.get(id)) });
  });

  // What this screen shows at a time and over the following hours (its district's timeline).
  router.get("/:id/timeline", async (req, res) => {
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    const q = validate(TimelineQuerySchema, req.query, "query string");
    const screen = await pairing.get(id);
    const from = q.from ? Date.parse(q.from) : Date.now();
    res.json({
      screenId: id,
      ...(await districtTimeline(deps, screen.district_id, from, q.hours)),
    });
  });

  router.patch("/:id", async (req, res) => {
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    const input = validate(UpdateScreenInputSchema, req.body, "screen change");
    res.json({ screen: await pairing.update(id, input) });
  });

  router.post("/:id/revoke", async (req, res) => {
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    res.json({ screen: await pairing.revoke(id) });
  });

  router.post("/:id/rotate-token", async (req, res) => {
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    res.json({ screen: await pairing.rotate(id) });
  });

  return router;
}
