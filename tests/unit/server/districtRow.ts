import { reviewedSettingsJson } from "../../../shared/schemas/district";
import { savedSettingsOf } from "../../../server/store/districts";
import type { DistrictRow } from "../../../server/store/schema";

/**
 * A district row with nothing of its own unless given. Its contest line and emergency setting
 * count as approved as given, unless `settings_approved_json` is given too.
 */
export function districtRow(
  id: string,
  parentId: string | null,
  own: Partial<DistrictRow> = {},
): DistrictRow {
  const row: DistrictRow = {
    id,
    parent_id: parentId,
    name_zh: `${id}区`,
    name_en: id,
    time_zone: "Asia/Shanghai",
    language: "zh-CN",
    contest_text: "",
    contest_url: null,
    contest_contact: null,
    alert_offline_minutes: null,
    emergency_approval: null,
    settings_approved_json: null,
    settings_changers_json: "[]",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    ...own,
  };
  return "settings_approved_json" in own
    ? row
    : { ...row, settings_approved_json: reviewedSettingsJson(savedSettingsOf(row)) };
}
