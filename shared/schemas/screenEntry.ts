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
 * amount and listing date, the redacted photo. Never the full name, the ID number, the sex or
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
  /** The screen drops the entry at this instant by its own clock, online or not. */
  expiresAt: z.iso.datetime({ offset: true }),
  /** The change-log version that published it (playlist order). */
  publishedVersion: z.number().int().nonnegative(),
  /** The redacted display rendition; null when the entry has no photo. */
  photo: ScreenPhotoSchema.nullable(),
});
/** A list entry as a screen shows it. */
export type ScreenEntry = z.infer<typeof ScreenEntrySchema>;
