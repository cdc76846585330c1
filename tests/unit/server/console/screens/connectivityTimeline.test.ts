import { describe, expect, it } from "vitest";
import {
  dayTicks,
  timelineSegments,
} from "../../../../../server/console/src/screens/connectivityTimeline";

const HOUR = 3_600_000;
const FROM = Date.parse("2026-03-01T16:00:00.000Z"); // 2 March 00:00 in Shanghai
const iso = (h: number) => new Date(FROM + h * HOUR).toISOString();

describe("timelineSegments", () => {
  it("covers the bar with the unpaired time, connected spans merged where they overlap, and gaps", () => {
    const segments = timelineSegments(
      [
        { from: iso(4), to: iso(10) },
        { from: iso(8), to: iso(12) },
        { from: iso(20), to: iso(30) },
      ],
      { from: FROM, to: FROM + 24 * HOUR, observedFrom: FROM + 2 * HOUR },
    );
    expect(segments.map((s) => [s.kind, (s.from - FROM) / HOUR, (s.to - FROM) / HOUR])).toEqual([
      ["unpaired", 0, 2],
      ["disconnected", 2, 4],
      ["connected", 4, 12],
      ["disconnected", 12, 20],
      ["connected", 20, 24],
    ]);
    const widths = segments.reduce((sum, s) => sum + s.width, 0);
    expect(widths).toBeCloseTo(100, 6);
    expect(segments[2]?.left).toBeCloseTo((4 / 24) * 100, 6);
  });

  it("is one gap for a screen never connected in the period", () => {
    const segments = timelineSegments([], { from: FROM, to: FROM + HOUR, observedFrom: 0 });
    expect(segments.map((s) => [s.kind, s.left, s.width])).toEqual([["disconnected", 0, 100]]);
  });
});

describe("dayTicks", () => {
  it("puts a tick at each local midnight of the district's time zone, worded in the language", () => {
    const period = { from: FROM - HOUR, to: FROM + 3 * 24 * HOUR - HOUR };
    const shanghai = dayTicks(period, "Asia/Shanghai", "en");
    expect(shanghai.map((t) => new Date(t.at).toISOString())).toEqual([
      "2026-03-01T16:00:00.000Z",
      "2026-03-02T16:00:00.000Z",
      "2026-03-03T16:00:00.000Z",
    ]);
    expect(shanghai[0]?.label).toBe("Mon, Mar 2");
    expect(dayTicks(period, "Asia/Shanghai", "zh-CN")[0]?.label).toBe("3月2日周一");
    // A zone half an hour off the hour: its midnights are found too.
    const kolkata = dayTicks(period, "Asia/Kolkata", "en");
    expect(kolkata.map((t) => new Date(t.at).toISOString())).toEqual([
      "2026-03-01T18:30:00.000Z",
      "2026-03-02T18:30:00.000Z",
      "2026-03-03T18:30:00.000Z",
    ]);
  });
});
