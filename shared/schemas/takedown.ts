import { z } from "zod";

/** Every kind of takedown: of a shown entry, or of a published announcement. */
export const TakedownKindSchema = z.enum([
  "entry.revoked",
  "entry.expired",
  "entry.withdrawn",
  "announcement.withdrawn",
  "announcement.ended",
]);
/** A takedown kind. */
export type TakedownKind = z.infer<typeof TakedownKindSchema>;

/**
 * How far one takedown (revoke, expiry or withdrawal of a shown entry; withdrawal or end of a
 * published announcement) has reached: the screens that must drop it, how many have
 * acknowledged, and which have not (GET /api/takedowns).
 */
export const TakedownSchema = z.object({
  /** What was taken down. */
  contentType: z.enum(["entry", "announcement"]),
  contentId: z.string(),
  /** The entry's id, for an entry's takedown (the same as contentId); absent otherwise. */
  entryId: z.string().optional(),
  /** An announcement's title, to name it on the dashboard; absent for entries. */
  title: z.string().optional(),
  kind: TakedownKindSchema,
  version: z.number(),
  at: z.string(),
  /** Screens that must drop it. */
  screens: z.number(),
  /** Those that applied this version or a later one. */
  acknowledged: z.number(),
  /** The rest, for the console to chase. */
  missing: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      districtId: z.string(),
      lastSeenAt: z.string().nullable(),
    }),
  ),
});
/** One takedown's progress. */
export type Takedown = z.infer<typeof TakedownSchema>;

/** The answer of GET /api/takedowns: the newest takedowns of the user's districts. */
export const TakedownListSchema = z.object({ takedowns: z.array(TakedownSchema) });
