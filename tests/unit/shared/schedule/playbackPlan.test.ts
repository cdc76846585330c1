import { describe, expect, it } from "vitest";
import type { Schedule } from "../../../../shared/schemas/schedule";
import {
  evaluateSchedule,
  type ScheduleResult,
} from "../../../../shared/schedule/evaluateSchedule";
import {
  FALLBACK_DWELL_MS,
  fallbackSchedule,
  manifestOf,
  playbackPlan,
  type PlannedAnnouncement,
  type PlannedEntry,
} from "../../../../shared/schedule/playbackPlan";

const a1: PlannedAnnouncement = { id: "a1", tags: ["traffic"], version: 7 };
const a2: PlannedAnnouncement = { id: "a2", tags: [], version: 4 };
const d1: PlannedEntry = {
  id: "d1",
  kind: "discredited",
  expiresAt: "2027-06-30T16:00:00.000Z",
  publishedVersion: 5,
};
const d2: PlannedEntry = { ...d1, id: "d2", publishedVersion: 2 };
const r1: PlannedEntry = { ...d1, id: "r1", kind: "redlist", publishedVersion: 1 };

const schedule: Schedule = {
  timeZone: "Asia/Shanghai",
  windows: [
    {
      id: "day",
      days: [1, 2, 3, 4, 5, 6, 7],
      start: "07:00",
      end: "23:00",
      playlist: [{ type: "discredited" }],
      dwellSeconds: 30,
      order: "sequence",
      priority: 0,
    },
  ],
};

const itemOf = (r: ScheduleResult) => (r.kind === "slide" ? r.itemId : r.kind);

describe("manifestOf", () => {
  it("lists announcements by tags and version, entries by kind, expiry and publication", () => {
    expect(manifestOf([a1], [r1])).toEqual([
      { id: "a1", kind: "announcement", tags: ["traffic"], publishedVersion: 7 },
      {
        id: "r1",
        kind: "redlist",
        tags: [],
        expiresAt: "2027-06-30T16:00:00.000Z",
        publishedVersion: 1,
      },
    ]);
  });
});

describe("playbackPlan", () => {
  it("plays the district's schedule over the manifest as it is", () => {
    const plan = playbackPlan({ announcements: [a1], entries: [d1], schedule });
    expect(plan).toEqual({ schedule, manifest: manifestOf([a1], [d1]), fallback: false });
  });

  it("without a schedule rotates every announcement, then the discredited list, then the red list", () => {
    const plan = playbackPlan({ announcements: [a1, a2], entries: [r1, d1, d2], schedule: null });
    expect(plan.fallback).toBe(true);
    expect(plan.schedule).toEqual(fallbackSchedule([a1, a2]));
    // The fallback's day starts at UTC midnight; each slot lasts FALLBACK_DWELL_MS.
    const midnight = Date.parse("2027-03-10T00:00:00Z");
    const order = [0, 1, 2, 3, 4, 5].map((i) =>
      itemOf(evaluateSchedule(plan.schedule, plan.manifest, midnight + i * FALLBACK_DWELL_MS)),
    );
    // Each kind in publication order, though the red-list entry was published first of all.
    expect(order).toEqual(["a2", "a1", "d2", "d1", "r1", "a2"]);
  });

  it("without a schedule breaks a publication tie by id, as the evaluator does", () => {
    const twin: PlannedEntry = { ...d1, id: "d0" };
    const plan = playbackPlan({ announcements: [], entries: [d1, twin], schedule: null });
    expect(plan.manifest.map((i) => [i.id, i.publishedVersion])).toEqual([
      ["d0", 0],
      ["d1", 1],
    ]);
  });

  it("without a schedule plays all day, every day, and an entry no longer once it expires", () => {
    const plan = playbackPlan({ announcements: [], entries: [d1], schedule: null });
    const expiry = Date.parse(d1.expiresAt);
    expect(itemOf(evaluateSchedule(plan.schedule, plan.manifest, expiry - 1))).toBe("d1");
    expect(itemOf(evaluateSchedule(plan.schedule, plan.manifest, expiry))).toBe("blank");
    expect(plan.schedule.windows).toMatchObject([
      { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00", dwellSeconds: 10 },
    ]);
  });
});
