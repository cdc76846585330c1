import { describe, expect, it } from "vitest";
import { ContentStore } from "../../../../display/renderer/src/contentStore";
import type { Announcement } from "../../../../shared/schemas/announcement";
import type { SyncDelta } from "../../../../shared/schemas/sync";

const ids = [
  "11111111-1111-4111-8111-111111111111",
  "22222222-2222-4222-8222-222222222222",
] as const;

function ann(id: string, version: number, title = `t${version}`): Announcement {
  return {
    id,
    title,
    body: "",
    language: "zh-CN",
    tags: [],
    createdAt: "2026-11-27T00:00:00.000Z",
    version,
  };
}

function delta(
  p: Pick<SyncDelta, "version" | "full" | "announcements" | "removedIds"> & Partial<SyncDelta>,
): SyncDelta {
  return {
    district: {
      id: "d",
      timeZone: "Asia/Shanghai",
      language: "zh-CN",
      contestText: "",
      contestUrl: null,
    },
    schedule: null,
    emergencies: [],
    ...p,
  };
}

describe("ContentStore", () => {
  it("applies a full manifest, then deltas in order", () => {
    const s = new ContentStore();
    expect(
      s.apply(delta({ version: 1, full: true, announcements: [ann(ids[0], 1)], removedIds: [] })),
    ).toBe(true);
    expect(
      s.apply(delta({ version: 2, full: false, announcements: [ann(ids[1], 2)], removedIds: [] })),
    ).toBe(true);
    expect(s.announcements().map((a) => a.id)).toEqual([ids[0], ids[1]]);
    expect(s.version).toBe(2);
  });

  it("ignores a stale delta's content but takes its schedule and emergencies", () => {
    const s = new ContentStore();
    s.apply(delta({ version: 5, full: true, announcements: [ann(ids[0], 5)], removedIds: [] }));
    const emergency = { id: "e", title: "x", body: "", startsAt: "2026-11-27T00:00:00Z" };
    expect(
      s.apply(
        delta({
          version: 4,
          full: false,
          announcements: [ann(ids[1], 4)],
          removedIds: [],
          emergencies: [emergency],
        }),
      ),
    ).toBe(false);
    expect(s.announcements()).toHaveLength(1);
    expect(s.emergencies).toEqual([emergency]);
  });

  it("removes what a delta takes down", () => {
    const s = new ContentStore();
    s.apply(
      delta({
        version: 2,
        full: true,
        announcements: [ann(ids[0], 1), ann(ids[1], 2)],
        removedIds: [],
      }),
    );
    s.apply(delta({ version: 3, full: false, announcements: [], removedIds: [ids[0]] }));
    expect(s.announcements().map((a) => a.id)).toEqual([ids[1]]);
  });

  it("a full manifest replaces everything held, and reset forgets everything", () => {
    const s = new ContentStore();
    s.apply(delta({ version: 2, full: true, announcements: [ann(ids[0], 1)], removedIds: [] }));
    s.apply(delta({ version: 9, full: true, announcements: [ann(ids[1], 9)], removedIds: [] }));
    expect(s.announcements().map((a) => a.id)).toEqual([ids[1]]);
    s.reset();
    expect(s.announcements()).toEqual([]);
    expect(s.version).toBe(0);
    expect(s.district).toBeNull();
  });
});
