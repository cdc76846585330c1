import { z } from "zod";
export { AnnouncementInputSchema as CreateAnnouncementSchema } from "../../../shared/schemas/announcement";

/** Query string of GET /api/announcements. */
export const ListAnnouncementsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
