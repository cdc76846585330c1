import { z } from "zod";
import { AnnouncementStateSchema } from "../../../shared/schemas/announcement";
export {
  AnnouncementApprovalSchema,
  AnnouncementEditSchema,
  AnnouncementInputSchema as CreateAnnouncementSchema,
  AnnouncementReasonSchema,
  AnnouncementRevisionSchema,
} from "../../../shared/schemas/announcement";

/** Query string of GET /api/announcements. */
export const ListAnnouncementsQuerySchema = z.strictObject({
  state: AnnouncementStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Path parameters naming one announcement. */
export const AnnouncementParamsSchema = z.object({ id: z.uuid("Announcement ids are UUIDs.") });

/**
 * What a moderator accepting a poster must name: the rendition they looked at (an acceptance
 * holds only for the version its moderator saw).
 */
export const ConfirmPosterSchema = z.strictObject({
  hash: z
    .string({ error: "Name the poster by the SHA-256 hash of the rendition you saw." })
    .regex(/^[0-9a-f]{64}$/, "Name the poster by the SHA-256 hash of the rendition you saw."),
});
