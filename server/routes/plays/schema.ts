import { z } from "zod";
import { DistrictIdSchema } from "../../../shared/schemas/district";

/** A proof-of-play export: format, what to cover, and the period (default the last 7 days). */
export const PlayExportQuerySchema = z
  .strictObject({
    format: z.enum(["csv", "json"], "format is csv or json.").default("csv"),
    /** A district and its sub-districts. */
    district: DistrictIdSchema.optional(),
    screen: z.uuid("Screen ids are UUIDs.").optional(),
    /** An entry, announcement or emergency id. */
    content: z.string().trim().min(1).max(100).optional(),
    from: z.iso.datetime({ offset: true, message: "from is an ISO date-time." }).optional(),
    to: z.iso.datetime({ offset: true, message: "to is an ISO date-time." }).optional(),
    /** A UTF-8 byte-order mark first, for spreadsheets that need one to read UTF-8 (CSV only). */
    bom: z.enum(["0", "1"], "bom is 0 or 1.").default("0"),
  })
  .refine(
    (q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to),
    { message: "from must be before to.", path: ["from"] },
  );
/** An export query. */
export type PlayExportQuery = z.infer<typeof PlayExportQuerySchema>;
