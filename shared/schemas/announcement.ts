import { z } from "zod";

/** Languages a screen can be set to show. */
export const LanguageSchema = z.enum(["zh-CN", "en"]);
/** A screen language. */
export type Language = z.infer<typeof LanguageSchema>;

/**
 * A screen tag ("metro", "bus-stop", "indoor", "portrait"): lower-case letters, digits and
 * hyphens, 1–32 characters, starting with a letter or digit. Operators tag screens; schedules'
 * windows and announcements target tags inside their districts.
 */
export const ScreenTagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,31}$/,
    'A screen tag is 1–32 lower-case letters, digits or hyphens, e.g. "metro" or "bus-stop".',
  );
/** Screen tags, each once, at most 20. */
export const ScreenTagsSchema = z
  .array(ScreenTagSchema)
  .max(20, "At most 20 tags.")
  .transform((tags) => [...new Set(tags)].sort());

/**
 * Where an announcement plays: the whole city (no districts), some districts (and their
 * sub-districts), and within those only screens carrying one of `screenTags` (none: every
 * screen). A district operator may target only districts they hold.
 */
export const AnnouncementTargetSchema = z.strictObject({
  districtIds: z
    .array(z.string().trim().min(1).max(64))
    .max(200, "At most 200 districts.")
    .default([]),
  screenTags: ScreenTagsSchema.default([]),
});
/** An announcement's target. */
export type AnnouncementTarget = z.infer<typeof AnnouncementTargetSchema>;

/** A poster beside the text (the text keeps most of the slide) or filling the screen. */
export const PosterLayoutSchema = z.enum(["beside", "full"], {
  error: 'A poster\'s layout is "beside" (next to the text) or "full" (the whole screen).',
});
/** A poster layout. */
export type PosterLayout = z.infer<typeof PosterLayoutSchema>;

const InstantSchema = z.iso.datetime({ offset: true, error: "Use an ISO 8601 instant." });

/** The editable fields of an announcement (create, edit). */
const announcementFields = {
  title: z
    .string()
    .trim()
    .min(1, "Title is required.")
    .max(120, "Title must be at most 120 characters."),
  body: z.string().trim().max(2000, "Body must be at most 2000 characters."),
  language: LanguageSchema,
  /** Tags a schedule can select ("all announcements tagged X"): content tags, not screen tags. */
  tags: z
    .array(z.string().trim().min(1).max(32, "A tag is at most 32 characters."))
    .max(10, "At most 10 tags."),
  target: AnnouncementTargetSchema,
  /** Plays from this instant (absent: from its approval). */
  startsAt: InstantSchema.nullable(),
  /** Ends at this instant (absent: until withdrawn); it then leaves every screen. */
  endsAt: InstantSchema.nullable(),
  /** How the poster, if any, is shown. */
  posterLayout: PosterLayoutSchema,
};

function windowInOrder(
  a: { startsAt?: string | null | undefined; endsAt?: string | null | undefined },
  ctx: z.RefinementCtx,
): void {
  if (a.startsAt && a.endsAt && Date.parse(a.endsAt) <= Date.parse(a.startsAt)) {
    ctx.addIssue({
      code: "custom",
      path: ["endsAt"],
      message: "An announcement must end after it starts.",
    });
  }
}

/** What an operator submits to create an announcement: a draft, or straight to review. */
export const AnnouncementInputSchema = z
  .strictObject({
    title: announcementFields.title,
    body: announcementFields.body.default(""),
    language: LanguageSchema.default("zh-CN"),
    tags: announcementFields.tags.default([]),
    target: AnnouncementTargetSchema.default({ districtIds: [], screenTags: [] }),
    startsAt: announcementFields.startsAt.optional(),
    endsAt: announcementFields.endsAt.optional(),
    posterLayout: PosterLayoutSchema.default("beside"),
    /** Send it to review at once instead of keeping a draft. */
    submit: z.boolean().default(false),
  })
  .superRefine(windowInOrder);
/** The validated create-announcement request. */
export type AnnouncementInput = z.infer<typeof AnnouncementInputSchema>;

/** An edit: the fields to change, and the revision the editor read (a stale one is refused). */
export const AnnouncementEditSchema = z
  .strictObject({
    revision: z.number().int().positive(),
    title: announcementFields.title.optional(),
    body: announcementFields.body.optional(),
    language: LanguageSchema.optional(),
    tags: announcementFields.tags.optional(),
    target: AnnouncementTargetSchema.optional(),
    startsAt: announcementFields.startsAt.optional(),
    endsAt: announcementFields.endsAt.optional(),
    posterLayout: PosterLayoutSchema.optional(),
  })
  .superRefine(windowInOrder);
/** A validated edit. */
export type AnnouncementEdit = z.infer<typeof AnnouncementEditSchema>;

/** Submit, approve: the revision the user saw. */
export const AnnouncementRevisionSchema = z.strictObject({
  revision: z.number().int().positive(),
});

/**
 * Approve: the revision the moderator saw and, when it has a poster, the hash of the covered poster
 * they looked at (`poster.hash` of what they read), so an approval holds only for what was seen.
 */
export const AnnouncementApprovalSchema = z.strictObject({
  revision: z.number().int().positive(),
  posterHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "Name the poster by the SHA-256 hash of the rendition you saw.")
    .nullable()
    .optional(),
});

/** Reject (back to draft) or withdraw: why, shown to the author and kept in the audit log. */
export const AnnouncementReasonSchema = z.strictObject({
  revision: z.number().int().positive().optional(),
  reason: z.string().trim().max(500, "A reason is at most 500 characters.").default(""),
});

/**
 * An announcement's life: a draft, in review (a second person must approve), published (plays
 * between `startsAt` and `endsAt`), withdrawn (taken down) or ended (its `endsAt` passed).
 * Editing a published announcement withdraws it from the screens until it is approved again.
 */
export const AnnouncementStateSchema = z.enum([
  "draft",
  "in_review",
  "published",
  "withdrawn",
  "ended",
]);
/** An announcement state. */
export type AnnouncementState = z.infer<typeof AnnouncementStateSchema>;

/** A poster's redacted image as a screen fetches it: /kiosk/posters/<hash>, immutable. */
export const ScreenPosterSchema = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  mime: z.string().max(40),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  layout: PosterLayoutSchema,
});
/** A poster as a screen gets it. */
export type ScreenPoster = z.infer<typeof ScreenPosterSchema>;

/**
 * An announcement as screens see it (pushed, synced, kept offline). A plain object: a kiosk
 * running older software drops fields it does not know instead of refusing the message.
 */
export const AnnouncementSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  body: z.string(),
  language: LanguageSchema,
  tags: z.array(z.string()),
  createdAt: z.iso.datetime(),
  /** Change-log version at which this announcement was last published. */
  version: z.number().int().positive(),
  /** Not shown before this instant (by the screen's corrected clock). */
  startsAt: z.iso.datetime({ offset: true }).optional(),
  /** Never shown at or after this instant, online or not. */
  endsAt: z.iso.datetime({ offset: true }).optional(),
  /** The redacted poster, when it has one. */
  poster: ScreenPosterSchema.optional(),
});
/** A published announcement as screens get it. */
export type Announcement = z.infer<typeof AnnouncementSchema>;

/** Where an announcement's poster stands in the face pipeline (none: no poster). */
export const PosterStatusSchema = z.enum([
  "none",
  "queued",
  "processing",
  "done",
  "needs_review",
  "failed",
]);
/** A poster status. */
export type PosterStatus = z.infer<typeof PosterStatusSchema>;

/** An announcement as the console sees it: its state, target, window, poster and reviewers. */
export const AnnouncementViewSchema = z.object({
  id: z.uuid(),
  state: AnnouncementStateSchema,
  title: z.string(),
  body: z.string(),
  language: LanguageSchema,
  tags: z.array(z.string()),
  target: z.object({ districtIds: z.array(z.string()), screenTags: z.array(z.string()) }),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  posterLayout: PosterLayoutSchema,
  poster: z.object({
    status: PosterStatusSchema,
    /** Faces the pipeline found and covered (0 when none or no poster). */
    faces: z.number().int().nonnegative(),
    /** The redacted image's hash (console preview: /api/announcements/<id>/poster). */
    hash: z.string().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    /** Why the pipeline held it back, in words. */
    reason: z.string().nullable(),
  }),
  /** Bumped by every change; approve and edit must name the revision the user saw. */
  revision: z.number().int().positive(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  /** Who changed it since its last review (none of them may approve it). */
  changedBy: z.array(z.string()),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  /** The last rejection's or withdrawal's reason. */
  reason: z.string().nullable(),
  /** Change-log version of its last publication or takedown; null before either. */
  version: z.number().int().nullable(),
});
/** An announcement as the console sees it. */
export type AnnouncementView = z.infer<typeof AnnouncementViewSchema>;

/** GET /api/announcements. */
export const AnnouncementListSchema = z.object({ announcements: z.array(AnnouncementViewSchema) });
