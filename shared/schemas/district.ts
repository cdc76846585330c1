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

/** A district as the API answers it. */
export const DistrictSchema = z.strictObject({
  ...DistrictInputSchema.shape,
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** A district. */
export type District = z.infer<typeof DistrictSchema>;
