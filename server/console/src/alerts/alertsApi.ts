import { AlertListSchema, type AlertList } from "../../../../shared/schemas/alert";
import { NoContent, request } from "../lib/api";

/** The open alerts and the latest resolved ones of the user's districts, with the unread count. */
export function fetchAlerts(): Promise<AlertList> {
  return request("/api/alerts?state=all&limit=50", AlertListSchema);
}

/** The user opened the list: the bell's count starts again from zero. */
export async function markAlertsSeen(): Promise<void> {
  await request("/api/alerts/seen", NoContent, { method: "POST", body: {} });
}
