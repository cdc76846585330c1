import { z } from "zod";
import { EntryKindSchema, EntryStateSchema, SexSchema, SubjectTypeSchema } from "./entry";

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
 * An entry as operators and moderators see it in the console. The full ID number is never
 * part of it: only whether one is on file.
 */
export const EntryViewSchema = z.strictObject({
  id: z.uuid(),
  kind: EntryKindSchema,
  subjectType: SubjectTypeSchema,
  state: EntryStateSchema,
  fullName: z.string(),
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
  listingDate: z.string(),
  expiryDate: z.string(),
  districtIds: z.array(z.string()),
  source: z.string(),
  hasPhoto: z.boolean(),
  redactionStatus: RedactionStatusSchema,
  redactionReason: z.string().nullable(),
  renditions: z.array(RenditionRefSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** An entry in the console. */
export type EntryView = z.infer<typeof EntryViewSchema>;
