import { Router } from "express";
import { principalOf } from "../../http/session";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import { validate } from "../../http/validate";
import type { AnnouncementPublisher } from "../../services/AnnouncementPublisher";
import { CreateAnnouncementSchema, ListAnnouncementsQuerySchema } from "./schema";

/** /api/announcements: create (pushes to screens at once) and list. */
export function announcementsRouter(deps: {
  publisher: AnnouncementPublisher;
  access: AccessPolicy;
}): Router {
  const router = Router();

  router.get("/", async (req, res) => {
    deps.access.requirePermission(principalOf(req), "announcement.read");
    const query = validate(ListAnnouncementsQuerySchema, req.query, "query string");
    res.json({ announcements: await deps.publisher.list(query.limit) });
  });

  // Announcements go to every screen, so they need an operator of the whole city.
  router.post("/", async (req, res) => {
    const p = principalOf(req);
    deps.access.requireGlobal(p, "announcement.publish", "An announcement to every screen");
    const input = validate(CreateAnnouncementSchema, req.body, "announcement");
    const announcement = await deps.publisher.publish(input, { type: "user", id: p.id });
    res.status(201).json({ announcement });
  });

  return router;
}
