import type { Alert } from "../../shared/schemas/alert";
import type { AlertRow } from "../store/alerts";

/** An alert row as the API and the webhook answer it; `screenName` when the row lacks one. */
export function presentAlert(
  row: Omit<AlertRow, "screen_name"> & { screen_name?: string | null },
  screenName: string | null,
): Alert {
  let detail: Alert["detail"] = {};
  try {
    const parsed: unknown = JSON.parse(row.detail_json);
    if (parsed !== null && typeof parsed === "object") detail = parsed as Alert["detail"];
  } catch {
    // A row written by hand or damaged: its figures are left out, the alert still shows.
  }
  return {
    id: row.id,
    kind: row.kind,
    screenId: row.screen_id,
    screenName: row.screen_name ?? screenName ?? "",
    districtId: row.district_id,
    subject: row.subject,
    detail,
    raisedAt: row.raised_at,
    resolvedAt: row.resolved_at,
  };
}
