import { Router } from "express";
import { validate } from "../../http/validate";
import type { EmergencyNotices } from "../../services/emergencyNotices";
import { EmergencyParamsSchema, PostEmergencySchema } from "./schema";

/** /api/emergencies: post a notice that takes over its districts' screens, list, clear. */
export function emergenciesRouter(deps: { emergencies: EmergencyNotices }): Router {
  const router = Router();

  router.get("/", async (_req, res) => {
    res.json({ emergencies: await deps.emergencies.listActive() });
  });

  router.post("/", async (req, res) => {
    const input = validate(PostEmergencySchema, req.body, "emergency notice");
    const endsAt = input.endsAt ? new Date(input.endsAt).toISOString() : undefined;
    const emergency = await deps.emergencies.post({
      title: input.title,
      body: input.body,
      districtIds: input.districtIds,
      ...(endsAt ? { endsAt } : {}),
    });
    res.status(201).json({ emergency });
  });

  router.post("/:id/clear", async (req, res) => {
    const { id } = validate(EmergencyParamsSchema, req.params, "emergency id");
    res.json({ emergency: await deps.emergencies.clear(id) });
  });

  return router;
}
