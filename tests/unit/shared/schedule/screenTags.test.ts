import { describe, expect, it } from "vitest";
import {
  evaluateSchedule,
  scheduleForScreen,
  timeline,
  windowAppliesTo,
  type ScheduleResult,
} from "../../../../shared/schedule/evaluateSchedule";
import { playbackPlan, type PlannedEntry } from "../../../../shared/schedule/playbackPlan";
import {
  type ManifestItem,
  ManifestItemSchema,
  type Schedule,
  ScheduleSchema,
  TimeWindowSchema,
} from "../../../../shared/schemas/schedule";
import { mulberry32 } from "../../../support/random";

// 2026-06-01 is a Monday. Shanghai wall time, "2026-06-01 08:00:30".
const sh = (local: string) => Date.parse(`${local.replace(" ", "T")}+08:00`);

/** A daily window of the discredited list, 60 s a slide; overrides as given. */
function win(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "all",
    days: [1, 2, 3, 4, 5, 6, 7],
    start: "08:00",
    end: "20:00",
    playlist: [{ type: "discredited" }],
    dwellSeconds: 60,
    ...overrides,
  };
}

function schedule(windows: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return ScheduleSchema.parse({ windows, ...extra });
}

function item(id: string): ManifestItem {
  const kind = id.startsWith("R") ? "redlist" : "discredited";
  return ManifestItemSchema.parse({ id, kind, publishedVersion: Number(id.slice(1)) });
}

const D = [item("D1"), item("D2")];
const R = [item("R1")];
const manifest = [...D, ...R];

/** Which window a screen shows at `now`, or what it shows instead. */
const windowOf = (r: ScheduleResult) => (r.kind === "slide" ? r.windowId : r.kind);

describe("a window's screenTags", () => {
  // The red list in the metro at lunch; everywhere else the discredited list all day.
  const metroLunch = win({
    id: "metro-lunch",
    start: "12:00",
    end: "14:00",
    playlist: [{ type: "redlist" }],
    priority: 10,
    screenTags: ["metro"],
  });
  const s = schedule([win(), metroLunch]);
  const lunch = sh("2026-06-01 12:30:00");

  it("plays only on screens carrying one of its tags", () => {
    expect(windowOf(evaluateSchedule(s, manifest, lunch, [], { screenTags: ["metro"] }))).toBe(
      "metro-lunch",
    );
    expect(
      windowOf(evaluateSchedule(s, manifest, lunch, [], { screenTags: ["bus-stop", "metro"] })),
    ).toBe("metro-lunch");
  });

  it("is skipped by a screen with none of its tags, or none at all: the lower window plays", () => {
    expect(windowOf(evaluateSchedule(s, manifest, lunch, [], { screenTags: ["bus-stop"] }))).toBe(
      "all",
    );
    expect(windowOf(evaluateSchedule(s, manifest, lunch, [], { screenTags: [] }))).toBe("all");
    // Callers that pass no options (the console's district view) are screens without tags.
    expect(windowOf(evaluateSchedule(s, manifest, lunch))).toBe("all");
    expect(windowOf(evaluateSchedule(s, manifest, lunch, []))).toBe("all");
  });

  it("leaves a screen without the tag blank when no other window applies", () => {
    const only = schedule([win({ id: "metro", screenTags: ["metro"] })]);
    const at = sh("2026-06-01 09:00:00");
    expect(evaluateSchedule(only, manifest, at, [], { screenTags: ["indoor"] })).toEqual({
      kind: "blank",
      nextChangeAt: null,
    });
    expect(windowOf(evaluateSchedule(only, manifest, at, [], { screenTags: ["metro"] }))).toBe(
      "metro",
    );
  });

  it("applies to every screen when absent or empty", () => {
    const open = schedule([win({ id: "open", screenTags: [] })]);
    const at = sh("2026-06-01 09:00:00");
    expect(windowOf(evaluateSchedule(open, manifest, at))).toBe("open");
    expect(windowOf(evaluateSchedule(open, manifest, at, [], { screenTags: ["metro"] }))).toBe(
      "open",
    );
    expect(windowAppliesTo({}, [])).toBe(true);
    expect(windowAppliesTo({ screenTags: ["metro"] }, [])).toBe(false);
    expect(windowAppliesTo({ screenTags: ["metro"] })).toBe(false);
  });

  it("changes the timeline of a tagged screen only", () => {
    const from = sh("2026-06-01 11:59:00");
    const to = sh("2026-06-01 14:01:00");
    const windowsOf = (screenTags?: string[]) => [
      ...new Set(
        timeline(s, manifest, from, to, [], undefined, { screenTags }).map((g) =>
          windowOf(g.result),
        ),
      ),
    ];
    expect(windowsOf(["metro"])).toEqual(["all", "metro-lunch"]);
    expect(windowsOf(["bus-stop"])).toEqual(["all"]);
    expect(windowsOf()).toEqual(["all"]);
  });

  it("is validated and normalised like every screen tag", () => {
    const parsed = TimeWindowSchema.parse(win({ screenTags: ["Metro", "bus-stop", "metro"] }));
    expect(parsed.screenTags).toEqual(["bus-stop", "metro"]);
    expect(TimeWindowSchema.parse(win()).screenTags).toBeUndefined();
    const bad = TimeWindowSchema.safeParse(win({ screenTags: ["under_score"] }));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["screenTags", 0]);
    expect(TimeWindowSchema.safeParse(win({ screenTags: ["x".repeat(33)] })).success).toBe(false);
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
    expect(TimeWindowSchema.safeParse(win({ screenTags: many })).success).toBe(false);
  });
});

describe("scheduleForScreen", () => {
  it("keeps the windows a screen's tags allow, in order, with the condition settled", () => {
    const s = schedule([
      win({ id: "a", screenTags: ["metro"] }),
      win({ id: "b" }),
      win({ id: "c", screenTags: ["indoor"] }),
    ]);
    const mine = scheduleForScreen(s, ["indoor"]);
    expect(mine.windows.map((w) => w.id)).toEqual(["b", "c"]);
    expect(mine.windows.every((w) => w.screenTags === undefined)).toBe(true);
    expect(scheduleForScreen(s).windows.map((w) => w.id)).toEqual(["b"]);
    // The original is not touched.
    expect(s.windows.map((w) => w.id)).toEqual(["a", "b", "c"]);
  });

  it("evaluates like the schedule with the tags, for random schedules and instants", () => {
    const r = mulberry32(16);
    const pool = ["metro", "bus-stop", "indoor"];
    const some = () => pool.filter(() => r() < 0.4);
    for (let run = 0; run < 300; run++) {
      const windows = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => {
        const start = Math.floor(r() * 24);
        const end = (start + 1 + Math.floor(r() * 23)) % 24;
        const tags = some();
        return win({
          id: `w${i}`,
          start: `${String(start).padStart(2, "0")}:00`,
          end: `${String(end).padStart(2, "0")}:00`,
          playlist: [r() < 0.5 ? { type: "discredited" } : { type: "redlist" }],
          priority: Math.floor(r() * 3),
          ...(tags.length > 0 || r() < 0.2 ? { screenTags: tags } : {}),
        });
      });
      const s = schedule(windows);
      const screenTags = some();
      const now = sh("2026-06-01 00:00:00") + Math.floor(r() * 7 * 86_400_000);
      const direct = evaluateSchedule(s, manifest, now, [], { screenTags });
      const settled = scheduleForScreen(s, screenTags);
      expect(evaluateSchedule(settled, manifest, now), `run ${run}`).toEqual(direct);
      expect(evaluateSchedule(settled, manifest, now, [], { screenTags }), `run ${run}`).toEqual(
        direct,
      );
    }
  });
});

describe("playbackPlan with screenTags", () => {
  const d1: PlannedEntry = {
    id: "d1",
    kind: "discredited",
    expiresAt: "2027-06-30T16:00:00.000Z",
    publishedVersion: 5,
  };
  const r1: PlannedEntry = { ...d1, id: "r1", kind: "redlist", publishedVersion: 1 };
  const s: Schedule = schedule([
    win({ id: "everyone" }),
    win({ id: "metro", playlist: [{ type: "redlist" }], priority: 5, screenTags: ["metro"] }),
  ]);
  const at = sh("2026-06-03 10:00:00");
  const play = (screenTags?: readonly string[]) => {
    const plan = playbackPlan({ announcements: [], entries: [d1, r1], schedule: s, screenTags });
    return evaluateSchedule(plan.schedule, plan.manifest, at);
  };

  it("plays the windows of the screen's tags, evaluated without further options", () => {
    expect(play(["metro"])).toMatchObject({ kind: "slide", windowId: "metro", itemId: "r1" });
    expect(play(["indoor"])).toMatchObject({ kind: "slide", windowId: "everyone", itemId: "d1" });
  });

  it("treats a screen without tags (the option absent) as carrying none", () => {
    expect(play()).toMatchObject({ kind: "slide", windowId: "everyone" });
    const plan = playbackPlan({ announcements: [], entries: [d1], schedule: s });
    expect(plan.schedule.windows.map((w) => w.id)).toEqual(["everyone"]);
    expect(plan.fallback).toBe(false);
  });

  it("leaves the fallback of a district without a schedule alone", () => {
    const plan = playbackPlan({
      announcements: [],
      entries: [d1],
      schedule: null,
      screenTags: ["metro"],
    });
    expect(plan.fallback).toBe(true);
    expect(evaluateSchedule(plan.schedule, plan.manifest, at)).toMatchObject({
      kind: "slide",
      itemId: "d1",
    });
  });
});
