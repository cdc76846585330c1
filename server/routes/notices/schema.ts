import { z } from "zod";
import { PublicIdSchema } from "../../../shared/schemas/publicNotice";

/** Path parameters naming one public notice. */
export const NoticeParamsSchema = z.strictObject({ publicId: PublicIdSchema });

/** Query of GET /n/:publicId: the language switch ("zh" or "en"); other parameters are ignored. */
export const NoticeQuerySchema = z.object({
  lang: z.enum(["zh", "en"], { error: "Use lang=zh or lang=en." }).optional(),
});
