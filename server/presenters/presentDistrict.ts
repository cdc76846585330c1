import type { District } from "../../shared/schemas/district";
import { settingsReviewOf } from "../services/districtSettings";
import type { DistrictRow } from "../store/schema";

/** Turns a row into the API shape. */
export function presentDistrict(row: DistrictRow): District {
  return {
    id: row.id,
    parentId: row.parent_id,
    nameZh: row.name_zh,
    nameEn: row.name_en,
    timeZone: row.time_zone,
    language: row.language,
    contestText: row.contest_text,
    contestUrl: row.contest_url,
    contestContact: row.contest_contact ?? "",
    emergencyApproval: row.emergency_approval,
    alertOfflineMinutes: row.alert_offline_minutes,
    settingsReview: settingsReviewOf(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
