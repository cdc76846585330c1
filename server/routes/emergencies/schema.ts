import { z } from "zod";
import { DistrictIdSchema } from "../../../shared/schemas/district";

/** What an operator posts as an emergency notice. */
export const PostEmergencySchema = z.strictObject({
  title: z.string().trim().min(1, "An emergency needs a title.").max(120),
  body: z.string().trim().max(2000).default(""),
  districtIds: z
    .array(DistrictIdSchema)
    .min(1, "Pick at least one district (or the city).")
    .max(200),
  endsAt: z.iso.datetime({ offset: true, error: "Use an ISO 8601 instant for endsAt." }).optional(),
});

/** Path parameters naming one emergency. */
export const EmergencyParamsSchema = z.object({ id: z.uuid("Emergency ids are UUIDs.") });

/**
 * The body of a confirmation or an approval: nothing (the notice cannot change after it is
 * posted, so what the moderator saw is what goes out).
 */
export const ReviewEmergencySchema = z.strictObject({});

/** Why a moderator pulls a notice (kept in the audit log and shown to the sender). */
export const PullEmergencySchema = z.strictObject({
  reason: z.string().trim().min(1, "Say why the notice is pulled.").max(500),
});
