import type { Screen } from "../../shared/schemas/screen";
import type { ScreenRow } from "../store/schema";
import { screenTagsOf } from "../store/screens";

/** The one place that decides which screen fields leave the server (never the token). */
export function presentScreen(row: ScreenRow, online: boolean): Screen {
  const w = row.width;
  const h = row.height;
  return {
    id: row.id,
    name: row.name,
    districtId: row.district_id,
    location: row.location,
    state: row.state,
    online: online && row.state === "active",
    lastSeenAt: row.last_seen_at,
    width: w,
    height: h,
    orientation: w === null || h === null ? null : w >= h ? "landscape" : "portrait",
    appVersion: row.app_version,
    appliedVersion: Number(row.applied_version),
    currentSlide: row.current_slide,
    uptimeSeconds: row.uptime_seconds,
    memoryMb: row.memory_mb,
    clockSkewMs: row.clock_skew_ms === null ? null : Number(row.clock_skew_ms),
    pairedAt: row.paired_at,
    tags: screenTagsOf(row),
  };
}
