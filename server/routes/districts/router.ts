import { Router, type Request } from "express";
import type { Permission } from "../../../shared/access/permissions";
import { principalOf } from "../../http/session";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import { validate } from "../../http/validate";
import { presentDistrict } from "../../presenters/presentDistrict";
import type { DistrictRegistry } from "../../services/DistrictRegistry";
import type { TimelineOf } from "../../services/districtTimeline";
import type { EffectiveSchedule } from "../../../shared/schemas/schedule";
import type { Timeline } from "../../../shared/schemas/timeline";
import {
  DistrictInputSchema,
  DistrictParamsSchema,
  DistrictSettingsApprovalSchema,
  IdleSlideApprovalSchema,
  ScheduleSchema,
  TimelineQuerySchema,
} from "./schema";

/** /api/districts: the district tree, each district's schedule, and what its screens show when. */
export function districtsRouter(deps: {
  registry: DistrictRegistry;
  /** What a district's screens show from an instant on. */
  timeline: TimelineOf;
  access: AccessPolicy;
}): Router {
  const router = Router();
  const { registry, access } = deps;
  /** The route's gate: a permission over the district named in the path. */
  const over = async (
    req: Request,
    permission: Permission,
  ): Promise<{ id: string; p: UserPrincipal }> => {
    const p = principalOf(req);
    access.requirePermission(p, permission);
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    await registry.get(id);
    await access.requireDistricts(p, permission, [id]);
    return { id, p };
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "district.read");
    const visible = await access.visibleDistricts(p, "district.read");
    const all = await registry.list();
    res.json({ districts: visible === "all" ? all : all.filter((d) => visible.has(d.id)) });
  });

  // A city needs an admin of the whole tree; a district, an admin of its parent.
  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "district.manage");
    const input = validate(DistrictInputSchema, req.body, "district");
    if (input.parentId === null) access.requireGlobal(p, "district.manage", "Creating a city");
    else await access.requireDistricts(p, "district.manage", [input.parentId]);
    const district = await registry.create(input, { type: "user", id: p.id });
    res.status(201).json({ district });
  });

  router.get("/:id", async (req, res) => {
    const { id } = await over(req, "district.read");
    res.json({ district: presentDistrict(await registry.get(id)) });
  });

  router.put("/:id", async (req, res) => {
    const { id, p } = await over(req, "district.manage");
    const input = validate(DistrictInputSchema, req.body, "district");
    const before = presentDistrict(await registry.get(id));
    if (input.parentId !== before.parentId) {
      if (input.parentId === null)
        access.requireGlobal(p, "district.manage", "Making a district a city");
      else await access.requireDistricts(p, "district.manage", [input.parentId]);
    }
    const district = await registry.update(id, input, { type: "user", id: p.id });
    res.json({ district });
  });

  // A second person approves the contest line and emergency setting as they saw them.
  router.post("/:id/settings/approval", async (req, res) => {
    const { id, p } = await over(req, "district.approve");
    const { settings } = validate(DistrictSettingsApprovalSchema, req.body, "settings approval");
    res.json({ district: await registry.approveSettings(id, settings, p.id) });
  });

  router.get("/:id/schedule", async (req, res) => {
    const { id } = await over(req, "district.read");
    res.json((await registry.effectiveSchedule(id)) satisfies EffectiveSchedule);
  });

  router.put("/:id/schedule", async (req, res) => {
    const { id, p } = await over(req, "schedule.edit");
    const schedule = validate(ScheduleSchema, req.body, "schedule");
    await registry.setSchedule(id, schedule, { type: "user", id: p.id });
    res.json((await registry.effectiveSchedule(id)) satisfies EffectiveSchedule);
  });

  // A second person approves the idle slide as they saw it; its screens show it then.
  router.post("/:id/schedule/idle-slide/approval", async (req, res) => {
    const { id, p } = await over(req, "schedule.approve");
    const { idleSlide } = validate(IdleSlideApprovalSchema, req.body, "idle slide approval");
    await registry.approveIdleSlide(id, idleSlide, p.id);
    res.json((await registry.effectiveSchedule(id)) satisfies EffectiveSchedule);
  });

  router.delete("/:id/schedule", async (req, res) => {
    const { id, p } = await over(req, "schedule.edit");
    await registry.clearSchedule(id, { type: "user", id: p.id });
    res.json((await registry.effectiveSchedule(id)) satisfies EffectiveSchedule);
  });

  // What the district's screens show now and over the coming hours, by the same pure function
  // the screens run.
  router.get("/:id/timeline", async (req, res) => {
    const { id } = await over(req, "district.read");
    const q = validate(TimelineQuerySchema, req.query, "query string");
    const from = q.from ? Date.parse(q.from) : Date.now();
    res.json((await deps.timeline(id, from, q.hours)) satisfies Timeline);
  });

  return router;
}
