import { z } from "zod";
export {
  IdentifyScreenInputSchema,
  PairScreenInputSchema,
  ScreenHistoryQuerySchema,
  ScreenListQuerySchema,
  ScreenTagsInputSchema,
  UpdateScreenInputSchema,
} from "../../../shared/schemas/screen";

/** A reload request carries nothing (an empty object). */
export const ReloadScreenInputSchema = z.strictObject({});

/** Path parameters naming one screen. */
export const ScreenParamsSchema = z.object({ id: z.uuid("Screen ids are UUIDs.") });
