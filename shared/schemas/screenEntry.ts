import { z } from "zod";
import { EntryKindSchema, SubjectTypeSchema } from "./entry";

/** A redacted rendition a screen fetches with its device token (never the raw photo). */
export const ScreenPhotoSchema = z.object({
  /** SHA-256 of the bytes: the URL is /kiosk/renditions/<hash>, immutable. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  mime: z.string().max(40),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
/** A redacted rendition reference. */
export type ScreenPhoto = z.infer<typeof ScreenPhotoSchema>;

/**
 * A list entry exactly as a street screen may show it: masked name, case, court, obligation,
 * amount, listing ground, legal basis, listing and end dates, performance, source date, the
 * public page's opaque id, the redacted photo. Never the full name, the ID number, the sex or
 * anything of the raw photo.
 */
export const ScreenEntrySchema = z.object({
  id: z.uuid(),
  kind: EntryKindSchema,
  subjectType: SubjectTypeSchema,
  maskedName: z.string().max(200),
  caseNumber: z.string().max(200),
  court: z.string().max(200),
  obligation: z.string().max(2000),
  amountMinor: z.number().int().nullable(),
  currency: z.string().max(8),
  listingGround: z.string().max(500),
  listingDate: z.string().max(10),
  /*
   * The due-process fields (issue 17). Defaults, so a kiosk's offline copy made before they
   * existed still reads.
   */
  /** The legal basis: the document's number and the body that issued it. */
  legalBasisNumber: z.string().max(200).default(""),
  legalBasisIssuer: z.string().max(200).default(""),
  /** The calendar date the listing ends (YYYY-MM-DD); "" from an older server. */
  expiryDate: z.string().max(10).default(""),
  /** Whether and how far the obligation has been performed, as the court export says. */
  performance: z.string().max(200).default(""),
  /** The date the record was last taken from its source (YYYY-MM-DD): "as of" on the slide. */
  sourceDate: z.string().max(10).default(""),
  /** The opaque id of the entry's public notice page, /n/<publicId>: the QR code's target. */
  publicId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional(),
  /** The screen drops the entry at this instant by its own clock, online or not. */
  expiresAt: z.iso.datetime({ offset: true }),
  /** The change-log version that published it (playlist order). */
  publishedVersion: z.number().int().nonnegative(),
  /** The redacted display rendition; null when the entry has no photo. */
  photo: ScreenPhotoSchema.nullable(),
});
/** A list entry as a screen shows it. */
export type ScreenEntry = z.infer<typeof ScreenEntrySchema>;
