import { describe, expect, it } from "vitest";
import { FALLBACK_DWELL_MS, frameAt } from "../../../../display/renderer/src/playback";
import type { Announcement } from "../../../../shared/schemas/announcement";
import type { Schedule } from "../../../../shared/schemas/schedule";

const a1: Announcement = {
  id: "11111111-1111-4111-8111-111111111111",
  title: "一",
  body: "",
  language: "zh-CN",
  tags: ["traffic"],
  createdAt: "2026-11-27T00:00:00.000Z",
  version: 1,
};
const a2: Announcement = {
  ...a1,
  id: "22222222-2222-4222-8222-222222222222",
  title: "二",
  tags: [],
  version: 2,
};

// Daytime window 07:00–23:00 Shanghai, only announcements tagged "traffic".
const schedule: Schedule = {
  timeZone: "Asia/Shanghai",
  windows: [
    {
      id: "day",
      days: [1, 2, 3, 4, 5, 6, 7],
      start: "07:00",
      end: "23:00",
      playlist: [{ type: "announcementsTagged", tag: "traffic" }],
      dwellSeconds: 10,
      order: "sequence",
      priority: 0,
    },
  ],
  idleSlide: { title: "晚安", body: "" },
};
const noonShanghai = Date.parse("2026-11-27T04:00:00Z");
const midnightShanghai = Date.parse("2026-11-27T16:00:00Z");

describe("frameAt", () => {
  it("rotates every announcement when no schedule applies", () => {
    const content = { announcements: [a1, a2], schedule: null, emergencies: [] };
    const first = frameAt(content, 0);
    const second = frameAt(content, FALLBACK_DWELL_MS);
    expect(first.slide).toMatchObject({ kind: "announcement", announcement: { id: a1.id } });
    expect(second.slide).toMatchObject({ kind: "announcement", announcement: { id: a2.id } });
    expect(first.nextChangeAt).toBe(FALLBACK_DWELL_MS);
  });

  it("waits when there is nothing at all", () => {
    expect(frameAt({ announcements: [], schedule: null, emergencies: [] }, 0)).toEqual({
      slide: { kind: "waiting" },
      nextChangeAt: null,
    });
  });

  it("plays only what the window's playlist selects, and the idle slide outside it", () => {
    const content = { announcements: [a1, a2], schedule, emergencies: [] };
    const day = frameAt(content, noonShanghai);
    expect(day.slide).toMatchObject({ kind: "announcement", announcement: { id: a1.id } });
    expect(frameAt(content, midnightShanghai).slide).toEqual({
      kind: "idle",
      idle: { title: "晚安", body: "" },
    });
  });

  it("lets an emergency override the schedule, and the fallback rotation, until it ends", () => {
    const emergency = {
      id: "e1",
      title: "暴雨预警",
      body: "请勿外出",
      startsAt: "2026-11-27T03:00:00Z",
      endsAt: "2026-11-27T05:00:00Z",
    };
    for (const s of [schedule, null]) {
      const content = { announcements: [a1, a2], schedule: s, emergencies: [emergency] };
      const during = frameAt(content, noonShanghai);
      expect(during.slide).toEqual({ kind: "emergency", emergency });
      expect(during.nextChangeAt).toBeLessThanOrEqual(Date.parse(emergency.endsAt));
      expect(frameAt(content, Date.parse("2026-11-27T05:00:00Z")).slide.kind).not.toBe("emergency");
    }
  });
});
