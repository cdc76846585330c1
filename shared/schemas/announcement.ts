import { z } from "zod";

/** Languages a screen can be set to show. */
export const LanguageSchema = z.enum(["zh-CN", "en"]);
/** A screen language. */
export type Language = z.infer<typeof LanguageSchema>;

/** What an operator submits to create an announcement. */
export const AnnouncementInputSchema = z.strictObject({
  title: z
    .string()
    .trim()
    .min(1, "Title is required.")
    .max(120, "Title must be at most 120 characters."),
  body: z.string().trim().max(2000, "Body must be at most 2000 characters.").default(""),
  language: LanguageSchema.default("zh-CN"),
  /** Tags a schedule can select ("all announcements tagged X"). */
  tags: z
    .array(z.string().trim().min(1).max(32, "A tag is at most 32 characters."))
    .max(10, "At most 10 tags.")
    .default([]),
});
/** The validated create-announcement request. */
export type AnnouncementInput = z.infer<typeof AnnouncementInputSchema>;

/** An announcement as screens and the console see it. */
export const AnnouncementSchema = z.strictObject({
  id: z.uuid(),
  title: z.string(),
  body: z.string(),
  language: LanguageSchema,
  tags: z.array(z.string()),
  createdAt: z.iso.datetime(),
  /** Change-log version at which this announcement was last published. */
  version: z.number().int().positive(),
});
/** A published announcement. */
export type Announcement = z.infer<typeof AnnouncementSchema>;
