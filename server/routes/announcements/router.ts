import { Router } from "express";
import type { Permission } from "../../../shared/access/permissions";
import type { AnnouncementView } from "../../../shared/schemas/announcement";
import { AppError } from "../../errors";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AnnouncementDesk } from "../../services/AnnouncementDesk";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import {
  AnnouncementApprovalSchema,
  AnnouncementEditSchema,
  AnnouncementParamsSchema,
  AnnouncementReasonSchema,
  AnnouncementRevisionSchema,
  CreateAnnouncementSchema,
  ListAnnouncementsQuerySchema,
} from "./schema";
import { said } from "../../../shared/messages/errorMessages";

/**
 * /api/announcements: drafts, edits, review (four eyes), withdrawal. Each action is checked over
 * the districts the announcement targets; a city-wide one needs the role over the whole city.
 */
export function announcementsRouter(deps: {
  desk: AnnouncementDesk;
  access: AccessPolicy;
}): Router {
  const router = Router();
  const { access, desk } = deps;

  /** Refuses unless `p` may take `permission` over every district of `districtIds` (none: city). */
  const requireOver = async (
    p: UserPrincipal,
    permission: Permission,
    districtIds: readonly string[],
  ): Promise<void> => {
    access.requirePermission(p, permission);
    if (districtIds.length === 0)
      access.requireGlobal(p, permission, "An announcement to the whole city");
    else await access.requireDistricts(p, permission, districtIds);
  };

  /** The announcement, if `p` may see it (city-wide, or targeting a district they read). */
  const visible = async (p: UserPrincipal, id: string): Promise<AnnouncementView> => {
    const a = await desk.get(id);
    const ds = a.target.districtIds;
    if (ds.length > 0 && !(await access.seesAny(p, "announcement.read", ds)))
      throw new AppError(403, "forbidden", said("access.announcementDistricts"));
    return a;
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.read");
    const query = validate(ListAnnouncementsQuerySchema, req.query, "query string");
    const within = await access.visibleDistricts(p, "announcement.read");
    res.json({
      announcements: await desk.list({
        limit: query.limit,
        ...(query.state ? { state: query.state } : {}),
        ...(within === "all" ? {} : { within }),
      }),
    });
  });

  router.get("/:id", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.read");
    const { id } = validate(AnnouncementParamsSchema, req.params, "announcement id");
    res.json({ announcement: await visible(p, id) });
  });

  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.edit");
    const input = validate(CreateAnnouncementSchema, req.body, "announcement");
    await requireOver(p, "announcement.edit", input.target.districtIds);
    res.status(201).json({ announcement: await desk.create(input, p.id) });
  });

  router.patch("/:id", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.edit");
    const { id } = validate(AnnouncementParamsSchema, req.params, "announcement id");
    const before = await visible(p, id);
    await requireOver(p, "announcement.edit", before.target.districtIds);
    const edit = validate(AnnouncementEditSchema, req.body, "announcement edit");
    if (edit.target) await requireOver(p, "announcement.edit", edit.target.districtIds);
    res.json({ announcement: await desk.edit(id, edit, p.id) });
  });

  router.post("/:id/submit", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.edit");
    const { id } = validate(AnnouncementParamsSchema, req.params, "announcement id");
    await requireOver(p, "announcement.edit", (await visible(p, id)).target.districtIds);
    const { revision } = validate(AnnouncementRevisionSchema, req.body, "submission");
    res.json({ announcement: await desk.submit(id, revision, p.id) });
  });

  router.post("/:id/approve", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.approve");
    const { id } = validate(AnnouncementParamsSchema, req.params, "announcement id");
    await requireOver(p, "announcement.approve", (await visible(p, id)).target.districtIds);
    const { revision, posterHash } = validate(AnnouncementApprovalSchema, req.body, "approval");
    res.json({ announcement: await desk.approve(id, revision, p.id, posterHash) });
  });

  router.post("/:id/reject", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.approve");
    const { id } = validate(AnnouncementParamsSchema, req.params, "announcement id");
    await requireOver(p, "announcement.approve", (await visible(p, id)).target.districtIds);
    const { revision, reason } = validate(AnnouncementReasonSchema, req.body, "rejection");
    res.json({ announcement: await desk.reject(id, reason, p.id, revision) });
  });

  router.post("/:id/withdraw", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.withdraw");
    const { id } = validate(AnnouncementParamsSchema, req.params, "announcement id");
    await requireOver(p, "announcement.withdraw", (await visible(p, id)).target.districtIds);
    const { reason } = validate(AnnouncementReasonSchema, req.body, "withdrawal");
    res.json({ announcement: await desk.withdraw(id, reason, p.id) });
  });

  return router;
}
