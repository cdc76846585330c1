import { Router } from "express";
import type { Kysely } from "kysely";
import { validate } from "../../http/validate";
import { presentDistrict, type DistrictRegistry } from "../../services/districtRegistry";
import type { DistrictsChanged } from "../../services/emergencyNotices";
import { districtTimeline } from "../../services/districtTimeline";
import type { EmergencyNotices } from "../../services/emergencyNotices";
import type { Database } from "../../store/schema";
import {
  DistrictInputSchema,
  DistrictParamsSchema,
  ScheduleSchema,
  TimelineQuerySchema,
} from "./schema";

/** /api/districts: the district tree, each district's schedule, and what its screens show when. */
export function districtsRouter(deps: {
  db: Kysely<Database>;
  registry: DistrictRegistry;
  emergencies: EmergencyNotices;
  /** Tells the screens of these districts to re-sync. */
  notify: DistrictsChanged;
}): Router {
  const router = Router();
  const { registry } = deps;
  const notifySubtree = async (id: string): Promise<void> =>
    deps.notify(await registry.subtreeIds([id]));

  router.get("/", async (_req, res) => {
    res.json({ districts: await registry.list() });
  });

  router.post("/", async (req, res) => {
    const input = validate(DistrictInputSchema, req.body, "district");
    res.status(201).json({ district: await registry.create(input) });
  });

  router.get("/:id", async (req, res) => {
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    res.json({ district: presentDistrict(await registry.get(id)) });
  });

  router.put("/:id", async (req, res) => {
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    const input = validate(DistrictInputSchema, req.body, "district");
    const district = await registry.update(id, input);
    await notifySubtree(id);
    res.json({ district });
  });

  router.get("/:id/schedule", async (req, res) => {
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    res.json(await registry.effectiveSchedule(id));
  });

  router.put("/:id/schedule", async (req, res) => {
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    const schedule = validate(ScheduleSchema, req.body, "schedule");
    await registry.setSchedule(id, schedule);
    await notifySubtree(id);
    res.json(await registry.effectiveSchedule(id));
  });

  router.delete("/:id/schedule", async (req, res) => {
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    await registry.clearSchedule(id);
    await notifySubtree(id);
    res.json(await registry.effectiveSchedule(id));
  });

  // What the district's screens show now and over the coming hours, by the same pure function
  // the screens run.
  router.get("/:id/timeline", async (req, res) => {
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    const q = validate(TimelineQuerySchema, req.query, "query string");
    const from = q.from ? Date.parse(q.from) : Date.now();
    res.json(await districtTimeline(deps, id, from, q.hours));
  });

  return router;
}
