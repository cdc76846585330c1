import { Router } from "express";
import { recordAudit } from "../../http/recordAudit";
import { principalOf } from "../../http/session";
import type { AuditLog } from "../../services/auditLog";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { Kysely } from "kysely";
import { validate } from "../../http/validate";
import { presentAnnouncement } from "../../presenters/presentAnnouncement";
import type { AnnouncementPublisher } from "../../services/announcementPublisher";
import { listAnnouncements } from "../../store/announcements";
import type { Database } from "../../store/schema";
import { CreateAnnouncementSchema, ListAnnouncementsQuerySchema } from "./schema";

/** /api/announcements: create (pushes to screens at once) and list. */
export function announcementsRouter(deps: {
  db: Kysely<Database>;
  publisher: AnnouncementPublisher;
  access: AccessPolicy;
  audit: AuditLog;
}): Router {
  const router = Router();

  router.get("/", async (req, res) => {
    deps.access.requireRole(principalOf(req), ["operator", "moderator"]);
    const query = validate(ListAnnouncementsQuerySchema, req.query, "query string");
    const rows = await listAnnouncements(deps.db, query.limit);
    res.json({ announcements: rows.map(presentAnnouncement) });
  });

  // Announcements go to every screen, so they need an operator of the whole city.
  router.post("/", async (req, res) => {
    const p = principalOf(req);
    deps.access.requireGlobal(p, ["operator"], "An announcement to every screen");
    const input = validate(CreateAnnouncementSchema, req.body, "announcement");
    const announcement = await deps.publisher.publish(input);
    await recordAudit(
      deps,
      p,
      "announcement.published",
      {
        type: "announcement",
        id: announcement.id,
      },
      { title: announcement.title },
    );
    res.status(201).json({ announcement });
  });

  return router;
}
