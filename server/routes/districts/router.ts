import { Router, type Request } from "express";
import type { Role } from "../../../shared/schemas/account";
import { recordAudit } from "../../http/recordAudit";
import { principalOf } from "../../http/session";
import type { AuditLog } from "../../services/auditLog";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
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
  access: AccessPolicy;
  audit: AuditLog;
}): Router {
  const router = Router();
  const { registry, access } = deps;
  const anyRole = ["operator", "moderator"] as const;
  /** The route's gate: a role over the district named in the path. */
  const over = async (
    req: Request,
    roles: readonly Role[],
  ): Promise<{ id: string; p: UserPrincipal }> => {
    const p = principalOf(req);
    access.requireRole(p, roles);
    const { id } = validate(DistrictParamsSchema, req.params, "district id");
    await registry.get(id);
    await access.requireDistricts(p, roles, [id]);
    return { id, p };
  };
  const notifySubtree = async (id: string): Promise<void> =>
    deps.notify(await registry.subtreeIds([id]));

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, anyRole);
    const visible = await access.visibleDistricts(p, anyRole);
    const all = await registry.list();
    res.json({ districts: visible === "all" ? all : all.filter((d) => visible.has(d.id)) });
  });

  // A city needs an admin of the whole tree; a district, an admin of its parent.
  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["admin"]);
    const input = validate(DistrictInputSchema, req.body, "district");
    if (input.parentId === null) access.requireGlobal(p, ["admin"], "Creating a city");
    else await access.requireDistricts(p, ["admin"], [input.parentId]);
    const district = await registry.create(input);
    await recordAudit(
      deps,
      p,
      "district.created",
      { type: "district", id: input.id },
      { ...input },
    );
    res.status(201).json({ district });
  });

  router.get("/:id", async (req, res) => {
    const { id } = await over(req, anyRole);
    res.json({ district: presentDistrict(await registry.get(id)) });
  });

  router.put("/:id", async (req, res) => {
    const { id, p } = await over(req, ["admin"]);
    const input = validate(DistrictInputSchema, req.body, "district");
    const before = presentDistrict(await registry.get(id));
    if (input.parentId !== before.parentId) {
      if (input.parentId === null) access.requireGlobal(p, ["admin"], "Making a district a city");
      else await access.requireDistricts(p, ["admin"], [input.parentId]);
    }
    const district = await registry.update(id, input);
    await recordAudit(
      deps,
      p,
      "district.updated",
      { type: "district", id },
      { before, after: district },
    );
    await notifySubtree(id);
    res.json({ district });
  });

  router.get("/:id/schedule", async (req, res) => {
    const { id } = await over(req, anyRole);
    res.json(await registry.effectiveSchedule(id));
  });

  router.put("/:id/schedule", async (req, res) => {
    const { id, p } = await over(req, ["operator"]);
    const schedule = validate(ScheduleSchema, req.body, "schedule");
    const before = await registry.effectiveSchedule(id);
    await registry.setSchedule(id, schedule);
    await recordAudit(
      deps,
      p,
      "schedule.changed",
      { type: "district", id },
      {
        before: before.fromDistrictId === id ? before.schedule : null,
        after: schedule,
      },
    );
    await notifySubtree(id);
    res.json(await registry.effectiveSchedule(id));
  });

  router.delete("/:id/schedule", async (req, res) => {
    const { id, p } = await over(req, ["operator"]);
    const before = await registry.effectiveSchedule(id);
    if (await registry.clearSchedule(id))
      await recordAudit(
        deps,
        p,
        "schedule.changed",
        { type: "district", id },
        {
          before: before.fromDistrictId === id ? before.schedule : null,
          after: null,
        },
      );
    await notifySubtree(id);
    res.json(await registry.effectiveSchedule(id));
  });

  // What the district's screens show now and over the coming hours, by the same pure function
  // the screens run.
  router.get("/:id/timeline", async (req, res) => {
    const { id } = await over(req, anyRole);
    const q = validate(TimelineQuerySchema, req.query, "query string");
    const from = q.from ? Date.parse(q.from) : Date.now();
    res.json(await districtTimeline(deps, id, from, q.hours));
  });

  return router;
}
