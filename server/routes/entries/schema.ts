import { z } from "zod";
import { EntryKindSchema, EntryStateSchema } from "../../../shared/schemas/entry";
export {
  EntryEditSchema,
  EntryInputSchema as CreateEntrySchema,
} from "../../../shared/schemas/entry";

/** The opaque page cursor: the last row's creation time and id. */
export const CursorSchema = z.object({ createdAt: z.string().max(40), id: z.uuid() });

/** Query string of GET /api/entries. */
export const ListEntriesQuerySchema = z.strictObject({
  kind: EntryKindSchema.optional(),
  state: EntryStateSchema.optional(),
  district: z.string().trim().min(1).max(64).optional(),
  q: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(200)
    .transform((s, ctx) => {
      try {
        return CursorSchema.parse(JSON.parse(Buffer.from(s, "base64url").toString("utf8")));
      } catch {
        ctx.addIssue({ code: "custom", message: "The page cursor is not one this server issued." });
        return z.NEVER;
      }
    })
    .optional(),
});

/** Query string of GET /api/entries/review-queue. */
export const ReviewQueueQuerySchema = ListEntriesQuerySchema.pick({
  kind: true,
  district: true,
  limit: true,
  cursor: true,
});

/** Path parameters naming one rendition of an entry. */
export const RenditionParamsSchema = z.strictObject({
  id: z.uuid("Entry ids are UUIDs."),
  variant: z.enum(["display", "thumb"]),
});

/** Path parameters naming one entry. */
export const EntryIdParamsSchema = z.object({ id: z.uuid("Entry ids are UUIDs.") });

/** Encodes a page cursor. */
export function encodeCursor(c: z.infer<typeof CursorSchema>): string {
  return Buffer.from(JSON.stringify(c), "utf8").toString("base64url");
}
