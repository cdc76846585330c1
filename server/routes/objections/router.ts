import { Router } from "express";
import {
  DismissObjectionSchema,
  ForwardObjectionSchema,
  SuspendObjectionSchema,
  type ObjectionAnswer,
  type ObjectionDetail,
  type ObjectionList,
} from "../../../shared/schemas/objection";
import type { Permission } from "../../../shared/access/permissions";
import { AppError } from "../../errors";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import type { Objections } from "../../services/Objections";
import { ObjectionIdParamsSchema, ObjectionListQuerySchema } from "./schema";
import { said } from "../../../shared/messages/errorMessages";

/**
 * /api/objections: the moderators' queue of citizens' objections, one opened (audited), and the
 * decisions: suspend the entry pending review, dismiss with a reason, forward to the court.
 * Each one checks the caller's roles over every district of the objection's entry first.
 */
export function objectionsRouter(deps: { objections: Objections; access: AccessPolicy }): Router {
  const router = Router();
  const { access, objections } = deps;

  /** Refuses unless `p` may take `permission` over every district of the objection's entry. */
  const requireOver = async (p: UserPrincipal, permission: Permission, id: string) => {
    const districtIds = await objections.districtsOf(id);
    if (!districtIds) throw new AppError(404, "not_found", said("objection.notFound", { id }));
    await access.requireDistricts(p, permission, districtIds);
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "objection.read");
    const q = validate(ObjectionListQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(p, "objection.read");
    res.json({
      objections: await objections.list({
        limit: q.limit,
        ...(q.state ? { state: q.state } : {}),
        ...(visible === "all" ? {} : { within: visible }),
      }),
    } satisfies ObjectionList);
  });

  router.get("/:id", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "objection.read");
    const { id } = validate(ObjectionIdParamsSchema, req.params, "objection id");
    await requireOver(p, "objection.read", id);
    res.setHeader("Cache-Control", "no-store");
    res.json((await objections.open(p, id)) satisfies ObjectionDetail);
  });

  router.get("/:id/document", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "objection.read");
    const { id } = validate(ObjectionIdParamsSchema, req.params, "objection id");
    await requireOver(p, "objection.read", id);
    const doc = await objections.document(p, id);
    res.setHeader("Cache-Control", "no-store");
    // Never rendered in the console's origin: saved, not opened (a PDF may carry scripts).
    res.setHeader("Content-Disposition", "attachment");
    res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
    res.type(doc.mime).send(doc.bytes);
  });

  router.post("/:id/suspend", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "objection.decide");
    const { id } = validate(ObjectionIdParamsSchema, req.params, "objection id");
    await requireOver(p, "objection.decide", id);
    validate(SuspendObjectionSchema, req.body, "suspension");
    res.json({ objection: await objections.suspend(p, id) } satisfies ObjectionAnswer);
  });

  router.post("/:id/dismiss", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "objection.decide");
    const { id } = validate(ObjectionIdParamsSchema, req.params, "objection id");
    await requireOver(p, "objection.decide", id);
    const { reason } = validate(DismissObjectionSchema, req.body, "dismissal");
    res.json({ objection: await objections.dismiss(p, id, reason) } satisfies ObjectionAnswer);
  });

  router.post("/:id/forward", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "objection.decide");
    const { id } = validate(ObjectionIdParamsSchema, req.params, "objection id");
    await requireOver(p, "objection.decide", id);
    validate(ForwardObjectionSchema, req.body, "forwarding");
    res.json({ objection: await objections.forward(p, id) } satisfies ObjectionAnswer);
  });

  return router;
}
