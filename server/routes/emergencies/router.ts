import { Router } from "express";
import { principalOf } from "../../http/session";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import { validate } from "../../http/validate";
import type { EmergencyNotices } from "../../services/EmergencyNotices";
import type { EmergencyView } from "../../../shared/schemas/schedule";
import { EmergencyParamsSchema, PostEmergencySchema } from "./schema";

/** /api/emergencies: post a notice that takes over its districts' screens, list, clear. */
export function emergenciesRouter(deps: {
  emergencies: EmergencyNotices;
  access: AccessPolicy;
}): Router {
  const router = Router();
  const { access } = deps;

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "emergency.read");
    const visible = await access.visibleDistricts(p, "emergency.read");
    const all = await deps.emergencies.listActive();
    res.json({
      emergencies:
        visible === "all" ? all : all.filter((e) => e.districtIds.some((d) => visible.has(d))),
    } satisfies { emergencies: EmergencyView[] });
  });

  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "emergency.raise");
    const input = validate(PostEmergencySchema, req.body, "emergency notice");
    await access.requireDistricts(p, "emergency.raise", input.districtIds);
    const endsAt = input.endsAt ? new Date(input.endsAt).toISOString() : undefined;
    const emergency = await deps.emergencies.post(
      {
        title: input.title,
        body: input.body,
        districtIds: input.districtIds,
        ...(endsAt ? { endsAt } : {}),
      },
      { type: "user", id: p.id },
    );
    res.status(201).json({ emergency: emergency satisfies EmergencyView });
  });

  router.post("/:id/clear", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "emergency.clear");
    const { id } = validate(EmergencyParamsSchema, req.params, "emergency id");
    await access.requireDistricts(
      p,
      "emergency.clear",
      (await deps.emergencies.get(id)).districtIds,
    );
    const emergency = await deps.emergencies.clear(id, { type: "user", id: p.id });
    res.json({ emergency: emergency satisfies EmergencyView });
  });

  return router;
}
