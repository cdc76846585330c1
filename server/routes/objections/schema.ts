import { z } from "zod";
import { ObjectionStateSchema } from "../../../shared/schemas/objection";

/** Path parameters naming one objection. */
export const ObjectionIdParamsSchema = z.strictObject({
  id: z.uuid({ error: "An objection id is a UUID." }),
});

/** Query of GET /api/objections: a state to filter by, and how many (newest first). */
export const ObjectionListQuerySchema = z.strictObject({
  state: ObjectionStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
