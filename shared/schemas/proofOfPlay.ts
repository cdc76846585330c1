import { z } from "zod";

/** The longest a single slide may be reported on screen: a day (a stuck screen, not a slide). */
export const MAX_PLAY_MS = 86_400_000;

/** The most plays one upload may carry. */
export const MAX_PLAYS_PER_BATCH = 500;

/** What kind of content a play showed. */
export const PlayKindSchema = z.enum(["announcement", "entry", "emergency"]);
/** A play's content kind. */
export type PlayKind = z.infer<typeof PlayKindSchema>;

/**
 * One slide a screen showed: made by the kiosk when the slide leaves the screen, kept on the
 * kiosk until the server confirmed it. `id` is the kiosk's own, so a retried upload is
 * recognised and stored once.
 */
export const PlayRecordSchema = z.strictObject({
  id: z.uuid(),
  kind: PlayKindSchema,
  /** The announcement, entry or emergency shown. */
  contentId: z.string().min(1).max(128),
  /** The content's version as shown (an entry's publishing version, an announcement's). */
  version: z.number().int().nonnegative(),
  /** When it went on screen, by the kiosk's clock corrected to the server's. */
  startedAt: z.iso.datetime({ offset: true }),
  durationMs: z.number().int().nonnegative().max(MAX_PLAY_MS),
});
/** One proof-of-play record. */
export type PlayRecord = z.infer<typeof PlayRecordSchema>;

/** A kiosk's upload of plays it has buffered. */
export const PlayBatchSchema = z.strictObject({
  plays: z.array(PlayRecordSchema).min(1).max(MAX_PLAYS_PER_BATCH),
});
/** An upload of plays. */
export type PlayBatch = z.infer<typeof PlayBatchSchema>;

/** The server's receipt: the kiosk may forget every play of the batch. */
export const PlayReceiptSchema = z.object({
  /** Plays stored now. */
  stored: z.number().int().nonnegative(),
  /** Plays the server already had (an upload retried after a lost receipt). */
  duplicates: z.number().int().nonnegative(),
  /**
   * Plays of content this screen was never sent (another district's entry, an unknown id):
   * dropped, never reported. Absent from older servers.
   */
  refused: z.number().int().nonnegative().default(0),
});
/** The server's receipt for an upload. */
export type PlayReceipt = z.infer<typeof PlayReceiptSchema>;

/** One play as the console lists it. */
export const PlayViewSchema = z.object({
  id: z.uuid(),
  screenId: z.string(),
  screenName: z.string(),
  kind: PlayKindSchema,
  contentId: z.string(),
  version: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number().int(),
});
/** A play in a report. */
export type PlayView = z.infer<typeof PlayViewSchema>;

/** Proof of play over a time range: totals, per screen, and the plays themselves (newest first). */
export const PlayReportSchema = z.object({
  from: z.string(),
  /** Null: open-ended. */
  to: z.string().nullable(),
  plays: z.number().int().nonnegative(),
  totalMs: z.number().int().nonnegative(),
  /** Per screen (for an entry's report) or per content (for a screen's report). */
  groups: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      plays: z.number().int().nonnegative(),
      totalMs: z.number().int().nonnegative(),
      lastAt: z.string(),
    }),
  ),
  recent: z.array(PlayViewSchema),
});
/** A proof-of-play report. */
export type PlayReport = z.infer<typeof PlayReportSchema>;

/** Query of a proof-of-play report: a time range (default the last 7 days) and a page size. */
export const PlayReportQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** A report query. */
export type PlayReportQuery = z.infer<typeof PlayReportQuerySchema>;
