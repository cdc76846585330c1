import { z } from "zod";
import { ObjectionReferenceSchema } from "../../../shared/schemas/objection";
import { PublicIdSchema } from "../../../shared/schemas/publicNotice";

/** Path parameters naming one public notice. */
export const NoticeParamsSchema = z.strictObject({ publicId: PublicIdSchema });

/** Query of GET /n/:publicId: the language switch ("zh" or "en"); other parameters are ignored. */
export const NoticeQuerySchema = z.object({
  lang: z.enum(["zh", "en"], { error: "Use lang=zh or lang=en." }).optional(),
});

/** Query of GET /n/:publicId/objections: the reference to look up (absent: the form), the language. */
export const ObjectionLookupQuerySchema = z.object({
  reference: ObjectionReferenceSchema.optional(),
  lang: z.enum(["zh", "en"]).optional(),
});

/** Path parameters naming one objection under its notice. */
export const ObjectionStatusParamsSchema = z.strictObject({
  publicId: PublicIdSchema,
  reference: ObjectionReferenceSchema,
});
