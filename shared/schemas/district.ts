import { z } from "zod";
import { LanguageSchema } from "./announcement";
import { DEFAULT_TIME_ZONE, TimeZoneSchema } from "./schedule";

/** A district id: a short lowercase slug chosen by the operator ("dalian", "zhongshan"). */
export const DistrictIdSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, "A district id is 2–64 lowercase letters, digits or '-'.");

/** How a district's emergency notices get their second person. */
export const EmergencyApprovalSchema = z.enum(["review-after", "two-person"]);
/** An emergency approval setting. */
export type EmergencyApproval = z.infer<typeof EmergencyApprovalSchema>;

/** What an operator sets for a district. */
export const DistrictInputSchema = z.strictObject({
  id: DistrictIdSchema,
  /** The parent in the city → district tree; null for a city. */
  parentId: DistrictIdSchema.nullable().default(null),
  nameZh: z.string().trim().min(1, "A Chinese name is required.").max(60),
  nameEn: z.string().trim().min(1, "An English name is required.").max(80),
  timeZone: TimeZoneSchema.default(DEFAULT_TIME_ZONE),
  language: LanguageSchema.default("zh-CN"),
  /** The "how to contest an error" line on discredited-list slides; empty inherits the parent's. */
  contestText: z.string().trim().max(300).default(""),
  contestUrl: z
    .url({ protocol: /^https?$/, error: "Use an http(s) URL." })
    .max(500)
    .nullable()
    .default(null),
  /** Who to contact to contest (phone, counter, address); with text and URL empty, the parent's line applies. */
  contestContact: z
    .string()
    .trim()
    .max(200)
    .refine(
      (v) => ![...v].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === "\u007f"),
      "Contains control characters.",
    )
    .default(""),
  /**
   * How its emergencies get a second person: "review-after" (sent at once, reviewed after),
   * "two-person" (approved before sending); null inherits the parent's (a city: review-after).
   */
  emergencyApproval: EmergencyApprovalSchema.nullable().default(null),
  /**
   * Minutes one of its screens may be offline before the field team is alerted; null inherits
   * the parent's (a city: SIGNAGE_ALERT_OFFLINE_MINUTES, 5 by default).
   */
  alertOfflineMinutes: z.number().int().min(1).max(10_080).nullable().default(null),
});
/** A validated district input. */
export type DistrictInput = z.infer<typeof DistrictInputSchema>;

/**
 * The settings of a district a second person approves before they take effect on the street:
 * its contest line (shown on every list slide and public page) and how its emergencies get a
 * second person. Taking the contest line away (its parent's applies) and asking for two people
 * apply at once; anything else waits for approval, as saved.
 */
export const ReviewedSettingsSchema = z.strictObject({
  contestText: DistrictInputSchema.shape.contestText.unwrap(),
  contestUrl: DistrictInputSchema.shape.contestUrl.unwrap(),
  contestContact: DistrictInputSchema.shape.contestContact.unwrap(),
  emergencyApproval: EmergencyApprovalSchema.nullable(),
});
/** Reviewed settings: what was saved, or what a second person approved. */
export type ReviewedSettings = z.infer<typeof ReviewedSettingsSchema>;

/** No contest line and no emergency setting of its own: what a new district has approved. */
export const NO_REVIEWED_SETTINGS: ReviewedSettings = {
  contestText: "",
  contestUrl: null,
  contestContact: "",
  emergencyApproval: null,
};

/** Reviewed settings as stored and compared: their four fields in one order, trimmed. */
export function reviewedSettingsJson(s: ReviewedSettings): string {
  return JSON.stringify({
    contestText: s.contestText.trim(),
    contestUrl: s.contestUrl,
    contestContact: s.contestContact.trim(),
    emergencyApproval: s.emergencyApproval,
  });
}

/** Where a district's reviewed settings stand with their second person. */
export const DistrictSettingsReviewSchema = z.strictObject({
  /** What was saved differs from what applies: a second person has not approved it yet. */
  pending: z.boolean(),
  /** The settings that apply meanwhile (the last approved, with what applies at once). */
  inEffect: ReviewedSettingsSchema,
  /** Who saved them since their last approval (user ids): none of them may approve. */
  changedBy: z.array(z.string()),
});
/** A district's settings review. */
export type DistrictSettingsReview = z.infer<typeof DistrictSettingsReviewSchema>;

/** A district as the API answers it: its settings as saved, and their review. */
export const DistrictSchema = z.strictObject({
  ...DistrictInputSchema.shape,
  settingsReview: DistrictSettingsReviewSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** A district. */
export type District = z.infer<typeof DistrictSchema>;
