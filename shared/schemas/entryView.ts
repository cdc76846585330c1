import { z } from "zod";
import { EntryKindSchema, EntryStateSchema, SexSchema, SubjectTypeSchema } from "./entry";
import { RegionSchema, RevokeReasonSchema } from "./moderation";

/** Where an entry's photo redaction stands. */
export const RedactionStatusSchema = z.enum([
  "none",
  "queued",
  "processing",
  "done",
  "needs_review",
  "failed",
]);
/** A redaction status. */
export type RedactionStatus = z.infer<typeof RedactionStatusSchema>;

/** A redacted rendition as the console links to it (never the raw photo). */
export const RenditionRefSchema = z.strictObject({
  variant: z.enum(["display", "thumb"]),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  mime: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
/** A rendition reference. */
export type RenditionRef = z.infer<typeof RenditionRefSchema>;

/**
 * An entry as operators and moderators see it in the console. The full name and the full ID
 * number are never part of it (DESIGN 1 and 8): the masked name, and whether an ID is on file.
 */
export const EntryViewSchema = z.strictObject({
  id: z.uuid(),
  kind: EntryKindSchema,
  subjectType: SubjectTypeSchema,
  state: EntryStateSchema,
  maskedName: z.string(),
  hasIdNumber: z.boolean(),
  sex: SexSchema,
  legalRepresentative: z.string().nullable(),
  caseNumber: z.string(),
  court: z.string(),
  obligation: z.string(),
  amountMinor: z.number().int().nullable(),
  currency: z.string(),
  performance: z.string(),
  listingGround: z.string(),
  legalBasisNumber: z.string(),
  legalBasisIssuer: z.string(),
  /** The opaque id of the entry's public notice page: /n/<publicId>. */
  publicId: z.string(),
  listingDate: z.string(),
  expiryDate: z.string(),
  districtIds: z.array(z.string()),
  source: z.string(),
  hasPhoto: z.boolean(),
  redactionStatus: RedactionStatusSchema,
  redactionReason: z.string().nullable(),
  renditions: z.array(RenditionRefSchema),
  /** Face regions a moderator drew, relative to the photo (detected faces are covered too). */
  manualRegions: z.array(RegionSchema),
  /** The box the photo is cropped to (regions are then relative to it), or null. */
  crop: RegionSchema.nullable(),
  /** Whether a moderator had the whole photo covered. */
  coverAll: z.boolean(),
  /** Bumped by every change of what a screen shows or what decides it; approvals name it. */
  revision: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** User ids; null for entries from the command line. */
  createdBy: z.string().nullable(),
  submittedBy: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  /** Why it was rejected. */
  reviewNote: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokeReason: z.object({ reason: RevokeReasonSchema, text: z.string().optional() }).nullable(),
});
/** An entry in the console. */
export type EntryView = z.infer<typeof EntryViewSchema>;

/** The answer of every route that answers one entry (read, create, edit, moderate): `{ entry }`. */
export const EntryAnswerSchema = z.object({ entry: EntryViewSchema });

/**
 * A page of the entry lists (`item` is an entry, or a review item in the review queue) and the
 * cursor of the next page (null on the last page).
 */
export function entryPageOf<T extends z.ZodType>(item: T) {
  return z.object({ entries: z.array(item), nextCursor: z.string().nullable() });
}

/** A page of entries (GET /api/entries). */
export const EntryPageSchema = entryPageOf(EntryViewSchema);
/** A page of entries. */
export type EntryPage = z.infer<typeof EntryPageSchema>;
