import { z } from "zod";
import { entryPageOf, EntryViewSchema } from "./entryView";
import { AttentionSchema, RevisionChangeSchema } from "./moderation";

/** The photo's last redaction outcome as the moderator reads it beside the photo. */
export const RedactionOutcomeSchema = z.object({
  verdict: z.string(),
  reason: z.string().nullable(),
  completedAt: z.string(),
  /** The detectors' findings as stored; the console reads what it knows of them. */
  detail: z.unknown(),
});
/** A redaction outcome. */
export type RedactionOutcome = z.infer<typeof RedactionOutcomeSchema>;

/**
 * One entry of the review queue as GET /api/entries/review-queue answers it: why it needs a
 * look, whether it may be approved in bulk, and whether this moderator may act on it at all.
 */
export const ReviewItemSchema = z.object({
  entry: EntryViewSchema,
  attention: z.array(AttentionSchema),
  clean: z.boolean(),
  actionable: z.boolean(),
  notActionableBecause: z.string().optional(),
  /** What the entry's recent revisions changed (field names), oldest first. */
  recentChanges: z.array(RevisionChangeSchema),
  redaction: RedactionOutcomeSchema.nullable(),
});
/** One entry of the review queue. */
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

/** A page of the review queue (GET /api/entries/review-queue). */
export const ReviewPageSchema = entryPageOf(ReviewItemSchema);
/** A page of the review queue. */
export type ReviewPage = z.infer<typeof ReviewPageSchema>;
