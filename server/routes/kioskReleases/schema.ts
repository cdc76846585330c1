import { z } from "zod";
import { ReleaseVersionSchema } from "../../../shared/schemas/kioskRelease";

/** The `:version` of /api/kiosk-releases/:version/… */
export const ReleaseVersionParamsSchema = z.strictObject({ version: ReleaseVersionSchema });

/** The `:channel/:file` of a kiosk's update feed request. */
export const FeedParamsSchema = z.strictObject({
  channel: z.string().regex(/^[a-z][a-z0-9]{0,19}$/, "A channel is a lower-case word."),
  file: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/,
      "A feed file is named by letters, digits, '.', '-' and '_'.",
    ),
});
