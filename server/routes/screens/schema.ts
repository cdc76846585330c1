import { z } from "zod";
export { PairScreenInputSchema, UpdateScreenInputSchema } from "../../../shared/schemas/screen";

/** Path parameters naming one screen. */
export const ScreenParamsSchema = z.object({ id: z.uuid("Screen ids are UUIDs.") });
