import { z } from "zod";
import { ScreenEntrySchema } from "./screenEntry";

/** An opaque public notice id as it appears in /n/<publicId>: 128 random bits, base64url. */
export const PublicIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, "A notice address ends in 22 letters, digits, '-' or '_'.");

/**
 * An entry's public notice page, exactly what its slide shows (the screen's own presenter
 * makes it) less the database id, the rendition hash and the change-log version, plus how to
 * contest. Strict: a field that is not listed here cannot reach the public.
 */
export const PublicNoticeSchema = z.strictObject({
  entry: ScreenEntrySchema.omit({ id: true, photo: true, publishedVersion: true }).strict(),
  /** The contest line of the entry's district (its own or inherited). */
  contest: z.strictObject({
    text: z.string().max(300),
    contact: z.string().max(200),
    url: z.string().max(500).nullable(),
  }),
  /** /n/<publicId>/photo: the redacted rendition, served only while the entry is published. */
  photoUrl: z.string().max(100).nullable(),
});
/** An entry's public notice. */
export type PublicNotice = z.infer<typeof PublicNoticeSchema>;
