import { EntryPageSchema } from "../../../../shared/schemas/entryView";
import { TakedownListSchema, type Takedown } from "../../../../shared/schemas/takedown";
import { queryString, request } from "../lib/api";

/** The newest takedowns of the user's districts. */
export async function fetchTakedowns(limit = 10): Promise<Takedown[]> {
  return (await request(`/api/takedowns${queryString({ limit })}`, TakedownListSchema)).takedowns;
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
