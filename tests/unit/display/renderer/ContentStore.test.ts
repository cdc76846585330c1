import { describe, expect, it } from "vitest";
import { ContentStore, KioskSnapshotSchema } from "../../../../display/renderer/src/ContentStore";
import type { Announcement } from "../../../../shared/schemas/announcement";
import type { SyncDelta } from "../../../../shared/schemas/sync";
import { buildDelta, buildScreenEntry } from "./screenEntryFactory";

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
      contestContact: "",
    },
    schedule: null,
    emergencies: [],
    entries: [],
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

describe("ContentStore with list entries", () => {
  it("holds entries beside announcements, in publication order", () => {
    const s = new ContentStore();
    const later = buildScreenEntry({ publishedVersion: 7 });
    const earlier = buildScreenEntry({ publishedVersion: 3, kind: "redlist" });
    s.apply(
      buildDelta({
        version: 7,
        full: true,
        announcements: [ann(ids[0], 1)],
        entries: [later, earlier],
      }),
    );
    expect(s.entries().map((e) => e.id)).toEqual([earlier.id, later.id]);
    expect(s.announcements().map((a) => a.id)).toEqual([ids[0]]);
  });

  it("applies a delta's removals before its upserts, for announcements and entries alike", () => {
    const s = new ContentStore();
    const kept = buildScreenEntry();
    const revoked = buildScreenEntry();
    s.apply(buildDelta({ version: 2, full: true, entries: [kept, revoked] }));
    const republished = { ...kept, publishedVersion: 3, court: "北京市西城区人民法院" };
    s.apply(
      buildDelta({
        version: 3,
        full: false,
        // The same delta withdraws `kept` and publishes it again: the re-add stands.
        removedIds: [revoked.id, kept.id],
        entries: [republished],
      }),
    );
    expect(s.entries()).toEqual([republished]);
    expect(s.version).toBe(3);
  });

  it("drops what a takedown push names at once, keeping its applied version", () => {
    const s = new ContentStore();
    const revoked = buildScreenEntry();
    const kept = buildScreenEntry();
    s.apply(
      buildDelta({
        version: 4,
        full: true,
        announcements: [ann(ids[0], 1)],
        entries: [revoked, kept],
      }),
    );
    expect(s.remove([revoked.id, ids[0]])).toBe(true);
    expect(s.entries()).toEqual([kept]);
    expect(s.announcements()).toEqual([]);
    expect(s.version).toBe(4);
    expect(s.remove([revoked.id])).toBe(false);
  });

  it("a full sync replaces every entry and announcement held", () => {
    const s = new ContentStore();
    const old = buildScreenEntry();
    s.apply(
      buildDelta({ version: 2, full: true, announcements: [ann(ids[0], 1)], entries: [old] }),
    );
    const fresh = buildScreenEntry();
    s.apply(buildDelta({ version: 4, full: true, entries: [fresh] }));
    expect(s.entries()).toEqual([fresh]);
    expect(s.announcements()).toEqual([]);
  });

  it("a full manifest at the version already held (a screen moved, nothing new published) drops what it lacks", () => {
    const s = new ContentStore();
    const fromOldDistrict = buildScreenEntry();
    const inNewDistrict = buildScreenEntry();
    s.apply(buildDelta({ version: 9, full: true, entries: [fromOldDistrict] }));
    expect(s.apply(buildDelta({ version: 9, full: true, entries: [inNewDistrict] }))).toBe(true);
    expect(s.entries()).toEqual([inNewDistrict]);
    // What is stored before the kiosk acknowledges holds only the new manifest too.
    expect(s.snapshot().entries.map((e) => e.id)).toEqual([inNewDistrict.id]);
    expect(s.version).toBe(9);
  });

  it("a stale delta cannot bring back an entry already taken down", () => {
    const s = new ContentStore();
    const e = buildScreenEntry();
    s.apply(buildDelta({ version: 5, full: true, entries: [e] }));
    s.apply(buildDelta({ version: 6, full: false, removedIds: [e.id] }));
    expect(s.apply(buildDelta({ version: 5, full: false, entries: [e] }))).toBe(false);
    expect(s.entries()).toEqual([]);
  });

  it("hides an entry the moment it expires by the kiosk's own clock, offline", () => {
    let clock = Date.parse("2026-12-31T15:59:59.999Z");
    const s = new ContentStore(() => clock);
    const e = buildScreenEntry({ expiresAt: "2026-12-31T16:00:00Z" });
    s.apply(buildDelta({ version: 1, full: true, entries: [e] }));
    expect(s.entries()).toEqual([e]);
    clock += 1;
    expect(s.entries()).toEqual([]);
    expect(s.dropExpired()).toEqual([e]);
    expect(s.dropExpired()).toEqual([]);
  });

  it("judges expiry by the corrected clock when an offset is set", () => {
    const s = new ContentStore(() => Date.parse("2026-12-31T15:59:00Z"));
    const e = buildScreenEntry({ expiresAt: "2026-12-31T16:00:00Z" });
    s.apply(buildDelta({ version: 1, full: true, entries: [e] }));
    expect(s.entries()).toHaveLength(1);
    s.clockOffsetMs = 60_000;
    expect(s.entries()).toEqual([]);
  });

  it("treats an unreadable expiry as expired", () => {
    const s = new ContentStore(() => 0);
    const e = buildScreenEntry({ expiresAt: "not an instant" });
    s.apply(buildDelta({ version: 1, full: true, entries: [e] }));
    expect(s.entries()).toEqual([]);
  });

  it("reset forgets the entries too", () => {
    const s = new ContentStore();
    s.apply(buildDelta({ version: 1, full: true, entries: [buildScreenEntry()] }));
    s.reset();
    expect(s.entries()).toEqual([]);
  });
});

describe("ContentStore snapshots", () => {
  /** A store holding one of everything, its clock corrected by 1.5 s. */
  function filledStore(): ContentStore {
    const s = new ContentStore(() => Date.parse("2026-11-27T00:00:00Z"));
    s.apply(
      buildDelta({
        version: 12,
        full: true,
        announcements: [ann(ids[0], 3), ann(ids[1], 9, "停水通知")],
        entries: [
          buildScreenEntry({ publishedVersion: 10 }),
          buildScreenEntry({ publishedVersion: 11, kind: "redlist", photo: null }),
        ],
        district: {
          id: "zhongshan",
          timeZone: "Asia/Shanghai",
          language: "en",
          contestText: "To contest a listing, call 12368.",
          contestUrl: "https://court.example/contest",
          contestContact: "",
        },
        schedule: {
          timeZone: "Asia/Shanghai",
          windows: [
            {
              id: "daytime",
              days: [1, 2, 3, 4, 5],
              start: "07:00",
              end: "22:00",
              playlist: [{ type: "announcement", id: ids[0] }, { type: "discredited" }],
              dwellSeconds: 15,
              order: "shuffle",
              seed: "s",
              priority: 2,
            },
          ],
          idleSlide: { title: "夜间休息", body: "" },
        },
        emergencies: [
          {
            id: "flood-1",
            title: "防汛紧急通知",
            body: "请远离河道。",
            startsAt: "2026-11-27T00:00:00Z",
            endsAt: "2026-11-28T00:00:00Z",
          },
        ],
      }),
    );
    s.learnServerTime(
      "2026-11-27T00:00:01.600Z",
      Date.parse("2026-11-27T00:00:00.000Z"),
      Date.parse("2026-11-27T00:00:00.200Z"),
    );
    return s;
  }

  it("restores, through the stored and parsed copy, exactly what was held", () => {
    const before = filledStore();
    expect(before.clockOffsetMs).toBe(1_500);
    const stored: unknown = JSON.parse(JSON.stringify(before.snapshot()));
    const after = new ContentStore(() => Date.parse("2026-11-27T00:00:00Z"));
    after.restore(KioskSnapshotSchema.parse(stored));
    expect(after.version).toBe(12);
    expect(after.entries()).toEqual(before.entries());
    expect(after.entries()).toHaveLength(2);
    expect(after.announcements()).toEqual(before.announcements());
    expect(after.announcements().map((a) => a.title)).toEqual(["t3", "停水通知"]);
    expect(after.schedule).toEqual(before.schedule);
    expect(after.district).toEqual(before.district);
    expect(after.emergencies).toEqual(before.emergencies);
    expect(after.clockOffsetMs).toBe(1_500);
    // All but the time floor, which only a store that heard the server this run writes.
    expect(after.snapshot()).toEqual({ ...before.snapshot(), savedAt: undefined });
  });

  it("restore replaces whatever was held before", () => {
    // Stored at the same instant by the kiosk's clock (a later one would move the clock on).
    const empty = new ContentStore(() => Date.parse("2026-11-27T00:00:00Z")).snapshot();
    const s = filledStore();
    s.restore(KioskSnapshotSchema.parse(JSON.parse(JSON.stringify(empty))));
    expect(s.version).toBe(0);
    expect(s.entries()).toEqual([]);
    expect(s.announcements()).toEqual([]);
    expect(s.district).toBeNull();
    expect(s.schedule).toBeNull();
    expect(s.emergencies).toEqual([]);
    expect(s.clockOffsetMs).toBe(0);
  });

  it("restored without the server, does not hold a fast clock back: expiry errs early, not late", () => {
    const at = Date.parse("2026-11-27T02:00:00Z");
    // Its clock ran an hour fast when it last synced; the copy is taken back after a restart,
    // the clock set right meanwhile.
    const ending = buildScreenEntry({ expiresAt: "2026-11-27T02:30:00Z" });
    const before = new ContentStore(() => at + 3_600_000);
    before.apply(buildDelta({ version: 4, full: true, entries: [ending] }));
    before.clockOffsetMs = -3_600_000;
    const stored = KioskSnapshotSchema.parse(JSON.parse(JSON.stringify(before.snapshot())));
    const after = new ContentStore(() => at + 45 * 60_000);
    after.restore(stored);
    expect(after.now()).toBe(at + 45 * 60_000);
    expect(after.entries()).toEqual([]);
  });

  it("refuses a damaged stored copy rather than half-using it", () => {
    const good = filledStore().snapshot();
    const [entry] = good.entries;
    const damaged: unknown[] = [
      { ...good, format: 2 },
      { ...good, clockOffsetMs: null },
      { ...good, version: -1 },
      { ...good, entries: [{ ...entry, expiresAt: "next year" }] },
      { ...good, announcements: undefined },
    ];
    for (const copy of damaged)
      expect(KioskSnapshotSchema.safeParse(copy).success, JSON.stringify(copy).slice(0, 60)).toBe(
        false,
      );
    expect(KioskSnapshotSchema.safeParse(good).success).toBe(true);
  });
});

describe("ContentStore learning the server's time", () => {
  const sentAt = Date.parse("2026-11-27T00:00:00.000Z");

  it("sets the offset from the midpoint of the round trip", () => {
    const s = new ContentStore();
    // Asked at 00:00:00.000 and answered at 00:00:00.400 by the kiosk: the server read its
    // clock at 00:00:00.200 by the kiosk's, when its own said 00:02:00.200.
    s.learnServerTime("2026-11-27T00:02:00.200Z", sentAt, sentAt + 400);
    expect(s.clockOffsetMs).toBe(120_000);
    expect(s.learntClockOffsetMs()).toBe(120_000);
    // An offset in the other direction, written with a zone offset, over a quicker round trip:
    // the quicker sample is the better one.
    s.learnServerTime("2026-11-27T07:59:59.000+08:00", sentAt, sentAt + 200);
    expect(s.clockOffsetMs).toBe(-1_100);
    // A slower round trip after it (which can be true together with the quicker) says less,
    // and does not move the estimate.
    s.learnServerTime("2026-11-27T00:00:00.500Z", sentAt, sentAt + 2_000);
    expect(s.clockOffsetMs).toBe(-1_100);
    // One that cannot be (the kiosk's clock was stepped half a minute back) is followed.
    s.learnServerTime("2026-11-27T00:00:30.000Z", sentAt, sentAt + 2_000);
    expect(s.clockOffsetMs).toBe(29_000);
  });

  it("accepts a round trip of 5 s and ignores a slower one, keeping the offset it had", () => {
    const s = new ContentStore();
    s.learnServerTime("2026-11-27T00:00:12.500Z", sentAt, sentAt + 5_000);
    expect(s.clockOffsetMs).toBe(10_000);
    s.learnServerTime("2026-11-27T01:00:00.000Z", sentAt, sentAt + 5_001);
    expect(s.clockOffsetMs).toBe(10_000);
  });

  it("ignores a round trip that ends before it starts, and a server time it cannot read", () => {
    const s = new ContentStore();
    s.learnServerTime("2026-11-27T00:00:03.000Z", sentAt, sentAt);
    expect(s.clockOffsetMs).toBe(3_000);
    s.learnServerTime("2026-11-27T01:00:00.000Z", sentAt, sentAt - 1);
    expect(s.clockOffsetMs).toBe(3_000);
    for (const unreadable of ["", "not a time", "2026-13-45T99:00:00Z"]) {
      s.learnServerTime(unreadable, sentAt, sentAt + 100);
      expect(s.clockOffsetMs).toBe(3_000);
    }
  });

  it("judges expiry by the server's time once learnt, for entries() and dropExpired() alike", () => {
    // The kiosk's clock runs two minutes slow: by its own clock the entry has a minute left.
    const kioskClock = Date.parse("2026-12-31T15:59:00Z");
    const s = new ContentStore(() => kioskClock);
    const e = buildScreenEntry({ expiresAt: "2026-12-31T16:00:00Z" });
    s.apply(buildDelta({ version: 1, full: true, entries: [e] }));
    expect(s.entries()).toEqual([e]);
    s.learnServerTime("2026-12-31T16:00:59.950Z", kioskClock - 100, kioskClock);
    expect(s.now()).toBe(Date.parse("2026-12-31T16:01:00.000Z"));
    expect(s.entries()).toEqual([]);
    expect(s.dropExpired()).toEqual([e]);
  });
});
