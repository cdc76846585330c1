import { z } from "zod";

/** How big an answer a kiosk may upload: a JPEG or PNG of its screen, at most 4 MB. */
export const SCREENSHOT_MAX_BYTES = 4 * 1024 * 1024;
/** The longest side a picture may have (an 8K screen); larger uploads are refused. */
export const SCREENSHOT_MAX_SIDE = 7680;
/** How long a screen has to answer before its request is marked unavailable. */
export const SCREENSHOT_ANSWER_MS = 120_000;

/** Where a request for a screen's picture stands. */
export const ScreenshotStateSchema = z.enum(["requested", "received", "unavailable"]);
/** A screenshot request's state. */
export type ScreenshotState = z.infer<typeof ScreenshotStateSchema>;

/**
 * Why no picture came: the screen did not answer within two minutes, was not connected when
 * asked, or said itself that it cannot (its words in `reason`).
 */
export const ScreenshotUnavailableKindSchema = z.enum(["no_answer", "not_connected", "kiosk"]);
/** Why a picture is unavailable. */
export type ScreenshotUnavailableKind = z.infer<typeof ScreenshotUnavailableKindSchema>;

/** One request for a picture of what a screen shows, as the console sees it. */
export const ScreenshotSchema = z.object({
  id: z.uuid(),
  screenId: z.uuid(),
  districtId: z.string(),
  requestedBy: z.string().nullable(),
  requestedAt: z.iso.datetime(),
  state: ScreenshotStateSchema,
  unavailable: ScreenshotUnavailableKindSchema.nullable(),
  /** The kiosk's own words when it said it cannot. */
  reason: z.string().nullable(),
  receivedAt: z.iso.datetime().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  bytes: z.number().int().nullable(),
  /** Where the picture is read (same origin, signed-in), once received. */
  imageUrl: z.string().nullable(),
});
/** A screenshot request. */
export type Screenshot = z.infer<typeof ScreenshotSchema>;

/** The server asks a kiosk for a picture of what it shows (server-to-kiosk: not strict). */
export const ScreenshotAskSchema = z.object({ requestId: z.uuid() });
/** A screenshot ask. */
export type ScreenshotAsk = z.infer<typeof ScreenshotAskSchema>;

/** A kiosk says it cannot take the picture, and why. */
export const ScreenshotUnavailableInputSchema = z.strictObject({
  reason: z.string().trim().min(1).max(300),
});
/** A kiosk's "cannot". */
export type ScreenshotUnavailableInput = z.infer<typeof ScreenshotUnavailableInputSchema>;
