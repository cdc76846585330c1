import type { Screenshot } from "../../shared/schemas/screenshot";
import type { ScreenshotRow } from "../store/screenshots";

/** A screenshot request as the console sees it: never the bytes, a same-origin URL to them. */
export function presentScreenshot(row: ScreenshotRow): Screenshot {
  return {
    id: row.id,
    screenId: row.screen_id,
    districtId: row.district_id,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    state: row.state,
    unavailable: row.unavailable,
    reason: row.reason,
    receivedAt: row.received_at,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    imageUrl: row.state === "received" ? `/api/screenshots/${row.id}/image` : null,
  };
}
