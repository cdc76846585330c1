import { z } from "zod";
import { PlayKindSchema } from "./proofOfPlay";

/** The longest period a district report may cover, in days. */
export const MAX_REPORT_DAYS = 400;

/** One screen of the district over the period: how long it was connected, and whether it is now. */
export const ReportScreenSchema = z.object({
  id: z.string(),
  name: z.string(),
  districtId: z.string(),
  state: z.enum(["active", "revoked"]),
  /** Connected now (reported within the online window). */
  online: z.boolean(),
  /** Whole minutes connected within the period (overlapping connections counted once). */
  connectedMinutes: z.number(),
  /**
   * Connected share of the period it could be seen in (from its pairing or the period's start
   * to the period's end or now), 0–100 with one decimal; null when none of it has passed yet.
   */
  uptimePercent: z.number().nullable(),
});
/** A screen's line in a district report. */
export type ReportScreen = z.infer<typeof ReportScreenSchema>;

/** One content shown on the district's screens in the period. */
export const ReportPlaysSchema = z.object({
  kind: PlayKindSchema,
  contentId: z.string(),
  /** An entry's masked name, an announcement's or emergency's title; null once deleted. */
  label: z.string().nullable(),
  plays: z.number(),
  /** Seconds on screen, summed over its plays (rounded). */
  seconds: z.number(),
});
/** A content's line in a district report. */
export type ReportPlays = z.infer<typeof ReportPlaysSchema>;

/** Every kind of takedown a district report lists (an emergency leaving screens included). */
export const ReportTakedownKindSchema = z.enum([
  "entry.revoked",
  "entry.expired",
  "entry.withdrawn",
  "announcement.withdrawn",
  "announcement.ended",
  "emergency.cleared",
]);
/** A takedown kind in a district report. */
export type ReportTakedownKind = z.infer<typeof ReportTakedownKindSchema>;

/** One takedown that reached the district's screens in the period. */
export const ReportTakedownSchema = z.object({
  version: z.number(),
  kind: ReportTakedownKindSchema,
  contentType: PlayKindSchema,
  contentId: z.string(),
  /** Masked name or title, never a full name; null once deleted. */
  label: z.string().nullable(),
  /** When it was issued (its change-log time). */
  at: z.string(),
  /** Screens of this district it was sent to. */
  screens: z.number(),
  /** Of those, how many have acknowledged it (applied its version or a later one). */
  acknowledged: z.number(),
  /** Of those, how many never acknowledged it (to this day). */
  neverAcknowledged: z.number(),
  /**
   * Seconds from issue until the last screen it was sent to acknowledged it, as the audit log
   * recorded it ("takedown.acknowledged"); null while a screen is missing or when unrecorded.
   */
  secondsToLast: z.number().nullable(),
});
/** A takedown's line in a district report. */
export type ReportTakedown = z.infer<typeof ReportTakedownSchema>;

/** Percentiles of the takedowns' seconds to the last acknowledgement; null without any. */
export const ReportPercentilesSchema = z.object({
  /** How many takedowns have a time (all screens acknowledged and recorded). */
  measured: z.number(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  max: z.number().nullable(),
});

/** What a district's screens did over a period (GET /api/districts/:id/report). */
export const DistrictReportSchema = z.object({
  districtId: z.string(),
  /** ISO instants: `from` inclusive, `to` exclusive. */
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  screens: z.object({
    count: z.number(),
    online: z.number(),
    /** Connected time of all screens over their combined observable time, 0–100; null if none. */
    uptimePercent: z.number().nullable(),
    items: z.array(ReportScreenSchema),
    /** More screens than a report lists (items holds the first by name). */
    truncated: z.boolean(),
  }),
  plays: z.object({
    /**
     * The whole UTC days the plays are counted over (plays are summed per day): the report's
     * `from` rounded down and its `to` rounded up to midnight UTC.
     */
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    total: z.number(),
    seconds: z.number(),
    /** Most played first. */
    items: z.array(ReportPlaysSchema),
    truncated: z.boolean(),
  }),
  takedowns: z.object({
    count: z.number(),
    /** Oldest first. */
    items: z.array(ReportTakedownSchema),
    secondsToLast: ReportPercentilesSchema,
    /** Takedowns whose screens have not all acknowledged them. */
    incomplete: z.number(),
    truncated: z.boolean(),
  }),
});
/** A district report. */
export type DistrictReport = z.infer<typeof DistrictReportSchema>;
