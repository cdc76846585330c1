import {
  ScreenStatusSchema,
  type Screen,
  type ScreenShowing,
  type StatusReportView,
} from "../../shared/schemas/screen";
import type { ScreenStatusReportRow } from "../store/screenHistory";
import type { ScreenRow } from "../store/schema";
import { screenTagsOf } from "../store/screens";
import { nameIn, type NameBook, type NameRef } from "./nameBook";

/**
 * The content a kiosk's proof-of-play label names (see drawSlide in display/renderer/src/
 * view.ts: "entry:<id>", "list:<page>/<pages>:<first entry id>", "announcement:<id>",
 * "emergency:<id>", "idle", "blank"); null for a label without one.
 */
export function slideRef(label: string | null): NameRef | null {
  if (label === null) return null;
  const list = /^list:\d+\/\d+:(.+)$/.exec(label);
  if (list?.[1] !== undefined) return { type: "entry", id: list[1] };
  const one = /^(entry|announcement|emergency):(.+)$/.exec(label);
  if (one?.[1] !== undefined && one[2] !== undefined) return { type: one[1], id: one[2] };
  return null;
}

/** A kiosk's label as people read it, with names from `names` (masked names and titles only). */
export function presentShowing(label: string | null, names?: NameBook): ScreenShowing | null {
  if (label === null) return null;
  const title = nameIn(names, slideRef(label));
  const list = /^list:(\d+)\/(\d+):/.exec(label);
  if (list) return { kind: "list", title, page: Number(list[1]), pages: Number(list[2]) };
  const kind = /^(entry|announcement|emergency):/.exec(label)?.[1];
  if (kind === "entry" || kind === "announcement" || kind === "emergency")
    return { kind, title, page: null, pages: null };
  if (label === "idle" || label === "blank")
    return { kind: label, title: null, page: null, pages: null };
  // A label this server does not know (a newer kiosk): shown as it came.
  return { kind: "other", title: label, page: null, pages: null };
}

/**
 * The one place that decides which screen fields leave the server (never the token). `names`
 * names what the screen shows; without it the console says only the kind of slide.
 */
export function presentScreen(row: ScreenRow, online: boolean, names?: NameBook): Screen {
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
    showing: presentShowing(row.current_slide, names),
    uptimeSeconds: row.uptime_seconds,
    memoryMb: row.memory_mb,
    clockSkewMs: row.clock_skew_ms === null ? null : Number(row.clock_skew_ms),
    pairedAt: row.paired_at,
    tags: screenTagsOf(row),
  };
}

/**
 * A stored status report as the console sees it; null for one that no longer parses (stored
 * by a release whose report had another shape), which is left out rather than guessed at.
 */
export function presentStatusReport(
  row: ScreenStatusReportRow,
  names?: NameBook,
): StatusReportView | null {
  let json: unknown;
  try {
    json = JSON.parse(row.report_json);
  } catch {
    return null;
  }
  const parsed = ScreenStatusSchema.safeParse(json);
  if (!parsed.success) return null;
  const s = parsed.data;
  return {
    at: row.at,
    appVersion: s.appVersion,
    appliedVersion: s.appliedVersion,
    currentSlide: s.currentSlide,
    showing: presentShowing(s.currentSlide, names),
    uptimeSeconds: s.uptimeSeconds,
    memoryMb: s.memoryMb,
    clockSkewMs: s.clockSkewMs ?? null,
    storageUsedMb: s.storageUsedMb ?? null,
    storageQuotaMb: s.storageQuotaMb ?? null,
  };
}
