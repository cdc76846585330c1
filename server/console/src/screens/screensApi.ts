import { z } from "zod";
import {
  type PairScreenInputSchema,
  ScreenHistorySchema,
  ScreenSchema,
  type Screen,
  type ScreenHistory,
  type ScreenListQuery,
  type UpdateScreenInput,
} from "../../../../shared/schemas/screen";
import { request } from "../lib/api";

const ScreenAnswer = z.object({ screen: ScreenSchema });

/** The screens of the user's districts, narrowed to a problem and sorted as asked. */
export async function fetchScreens(
  query: Pick<ScreenListQuery, "problem" | "sort" | "order"> = {},
): Promise<Screen[]> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (typeof value === "string") params.set(key, value);
  const search = params.toString();
  return (
    await request(
      `/api/screens${search === "" ? "" : `?${search}`}`,
      z.object({ screens: z.array(ScreenSchema) }),
    )
  ).screens;
}

/** A screen's connectivity over the last `days` days (1–7) and its last status reports. */
export async function fetchScreenHistory(id: string, days: number): Promise<ScreenHistory> {
  return (
    await request(
      `/api/screens/${id}/history?days=${days}`,
      z.object({ history: ScreenHistorySchema }),
    )
  ).history;
}

/**
 * Pairs the kiosk showing `code`; the server hands the kiosk its token directly. The code goes
 * as typed: the server forgives case and spaces, and says what is wrong with it.
 */
export async function pairScreen(input: z.input<typeof PairScreenInputSchema>): Promise<Screen> {
  return (await request("/api/screens/pair", ScreenAnswer, { method: "POST", body: input })).screen;
}

/** Renames, relocates or moves a screen to another district. */
export async function updateScreen(id: string, input: UpdateScreenInput): Promise<Screen> {
  return (await request(`/api/screens/${id}`, ScreenAnswer, { method: "PATCH", body: input }))
    .screen;
}

/**
 * Replaces a screen's tags (the whole set; the server normalises them); the screen re-syncs at
 * once with what its new tags let it show.
 */
export async function setScreenTags(id: string, tags: readonly string[]): Promise<Screen> {
  return (await request(`/api/screens/${id}/tags`, ScreenAnswer, { method: "PUT", body: { tags } }))
    .screen;
}

/** Unpairs a screen: its token stops working and the kiosk returns to pairing. */
export async function revokeScreen(id: string): Promise<Screen> {
  return (await request(`/api/screens/${id}/revoke`, ScreenAnswer, { method: "POST" })).screen;
}

/** Sends a connected screen a new token; the old one stops working. */
export async function rotateScreenToken(id: string): Promise<Screen> {
  return (await request(`/api/screens/${id}/rotate-token`, ScreenAnswer, { method: "POST" }))
    .screen;
}

/** Flashes the screen's name on it for `seconds`, so someone on the street can tell which it is. */
export async function identifyScreen(id: string, seconds = 10): Promise<void> {
  await request(`/api/screens/${id}/identify`, z.object({ screenId: z.string() }), {
    method: "POST",
    body: { seconds },
  });
}

/** Reloads the kiosk page (audited): the screen goes blank for a moment. */
export async function reloadScreen(id: string): Promise<void> {
  await request(`/api/screens/${id}/reload`, z.object({ screenId: z.string() }), {
    method: "POST",
    body: {},
  });
}
