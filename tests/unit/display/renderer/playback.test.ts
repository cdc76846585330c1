import { describe, expect, it } from "vitest";
import { ContentStore } from "../../../../display/renderer/src/ContentStore";
import { contentIdOf, frameAt } from "../../../../display/renderer/src/playback";
import { FALLBACK_DWELL_MS } from "../../../../shared/schedule/playbackPlan";
import type { Announcement } from "../../../../shared/schemas/announcement";
import type { Schedule } from "../../../../shared/schemas/schedule";
import { allDay, buildDelta, buildScreenEntry } from "./screenEntryFactory";

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
    const content = { announcements: [a1, a2], entries: [], schedule: null, emergencies: [] };
    const first = frameAt(content, 0);
    const second = frameAt(content, FALLBACK_DWELL_MS);
    expect(first.slide).toMatchObject({ kind: "announcement", announcement: { id: a1.id } });
    expect(second.slide).toMatchObject({ kind: "announcement", announcement: { id: a2.id } });
    expect(first.nextChangeAt).toBe(FALLBACK_DWELL_MS);
  });

  it("waits when there is nothing at all", () => {
    expect(frameAt({ announcements: [], entries: [], schedule: null, emergencies: [] }, 0)).toEqual(
      {
        slide: { kind: "waiting" },
        nextChangeAt: null,
      },
    );
  });

  it("plays only what the window's playlist selects, and the idle slide outside it", () => {
    const content = { announcements: [a1, a2], entries: [], schedule, emergencies: [] };
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
      const content = {
        announcements: [a1, a2],
        entries: [],
        schedule: s,
        emergencies: [emergency],
      };
      const during = frameAt(content, noonShanghai);
      expect(during.slide).toEqual({ kind: "emergency", emergency });
      expect(during.nextChangeAt).toBeLessThanOrEqual(Date.parse(emergency.endsAt));
      expect(frameAt(content, Date.parse("2026-11-27T05:00:00Z")).slide.kind).not.toBe("emergency");
    }
  });
});

describe("frameAt with list entries", () => {
  const d1 = buildScreenEntry({ kind: "discredited", publishedVersion: 5 });
  const d2 = buildScreenEntry({ kind: "discredited", publishedVersion: 3 });
  const r1 = buildScreenEntry({ kind: "redlist", publishedVersion: 1, maskedName: "司马某" });
  const entries = [d1, d2, r1];
  // 00:00 Shanghai: the start of the all-day occurrence, so slot n starts at n × 10 s.
  const dayStart = Date.parse("2026-11-26T16:00:00Z");

  it("a discredited source plays the discredited list as entry slides, in publication order", () => {
    const content = {
      announcements: [a1],
      entries,
      schedule: allDay([{ type: "discredited" }]),
      emergencies: [],
    };
    const shown = [0, 1, 2, 3].map((i) => frameAt(content, dayStart + i * 10_000).slide);
    expect(shown.map(contentIdOf)).toEqual([d2.id, d1.id, d2.id, d1.id]);
    expect(shown[0]).toEqual({ kind: "entry", entry: d2 });
  });

  it("a red-list source plays only the red list", () => {
    const content = {
      announcements: [a1],
      entries,
      schedule: allDay([{ type: "redlist" }]),
      emergencies: [],
    };
    for (let i = 0; i < 3; i++)
      expect(frameAt(content, dayStart + i * 10_000).slide).toEqual({ kind: "entry", entry: r1 });
  });

  it("without a schedule plays every announcement, then the discredited list, then the red list", () => {
    const content = { announcements: [a2, a1], entries, schedule: null, emergencies: [] };
    // The fallback counts slots from UTC midnight.
    const midnight = Date.parse("2026-11-27T00:00:00Z");
    const order = [0, 1, 2, 3, 4, 5].map((i) =>
      contentIdOf(frameAt(content, midnight + i * FALLBACK_DWELL_MS).slide),
    );
    expect(order).toEqual([a1.id, a2.id, d2.id, d1.id, r1.id, a1.id]);
    expect(frameAt(content, midnight).nextChangeAt).toBe(midnight + FALLBACK_DWELL_MS);
  });

  it("without a schedule, entries alone still play (no waiting screen)", () => {
    const frame = frameAt({ announcements: [], entries: [r1], schedule: null, emergencies: [] }, 0);
    expect(frame.slide).toEqual({ kind: "entry", entry: r1 });
  });

  it("never shows an entry at or after its expiry, and wakes up at that instant", () => {
    const expiresAt = dayStart + 5_000;
    const only = buildScreenEntry({ expiresAt: new Date(expiresAt).toISOString() });
    const content = {
      announcements: [],
      entries: [only],
      schedule: allDay([{ type: "discredited" }]),
      emergencies: [],
    };
    const before = frameAt(content, dayStart);
    expect(contentIdOf(before.slide)).toBe(only.id);
    expect(before.nextChangeAt).toBe(expiresAt);
    expect(frameAt(content, expiresAt).slide).toEqual({ kind: "blank" });
  });

  it("a removed entry is never drawn again, at any instant of the rotation", () => {
    const store = new ContentStore(() => dayStart);
    const a = buildScreenEntry();
    const b = buildScreenEntry();
    const c = buildScreenEntry({ kind: "redlist" });
    store.apply(buildDelta({ version: 3, full: true, entries: [a, b, c] }));
    store.apply(buildDelta({ version: 4, full: false, removedIds: [b.id] }));
    for (const schedule of [null, allDay([{ type: "discredited" }, { type: "redlist" }])]) {
      const seen = new Set<string | null>();
      for (let t = dayStart; t < dayStart + 10 * 60_000; t += 1_000) {
        const slide = frameAt(
          { announcements: [], entries: store.entries(t), schedule, emergencies: [] },
          t,
        ).slide;
        seen.add(contentIdOf(slide));
      }
      expect(seen).toEqual(new Set([a.id, c.id]));
    }
  });
});
