import { randomUUID } from "node:crypto";
import type { ScreenEntry } from "../../../../shared/schemas/screenEntry";
import type { Schedule, TimeWindow } from "../../../../shared/schemas/schedule";
import type { SyncDelta } from "../../../../shared/schemas/sync";

let seq = 0;

/** A list entry as a screen receives it (masked, redacted); fields can be overridden. */
export function buildScreenEntry(overrides: Partial<ScreenEntry> = {}): ScreenEntry {
  seq += 1;
  return {
    id: randomUUID(),
    kind: "discredited",
    subjectType: "person",
    maskedName: "欧阳某",
    caseNumber: `（2026）京0101执${10_000 + seq}号`,
    court: "北京市东城区人民法院",
    obligation: "给付货款",
    amountMinor: 1_234_500,
    currency: "CNY",
    listingGround: "有履行能力而拒不履行生效法律文书确定义务",
    listingDate: "2026-01-15",
    legalBasisNumber: "（2025）京0101民初2001号民事判决书",
    legalBasisIssuer: "北京市东城区人民法院",
    expiryDate: "2028-01-15",
    performance: "全部未履行",
    sourceDate: "2026-01-15",
    publicId: "AAAAAAAAAAAAAAAAAAAAAA",
    expiresAt: "2028-01-14T16:00:00Z",
    publishedVersion: seq,
    photo: null,
    ...overrides,
  };
}

/** A photo reference with a hash made from `n`. */
export function photoRef(n: number): NonNullable<ScreenEntry["photo"]> {
  return { hash: n.toString(16).padStart(64, "0"), mime: "image/webp", width: 600, height: 800 };
}

/** A sync answer for district "d" with no schedule; content fields as given. */
export function buildDelta(p: Pick<SyncDelta, "version" | "full"> & Partial<SyncDelta>): SyncDelta {
  return {
    announcements: [],
    entries: [],
    removedIds: [],
    district: {
      id: "d",
      timeZone: "Asia/Shanghai",
      language: "zh-CN",
      contestText: "",
      contestUrl: null,
      contestContact: "",
    },
    schedule: null,
    emergencies: [],
    ...p,
  };
}

/** A whole-day window playing `playlist`, `dwellSeconds` a slide (10 s unless told). */
export function allDay(playlist: TimeWindow["playlist"], dwellSeconds = 10): Schedule {
  return {
    timeZone: "Asia/Shanghai",
    windows: [
      {
        id: "all-day",
        days: [1, 2, 3, 4, 5, 6, 7],
        start: "00:00",
        end: "24:00",
        playlist,
        dwellSeconds,
        order: "sequence",
        priority: 0,
      },
    ],
  };
}
