import { z } from "zod";
import { DistrictIdSchema, ReviewedSettingsSchema } from "../../../shared/schemas/district";
import { IdleSlideSchema } from "../../../shared/schemas/schedule";
export { DistrictInputSchema } from "../../../shared/schemas/district";
export { ScheduleSchema } from "../../../shared/schemas/schedule";

/** Path parameters naming one district. */
export const DistrictParamsSchema = z.object({ id: DistrictIdSchema });

/** Query of GET /api/districts/:id/timeline and /api/screens/:id/timeline: from an instant (default now), for 1–48 hours. */
export const TimelineQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true, error: "Use an ISO 8601 instant for from." }).optional(),
  hours: z.coerce.number().int().min(1).max(48).default(24),
});

/** Body of POST /api/districts/:id/schedule/idle-slide/approval: the idle slide as the approver saw it. */
export const IdleSlideApprovalSchema = z.strictObject({ idleSlide: IdleSlideSchema });

/** Body of POST /api/districts/:id/settings/approval: the contest line and emergency setting as the approver saw them. */
export const DistrictSettingsApprovalSchema = z.strictObject({ settings: ReviewedSettingsSchema });
