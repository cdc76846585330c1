import { z } from "zod";
import { ScreenTagsSchema } from "./announcement";
import { CalendarDateSchema } from "./entry";

/*
 * Decisions, in one place:
 * - `end` earlier than `start` means the window crosses midnight (22:00–06:00 runs into the
 *   next day). `end` equal to `start` is refused: a zero-length and a 24-hour window would be
 *   spelled the same. A whole day is "00:00"–"24:00"; "24:00" is allowed as an end only.
 * - Weekday and `from`/`until` are judged by the day an occurrence starts: a Friday 22:00–02:00
 *   window with `until` Friday still runs until Saturday 02:00. Both dates are inclusive.
 * - Overlapping windows: the higher `priority` wins; on a tie, the earlier window in the list.
 */

/** The zone a district's schedule uses when none is set. */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const timeMessage = 'Use a 24-hour local time "HH:MM", e.g. "07:30".';

/** A local start time, "00:00"–"23:59". */
export const LocalTimeSchema = z.string().regex(HHMM, timeMessage);

/** A local end time: like a start time, or "24:00" for the end of the day. */
export const LocalEndTimeSchema = z
  .string()
  .refine(
    (s) => HHMM.test(s) || s === "24:00",
    `${timeMessage} "24:00" ends a window at midnight.`,
  );

/** A calendar date, YYYY-MM-DD, that exists (2026-02-30 does not). */
export const ScheduleDateSchema = CalendarDateSchema;

/** An ISO weekday: 1 = Monday … 7 = Sunday. */
export const IsoWeekdaySchema = z
  .number()
  .int("A weekday is a whole number, 1 (Monday) to 7 (Sunday).")
  .min(1, "A weekday is 1 (Monday) to 7 (Sunday).")
  .max(7, "A weekday is 1 (Monday) to 7 (Sunday).");

/** An instant with its offset, as the server writes them ("2026-03-08T07:00:00Z"). */
const InstantSchema = z.iso.datetime({ offset: true, error: "Use an ISO 8601 instant." });

const idSchema = z.string().trim().min(1, "An id is required.").max(128);

/**
 * How a window shows the discredited list: "single" gives each entry a slide of its own
 * (photo, name, case, court, obligation, amount, date); "list" pages through the entries
 * several at a time (LIST_PAGE_SIZE in shared/schedule/evaluateSchedule.ts), each page one
 * dwell.
 */
export const ListLayoutSchema = z.enum(["single", "list"], {
  error: 'Layout is "single" (one entry a slide) or "list" (several entries a slide).',
});
/** A discredited-list layout. */
export type ListLayout = z.infer<typeof ListLayoutSchema>;

/** Where a window's slides come from. */
export const PlaylistSourceSchema = z.discriminatedUnion("type", [
  /**
   * This district's discredited list. `layout` absent means "single", so schedules saved
   * before it existed read the same, and a parsed schedule without it round-trips unchanged.
   */
  z.strictObject({ type: z.literal("discredited"), layout: ListLayoutSchema.optional() }),
  /** This district's red list. */
  z.strictObject({ type: z.literal("redlist") }),
  /** One specific announcement. */
  z.strictObject({ type: z.literal("announcement"), id: idSchema }),
  /** Every announcement carrying a tag. */
  z.strictObject({
    type: z.literal("announcementsTagged"),
    tag: z.string().trim().min(1, "A tag is required.").max(64),
  }),
]);
/** One playlist source. */
export type PlaylistSource = z.infer<typeof PlaylistSourceSchema>;

/** A weekly time window with its playlist; see the decisions at the top of this file. */
export const TimeWindowSchema = z
  .strictObject({
    id: z.string().trim().min(1, "A window needs an id.").max(64),
    days: z
      .array(IsoWeekdaySchema)
      .min(1, "Pick at least one day of the week.")
      .refine((d) => new Set(d).size === d.length, "Each day of the week may appear only once."),
    start: LocalTimeSchema,
    end: LocalEndTimeSchema,
    from: ScheduleDateSchema.optional(),
    until: ScheduleDateSchema.optional(),
    playlist: z.array(PlaylistSourceSchema).max(100),
    dwellSeconds: z
      .number()
      .int("Dwell time is a whole number of seconds.")
      .positive("Dwell time must be a positive number of seconds; 0 or less never advances.")
      .min(3, "Dwell time must be at least 3 seconds, or nobody can read the slide.")
      .max(3600, "Dwell time must be at most 3600 seconds (one hour)."),
    order: z.enum(["sequence", "shuffle"]).default("sequence"),
    /** Shuffle seed; defaults to the window id so a shuffled window is stable without one. */
    seed: z.string().max(128).optional(),
    priority: z.number().int("Priority is a whole number.").min(-1000).max(1000).default(0),
    /**
     * Only screens carrying at least one of these tags play the window; absent or empty: every
     * screen of the district (shared/schedule/evaluateSchedule.ts `windowAppliesTo`).
     */
    screenTags: ScreenTagsSchema.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.start === w.end) {
      ctx.addIssue({
        code: "custom",
        path: ["end"],
        message:
          'End equals start: a window cannot be empty or exactly 24 h. Use "00:00"–"24:00" for a whole day.',
      });
    }
    if (w.from !== undefined && w.until !== undefined && w.until < w.from) {
      ctx.addIssue({
        code: "custom",
        path: ["until"],
        message: "The window's last date is before its first date.",
      });
    }
  });
/** A validated time window. */
export type TimeWindow = z.infer<typeof TimeWindowSchema>;

/** True when this engine's Intl knows the zone; offsets like "+08:00" are not IANA names. */
function isIanaTimeZone(zone: string): boolean {
  if (!/^[A-Za-z]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name this runtime knows, e.g. "Asia/Shanghai". */
export const TimeZoneSchema = z
  .string()
  .trim()
  .min(1, "A time zone is required.")
  .refine(isIanaTimeZone, {
    error: (issue) =>
      `Unknown time zone ${JSON.stringify(issue.input)}: use an IANA name such as "Asia/Shanghai".`,
  });

/** What a screen shows outside every window instead of blanking. */
export const IdleSlideSchema = z.strictObject({
  title: z.string().trim().min(1, "An idle slide needs a title.").max(120),
  body: z.string().trim().max(2000).default(""),
});
/** An idle slide. */
export type IdleSlide = z.infer<typeof IdleSlideSchema>;

/** A district's weekly schedule. */
export const ScheduleSchema = z
  .strictObject({
    timeZone: TimeZoneSchema.default(DEFAULT_TIME_ZONE),
    windows: z.array(TimeWindowSchema).max(200),
    idleSlide: IdleSlideSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.windows.forEach((w, i) => {
      if (seen.has(w.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["windows", i, "id"],
          message: `Two windows share the id "${w.id}".`,
        });
      }
      seen.add(w.id);
    });
  });
/** A validated schedule. */
export type Schedule = z.infer<typeof ScheduleSchema>;

/** What a manifest item is; the display looks the content up by id. */
export const ManifestItemKindSchema = z.enum(["discredited", "redlist", "announcement"]);
/** A manifest item kind. */
export type ManifestItemKind = z.infer<typeof ManifestItemKindSchema>;

/** One showable thing as the scheduler sees it: identity and timing, never its content. */
export const ManifestItemSchema = z.strictObject({
  id: idSchema,
  kind: ManifestItemKindSchema,
  tags: z.array(z.string().max(64)).max(50).default([]),
  /** Not shown before this instant. */
  listedFrom: InstantSchema.optional(),
  /** Never shown at or after this instant, even by a screen that has been offline. */
  expiresAt: InstantSchema.optional(),
  /** Change-log version that published it; the sequence order. */
  publishedVersion: z.number().int().nonnegative(),
});
/** A manifest item. */
export type ManifestItem = z.infer<typeof ManifestItemSchema>;

/** A district's manifest: each id once. */
export const ManifestSchema = z
  .array(ManifestItemSchema)
  .refine((items) => new Set(items.map((i) => i.id)).size === items.length, {
    message: "Each manifest item id may appear only once.",
  });
/** A validated manifest. */
export type Manifest = z.infer<typeof ManifestSchema>;

/** An emergency notice; while active it replaces the schedule on its districts' screens. */
export const EmergencySchema = z
  .strictObject({
    id: idSchema,
    title: z.string().trim().min(1, "An emergency needs a title.").max(120),
    body: z.string().trim().max(2000).default(""),
    startsAt: InstantSchema,
    /** Absent: runs until cleared (the server then drops it from the list). */
    endsAt: InstantSchema.optional(),
  })
  .refine((e) => e.endsAt === undefined || Date.parse(e.endsAt) > Date.parse(e.startsAt), {
    message: "An emergency must end after it starts.",
    path: ["endsAt"],
  });
/** A validated emergency notice. */
export type Emergency = z.infer<typeof EmergencySchema>;

/**
 * Whose schedule a district plays (GET/PUT/DELETE /api/districts/:id/schedule): the first own
 * schedule up its ancestry, or none at all.
 */
export const EffectiveScheduleSchema = z.object({
  schedule: ScheduleSchema.nullable(),
  /** The district whose schedule it is (this one or an ancestor); null when none applies. */
  fromDistrictId: z.string().nullable(),
  /**
   * Where the schedule's idle slide stands with its second person; null when it has none. The
   * screens show `onScreens` (the one approved last, null when none is) until the saved one is
   * approved as seen (POST …/schedule/idle-slide/approval), never by anyone in `changedBy`
   * (everyone who saved it since its last approval).
   */
  idleSlideReview: z
    .object({
      onScreens: IdleSlideSchema.nullable(),
      pending: z.boolean(),
      changedBy: z.array(z.string()),
    })
    .nullable()
    .default(null),
});
/** A district's effective schedule. */
export type EffectiveSchedule = z.infer<typeof EffectiveScheduleSchema>;

/**
 * Where a notice stands with its second person: "unreviewed" (sent at once, a moderator has yet
 * to confirm or pull it), "confirmed", "pulled" (taken down, or never sent), "awaiting_approval"
 * (a two-person city: not sent until a moderator approves).
 */
export const EmergencyReviewStateSchema = z.enum([
  "unreviewed",
  "confirmed",
  "pulled",
  "awaiting_approval",
]);
/** An emergency's review state. */
export type EmergencyReviewState = z.infer<typeof EmergencyReviewStateSchema>;

/** An emergency notice as the console lists it, with its districts and its review. */
export const EmergencyViewSchema = z.object({
  ...EmergencySchema.shape,
  districtIds: z.array(z.string()),
  clearedAt: z.string().nullable(),
  reviewState: EmergencyReviewStateSchema,
  /** Who sent (or asked to send) it; null for notices older than the review. */
  sentBy: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  /** Why it was pulled. */
  reviewReason: z.string().nullable(),
});
/** An emergency notice as the console lists it. */
export type EmergencyView = z.infer<typeof EmergencyViewSchema>;

/** The answer of posting or clearing an emergency notice. */
export const EmergencyAnswerSchema = z.object({ emergency: EmergencyViewSchema });

/** The answer of GET /api/emergencies: the active notices of the user's districts. */
export const EmergencyListSchema = z.object({ emergencies: z.array(EmergencyViewSchema) });

/**
 * How far one change of a notice reached (its sending or its clearing): the screens of its
 * districts and their sub-districts, how many applied that change-log version, which did not.
 */
export const EmergencyReachStepSchema = z.object({
  version: z.number(),
  at: z.string(),
  screens: z.number(),
  acknowledged: z.number(),
  missing: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      districtId: z.string(),
      lastSeenAt: z.string().nullable(),
    }),
  ),
});
/** The reach of one sending or clearing. */
export type EmergencyReachStep = z.infer<typeof EmergencyReachStepSchema>;

/**
 * GET /api/emergencies/:id/reach: the reach of the sending (null: never sent, or sent before
 * reach was recorded) and of the clearing (null while it is on the screens).
 */
export const EmergencyReachSchema = z.object({
  emergencyId: z.string(),
  sent: EmergencyReachStepSchema.nullable(),
  cleared: EmergencyReachStepSchema.nullable(),
});
/** An emergency notice's reach. */
export type EmergencyReach = z.infer<typeof EmergencyReachSchema>;
