import { Router } from "express";
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
}): Router {
  const router = Router();

  router.get("/", async (req, res) => {
    const query = validate(ListAnnouncementsQuerySchema, req.query, "query string");
    const rows = await listAnnouncements(deps.db, query.limit);
    res.json({ announcements: rows.map(presentAnnouncement) });
  });

  router.post("/", async (req, res) => {
    const input = validate(CreateAnnouncementSchema, req.body, "announcement");
    const announcement = await deps.publisher.publish(input);
    res.status(201).json({ announcement });
  });

  return router;
}
