import { Router } from "express";
import type { Kysely } from "kysely";
import { recordAudit } from "../../http/recordAudit";
import { principalOf } from "../../http/session";
import type { AuditLog } from "../../services/auditLog";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { Database } from "../../store/schema";
import { validate } from "../../http/validate";
import type { EmergencyNotices } from "../../services/emergencyNotices";
import { EmergencyParamsSchema, PostEmergencySchema } from "./schema";

/** /api/emergencies: post a notice that takes over its districts' screens, list, clear. */
export function emergenciesRouter(deps: {
  emergencies: EmergencyNotices;
  access: AccessPolicy;
  audit: AuditLog;
  db: Kysely<Database>;
}): Router {
  const router = Router();
  const { access } = deps;
  const anyRole = ["operator", "moderator"] as const;

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, anyRole);
    const visible = await access.visibleDistricts(p, anyRole);
    const all = await deps.emergencies.listActive();
    res.json({
      emergencies:
        visible === "all" ? all : all.filter((e) => e.districtIds.some((d) => visible.has(d))),
    });
  });

  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["operator"]);
    const input = validate(PostEmergencySchema, req.body, "emergency notice");
    await access.requireDistricts(p, ["operator"], input.districtIds);
    const endsAt = input.endsAt ? new Date(input.endsAt).toISOString() : undefined;
    const emergency = await deps.emergencies.post({
      title: input.title,
      body: input.body,
      districtIds: input.districtIds,
      ...(endsAt ? { endsAt } : {}),
    });
    await recordAudit(
      deps,
      p,
      "emergency.sent",
      { type: "emergency", id: emergency.id },
      {
        title: emergency.title,
        districtIds: emergency.districtIds,
        endsAt: emergency.endsAt ?? null,
      },
    );
    res.status(201).json({ emergency });
  });

  router.post("/:id/clear", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["operator"]);
    const { id } = validate(EmergencyParamsSchema, req.params, "emergency id");
    await access.requireDistricts(p, ["operator"], (await deps.emergencies.get(id)).districtIds);
    const emergency = await deps.emergencies.clear(id);
    await recordAudit(deps, p, "emergency.cleared", { type: "emergency", id });
    res.json({ emergency });
  });

  return router;
}
