import { describe, expect, it } from "vitest";
import type { AlertKind } from "../../../../shared/schemas/alert";
import type { Screen } from "../../../../shared/schemas/screen";
import { hasProblem, screenListView } from "../../../../server/services/screens/screenListView";

let n = 0;
function screen(name: string, over: Partial<Screen> = {}): Screen {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    name,
    districtId: "north",
    location: "",
    state: "active",
    online: true,
    lastSeenAt: "2026-03-02T08:00:00.000Z",
    width: 1920,
    height: 1080,
    orientation: "landscape",
    appVersion: "1.0.0",
    appliedVersion: 0,
    currentSlide: null,
    showing: null,
    uptimeSeconds: null,
    memoryMb: null,
    clockSkewMs: null,
    pairedAt: "2026-03-01T08:00:00.000Z",
    tags: [],
    ...over,
  };
}

describe("hasProblem", () => {
  const kinds = (...k: AlertKind[]) => new Set(k);

  it("counts a dark screen as offline before its alert is raised, and an open alert as its problem", () => {
    const dark = screen("dark", { online: false });
    expect(hasProblem(dark, undefined, "offline")).toBe(true);
    expect(hasProblem(dark, undefined, "any")).toBe(true);
    expect(hasProblem(dark, undefined, "clock_skew")).toBe(false);
    const skewed = screen("skewed");
    expect(hasProblem(skewed, kinds("clock_skew"), "clock_skew")).toBe(true);
    expect(hasProblem(skewed, kinds("clock_skew"), "any")).toBe(true);
    expect(hasProblem(skewed, kinds("clock_skew"), "storage_low")).toBe(false);
    expect(hasProblem(screen("well"), undefined, "any")).toBe(false);
    // An open offline alert the monitor has not resolved yet still counts.
    expect(hasProblem(screen("back"), kinds("screen_offline"), "offline")).toBe(true);
  });

  it("gives an unpaired screen no problem, however dark", () => {
    const gone = screen("gone", { state: "revoked", online: false });
    expect(hasProblem(gone, kinds("storage_low"), "any")).toBe(false);
    expect(hasProblem(gone, undefined, "offline")).toBe(false);
  });
});

describe("screenListView", () => {
  const a = screen("甲", { lastSeenAt: "2026-03-02T08:00:00.000Z" });
  const b = screen("乙", { lastSeenAt: null, online: false });
  const c = screen("丙", { lastSeenAt: "2026-03-02T09:00:00.000Z" });
  const names = (list: Screen[]) => list.map((s) => s.name);

  it("sorts by last seen with a never-seen screen as the longest silent", () => {
    expect(names(screenListView([a, b, c], new Map(), { sort: "lastSeen" }))).toEqual([
      "乙",
      "甲",
      "丙",
    ]);
    expect(
      names(screenListView([a, b, c], new Map(), { sort: "lastSeen", order: "desc" })),
    ).toEqual(["丙", "甲", "乙"]);
  });

  it("sorts names as Chinese readers expect (pinyin) and keeps the given order without a sort", () => {
    expect(names(screenListView([a, b, c], new Map(), { sort: "name" }))).toEqual([
      "丙",
      "甲",
      "乙",
    ]);
    expect(names(screenListView([a, b, c], new Map(), {}))).toEqual(["甲", "乙", "丙"]);
  });

  it("narrows to a problem before sorting", () => {
    const alerts = new Map([[c.id, new Set<AlertKind>(["old_app_version"])]]);
    expect(
      names(screenListView([a, b, c], alerts, { problem: "any", sort: "name", order: "desc" })),
    ).toEqual(["乙", "丙"]);
  });
});
