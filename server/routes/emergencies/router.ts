import { Router, type Request } from "express";
import type { Permission } from "../../../shared/access/permissions";
import type { EmergencyReach, EmergencyView } from "../../../shared/schemas/schedule";
import { AppError } from "../../errors";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import type { EmergencyNotices } from "../../services/EmergencyNotices";
import {
  EmergencyParamsSchema,
  PostEmergencySchema,
  PullEmergencySchema,
  ReviewEmergencySchema,
} from "./schema";
import { said } from "../../../shared/messages/errorMessages";

/**
 * /api/emergencies: post a notice that takes over its districts' screens, list, clear; a
 * moderator confirms, approves or pulls it; its reach per screen.
 */
export function emergenciesRouter(deps: {
  emergencies: EmergencyNotices;
  access: AccessPolicy;
}): Router {
  const router = Router();
  const { access, emergencies } = deps;

  /** The notices of `all` the user may see with `permission`. */
  const visibleOf = async (p: UserPrincipal, permission: Permission, all: EmergencyView[]) => {
    const visible = await access.visibleDistricts(p, permission);
    return visible === "all" ? all : all.filter((e) => e.districtIds.some((d) => visible.has(d)));
  };

  /** The route's gate: a permission over every district of the notice named in the path. */
  const over = async (
    req: Request,
    permission: Permission,
  ): Promise<{ notice: EmergencyView; p: UserPrincipal }> => {
    const p = principalOf(req);
    access.requirePermission(p, permission);
    const { id } = validate(EmergencyParamsSchema, req.params, "emergency id");
    const notice = await emergencies.get(id);
    await access.requireDistricts(p, permission, notice.districtIds);
    return { notice, p };
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "emergency.read");
    res.json({
      emergencies: await visibleOf(p, "emergency.read", await emergencies.listActive()),
    } satisfies { emergencies: EmergencyView[] });
  });

  // What a moderator has to look at: notices sent and not yet reviewed, or waiting for approval.
  router.get("/review-queue", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "emergency.review");
    res.json({
      emergencies: await visibleOf(p, "emergency.review", await emergencies.listToReview()),
    } satisfies { emergencies: EmergencyView[] });
  });

  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "emergency.raise");
    const input = validate(PostEmergencySchema, req.body, "emergency notice");
    await access.requireDistricts(p, "emergency.raise", input.districtIds);
    const endsAt = input.endsAt ? new Date(input.endsAt).toISOString() : undefined;
    const emergency = await emergencies.post(
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

  router.get("/:id/reach", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "emergency.read");
    const { id } = validate(EmergencyParamsSchema, req.params, "emergency id");
    const notice = await emergencies.get(id);
    if (!(await access.seesAny(p, "emergency.read", notice.districtIds)))
      throw new AppError(403, "forbidden", said("access.emergencyDistricts"));
    res.json((await emergencies.reach(id)) satisfies EmergencyReach);
  });

  router.post("/:id/clear", async (req, res) => {
    const { notice, p } = await over(req, "emergency.clear");
    const emergency = await emergencies.clear(notice.id, { type: "user", id: p.id });
    res.json({ emergency: emergency satisfies EmergencyView });
  });

  router.post("/:id/confirm", async (req, res) => {
    const { notice, p } = await over(req, "emergency.review");
    validate(ReviewEmergencySchema, req.body ?? {}, "confirmation");
    const emergency = await emergencies.confirm(notice.id, { type: "user", id: p.id });
    res.json({ emergency: emergency satisfies EmergencyView });
  });

  router.post("/:id/approve", async (req, res) => {
    const { notice, p } = await over(req, "emergency.review");
    validate(ReviewEmergencySchema, req.body ?? {}, "approval");
    const emergency = await emergencies.approve(notice.id, { type: "user", id: p.id });
    res.json({ emergency: emergency satisfies EmergencyView });
  });

  router.post("/:id/pull", async (req, res) => {
    const { notice, p } = await over(req, "emergency.review");
    const { reason } = validate(PullEmergencySchema, req.body, "pull");
    const emergency = await emergencies.pull(notice.id, { type: "user", id: p.id }, reason);
    res.json({ emergency: emergency satisfies EmergencyView });
  });

  return router;
}
