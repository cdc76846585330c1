import { z } from "zod";
import { CalendarDateSchema, EntryKindSchema } from "../../../shared/schemas/entry";

/** The text fields of POST /api/imports (sent beside the export file and an optional photo zip). */
export const ImportFormSchema = z.strictObject({
  kind: EntryKindSchema,
  /** Comma-separated district ids the imported entries are shown in. */
  districtIds: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((d) => d.trim())
        .filter((d) => d.length > 0),
    )
    .pipe(z.array(z.string().max(64)).min(1, "Name at least one district.").max(50)),
  expiryDate: CalendarDateSchema.optional(),
  listingYears: z.coerce.number().int().min(1).max(10).optional(),
  /**
   * "true": rows whose photo the zip lacks (or all, without a zip) are imported without it and
   * wait in review, instead of being refused.
   */
  withoutPhotos: z
    .enum(["true", "false"], 'withoutPhotos is "true" or "false".')
    .transform((v) => v === "true")
    .optional(),
  /** Chosen by the console: its socket then gets `import:progress` events carrying this id. */
  progressId: z.uuid("progressId must be a UUID.").optional(),
});
