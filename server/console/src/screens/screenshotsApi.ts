import { z } from "zod";
import { ScreenshotSchema, type Screenshot } from "../../../../shared/schemas/screenshot";
import { request } from "../lib/api";

/** A screen's latest picture requests, newest first. */
export async function fetchScreenshots(screenId: string): Promise<Screenshot[]> {
  return (
    await request(
      `/api/screens/${screenId}/screenshots?limit=5`,
      z.object({ screenshots: z.array(ScreenshotSchema) }),
    )
  ).screenshots;
}

/** Asks the screen for a picture of what it shows; it answers within two minutes. */
export async function requestScreenshot(screenId: string): Promise<Screenshot> {
  return (
    await request(
      `/api/screens/${screenId}/screenshots`,
      z.object({ screenshot: ScreenshotSchema }),
      {
        method: "POST",
      },
    )
  ).screenshot;
}
