import { describe, expect, it } from "vitest";
import { translator } from "../../../../../server/console/src/lib/i18n";
import {
  tagsOfText,
  windowSummary,
} from "../../../../../server/console/src/schedules/scheduleText";
import type { TimeWindow } from "../../../../../shared/schemas/schedule";

const weekdays: TimeWindow = {
  id: "w1",
  days: [1, 2, 3, 4, 5],
  start: "07:00",
  end: "22:00",
  playlist: [{ type: "discredited" }],
  dwellSeconds: 10,
  order: "sequence",
  priority: 0,
};

describe("windowSummary", () => {
  it("says when a window plays, and for which screens when it targets tags", () => {
    const en = translator("en");
    const zh = translator("zh-CN");
    expect(windowSummary(weekdays, en)).toBe("Mon–Fri 07:00–22:00");
    expect(windowSummary({ ...weekdays, screenTags: [] }, en)).toBe("Mon–Fri 07:00–22:00");
    const metro = { ...weekdays, screenTags: ["bus-stop", "metro"] };
    expect(windowSummary(metro, en)).toBe(
      "Mon–Fri 07:00–22:00 (only screens tagged bus-stop, metro)",
    );
    expect(windowSummary(metro, zh)).toMatch(/仅限标签为 bus-stop, metro 的屏幕/);
  });
});

describe("tagsOfText", () => {
  it("splits at either comma, trims, drops empties and repeats", () => {
    expect(tagsOfText(" metro, bus-stop，metro ,, ")).toEqual(["metro", "bus-stop"]);
    expect(tagsOfText("")).toEqual([]);
  });
});
