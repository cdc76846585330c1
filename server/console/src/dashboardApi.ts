import { z } from "zod";
import { queryString, request } from "./api";
import { EntryPageSchema } from "./entriesApi";

/**
 * How far one takedown has reached: the screens that must drop the entry, how many have
 * acknowledged, and which have not (GET /api/takedowns; shared/ has no schema for it).
 */
export const TakedownSchema = z.object({
  entryId: z.string(),
  kind: z.enum(["entry.revoked", "entry.expired", "entry.withdrawn"]),
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
/** One takedown's progress. */
export type Takedown = z.infer<typeof TakedownSchema>;

/** The newest takedowns of the user's districts. */
export async function fetchTakedowns(limit = 10): Promise<Takedown[]> {
  return (
    await request(
      `/api/takedowns${queryString({ limit })}`,
      z.object({ takedowns: z.array(TakedownSchema) }),
    )
  ).takedowns;
}

/** The most pending entries counted; the API has no count, so beyond this it says "200+". */
export const PENDING_COUNT_CAP = 200;

/** How many entries wait for review in the user's districts, and whether there are more. */
export async function fetchPendingCount(): Promise<{ count: number; more: boolean }> {
  const page = await request(
    `/api/entries${queryString({ state: "pending_review", limit: PENDING_COUNT_CAP })}`,
    EntryPageSchema,
  );
  return { count: page.entries.length, more: page.nextCursor !== null };
}
