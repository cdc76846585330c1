import { z } from "zod";

/**
 * How far one takedown (revoke, expiry or withdrawal of a shown entry) has reached: the screens
 * that must drop the entry, how many have acknowledged, and which have not (GET /api/takedowns).
 */
export const TakedownSchema = z.object({
  entryId: z.string(),
  kind: z.enum(["entry.revoked", "entry.expired", "entry.withdrawn"]),
  version: z.number(),
  at: z.string(),
  /** Screens that must drop the entry. */
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
