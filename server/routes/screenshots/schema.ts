import { z } from "zod";
export { ScreenshotUnavailableInputSchema } from "../../../shared/schemas/screenshot";

/** Path parameters naming one screen. */
export const ScreenParamsSchema = z.object({ id: z.uuid("Screen ids are UUIDs.") });

/** Path parameters naming one screenshot request. */
export const ScreenshotParamsSchema = z.object({ id: z.uuid("Screenshot ids are UUIDs.") });

/** Path parameters of a kiosk's answer. */
export const RequestParamsSchema = z.object({
  requestId: z.uuid("Screenshot request ids are UUIDs."),
});

/** Asking for a picture carries nothing (an empty object). */
export const RequestScreenshotInputSchema = z.strictObject({});

/** How many of a screen's latest requests to list (5 unless asked, at most 20). */
export const ScreenshotListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(20).default(5),
});
