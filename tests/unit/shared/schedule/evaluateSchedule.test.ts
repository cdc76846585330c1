import { describe, expect, it } from "vitest";
import {
  evaluateSchedule,
  timeline,
  type ScheduleResult,
} from "../../../../shared/schedule/evaluateSchedule";
import {
  type Emergency,
  EmergencySchema,
  type ManifestItem,
  ManifestItemSchema,
  type Schedule,
  ScheduleSchema,
} from "../../../../shared/schemas/schedule";

// ---- factories ------------------------------------------------------------------------------

type RawWindow = Record<string, unknown>;

/** A weekday 08:00–20:00 window of the discredited list, 60 s per slide. */
function win(overrides: RawWindow = {}): RawWindow {
  return {
    id: "day",
    days: [1, 2, 3, 4, 5],
    start: "08:00",
    end: "20:00",
    playlist: [{ type: "discredited" }],
    dwellSeconds: 60,
    ...overrides,
  };
}

/** A schedule validated by its schema, as the server would hand it over. */
function schedule(windows: RawWindow[], extra: Record<string, unknown> = {}): Schedule {
  return ScheduleSchema.parse({ windows, ...extra });
}

/** A manifest item; publishedVersion defaults to the number in its id so order is obvious. */
function item(id: string, overrides: Partial<ManifestItem> = {}): ManifestItem {
  const kind = id.startsWith("R") ? "redlist" : id.startsWith("A") ? "announcement" : "discredited";
  return ManifestItemSchema.parse({
    id,
    kind,
    publishedVersion: Number(id.replace(/\D/g, "")) || 0,
    ...overrides,
  });
}

function emergency(id: string, startsAt: number, endsAt?: number): Emergency {
  return EmergencySchema.parse({
    id,
    title: "台风红色预警",
    startsAt: iso(startsAt),
    ...(endsAt === undefined ? {} : { endsAt: iso(endsAt) }),
  });
}

const iso = (t: number) => new Date(t).toISOString();
/** An instant given as Shanghai wall time, "2026-06-01 08:00:30". */
const sh = (local: string) => Date.parse(`${local.replace(" ", "T")}+08:00`);
const utc = (s: string) => Date.parse(`${s.replace(" ", "T")}Z`);

const slide = (
  windowId: string,
  itemId: string,
  index: number,
  count: number,
  nextChangeAt: number,
): ScheduleResult => ({ kind: "slide", windowId, itemId, index, count, nextChangeAt });
const blank = (nextChangeAt: number | null): ScheduleResult => ({ kind: "blank", nextChangeAt });
const idle = (nextChangeAt: number | null): ScheduleResult => ({ kind: "idle", nextChangeAt });

const D = [item("D1"), item("D2"), item("D3")];
const R = [item("R1"), item("R2")];

// 2026-06-01 is a Monday; 2026-06-05 a Friday.

describe("evaluateSchedule in Asia/Shanghai", () => {
  const s = schedule([win()]);
  const manifest = [...D, ...R];

  it.each([
    [
      "the window's first instant",
      "2026-06-01 08:00:00",
      slide("day", "D1", 0, 3, sh("2026-06-01 08:01:00")),
    ],
    ["the second slot", "2026-06-01 08:01:30", slide("day", "D2", 1, 3, sh("2026-06-01 08:02:00"))],
    [
      "the rotation wrapping",
      "2026-06-01 08:03:00",
      slide("day", "D1", 0, 3, sh("2026-06-01 08:04:00")),
    ],
    [
      "the last slot, cut by the end",
      "2026-06-05 19:59:30",
      slide("day", "D3", 2, 3, sh("2026-06-05 20:00:00")),
    ],
    ["just before the start", "2026-06-01 07:59:59", blank(sh("2026-06-01 08:00:00"))],
    ["the end instant (exclusive)", "2026-06-01 20:00:00", blank(sh("2026-06-02 08:00:00"))],
    ["Friday evening: next is Monday", "2026-06-05 20:00:00", blank(sh("2026-06-08 08:00:00"))],
    ["Saturday noon", "2026-06-06 12:00:00", blank(sh("2026-06-08 08:00:00"))],
    ["Sunday 23:59:59", "2026-06-07 23:59:59", blank(sh("2026-06-08 08:00:00"))],
  ])("at %s (%s)", (_name, local, expected) => {
    expect(evaluateSchedule(s, manifest, sh(local))).toEqual(expected);
  });

  it("takes the zone from the schema default, not the machine", () => {
    expect(s.timeZone).toBe("Asia/Shanghai");
  });
});

describe("windows crossing midnight", () => {
  const night = (extra: RawWindow = {}) =>
    win({
      id: "night",
      days: [5],
      start: "22:00",
      end: "02:00",
      playlist: [{ type: "redlist" }],
      ...extra,
    });
  const manifest = [item("R1")];

  it.each([
    ["Friday 23:00", "2026-06-05 23:00:00", slide("night", "R1", 0, 1, sh("2026-06-06 02:00:00"))],
    [
      "Saturday 01:59:59, begun on Friday",
      "2026-06-06 01:59:59",
      slide("night", "R1", 0, 1, sh("2026-06-06 02:00:00")),
    ],
    ["Saturday 02:00", "2026-06-06 02:00:00", blank(sh("2026-06-12 22:00:00"))],
    ["Thursday 23:00", "2026-06-04 23:00:00", blank(sh("2026-06-05 22:00:00"))],
    [
      "Sunday 01:00 (Saturday starts nothing)",
      "2026-06-07 01:00:00",
      blank(sh("2026-06-12 22:00:00")),
    ],
    [
      "Friday 01:00 (Thursday starts nothing)",
      "2026-06-05 01:00:00",
      blank(sh("2026-06-05 22:00:00")),
    ],
  ])("%s", (_name, local, expected) => {
    expect(evaluateSchedule(schedule([night()]), manifest, sh(local))).toEqual(expected);
  });

  it("counts slots across midnight from the start instant", () => {
    const s = schedule([night({ dwellSeconds: 600 })]);
    const two = [item("R1"), item("R2")];
    // 22:00 + 13 × 10 min = 00:10 Saturday: slot 13 → index 1.
    expect(evaluateSchedule(s, two, sh("2026-06-06 00:15:00"))).toEqual(
      slide("night", "R2", 1, 2, sh("2026-06-06 00:20:00")),
    );
  });

  it("runs a 22:00–00:00 window to midnight, and 00:00–24:00 all day", () => {
    const s = schedule([
      night({ end: "00:00" }),
      win({ id: "all", days: [6], start: "00:00", end: "24:00", playlist: [{ type: "redlist" }] }),
    ]);
    expect(evaluateSchedule(s, manifest, sh("2026-06-05 23:59:59"))).toEqual(
      slide("night", "R1", 0, 1, sh("2026-06-06 00:00:00")),
    );
    expect(evaluateSchedule(s, manifest, sh("2026-06-06 00:00:00"))).toEqual(
      slide("all", "R1", 0, 1, sh("2026-06-07 00:00:00")),
    );
  });
});

describe("date ranges, judged by the day an occurrence starts", () => {
  const night = (extra: RawWindow) =>
    win({
      id: "night",
      days: [5, 6],
      start: "22:00",
      end: "02:00",
      playlist: [{ type: "redlist" }],
      ...extra,
    });
  const manifest = [item("R1")];

  it("keeps the last occurrence running past `until` into the next day", () => {
    const s = schedule([night({ until: "2026-06-05" })]);
    expect(evaluateSchedule(s, manifest, sh("2026-06-06 01:00:00"))).toEqual(
      slide("night", "R1", 0, 1, sh("2026-06-06 02:00:00")),
    );
  });

  it("never starts again after `until`, and says so with null", () => {
    const s = schedule([night({ until: "2026-06-05" })]);
    expect(evaluateSchedule(s, manifest, sh("2026-06-06 22:30:00"))).toEqual(blank(null));
  });

  it("does not run the tail of an occurrence that started before `from`", () => {
    const s = schedule([night({ from: "2026-06-06" })]);
    expect(evaluateSchedule(s, manifest, sh("2026-06-06 01:00:00"))).toEqual(
      blank(sh("2026-06-06 22:00:00")),
    );
  });

  it("looks beyond its 8-day horizon by re-checking at a local midnight", () => {
    const s = schedule([night({ from: "2026-07-01" })]);
    const now = sh("2026-06-01 12:00:00");
    expect(evaluateSchedule(s, manifest, now)).toEqual(blank(sh("2026-06-10 00:00:00")));
    // Following the re-check points reaches the real start.
    const segments = timeline(s, manifest, now, sh("2026-07-04 00:00:00"));
    expect(segments.find((seg) => seg.result.kind === "slide")?.start).toBe(
      sh("2026-07-03 22:00:00"),
    );
  });
});

describe("overlapping windows", () => {
  const day = win({ id: "day", dwellSeconds: 7 });
  const lunch = win({
    id: "lunch",
    start: "12:00",
    end: "13:00",
    priority: 5,
    playlist: [{ type: "announcementsTagged", tag: "water" }],
    dwellSeconds: 10,
  });
  const manifest = [...D, item("A1", { tags: ["water"] }), item("A2", { tags: ["power"] })];

  it.each([
    // 08:00 + 2057 × 7 s = 11:59:59; the next boundary would be 12:00:06, the lunch start is sooner.
    [
      "before the higher window",
      "2026-06-01 11:59:59",
      slide("day", "D3", 2, 3, sh("2026-06-01 12:00:00")),
    ],
    [
      "the higher window starting",
      "2026-06-01 12:00:00",
      slide("lunch", "A1", 0, 1, sh("2026-06-01 13:00:00")),
    ],
    // 5 h = 18000 s = 2571 × 7 s + 3 s: slot 2571 → index 0; boundary 13:00:04.
    [
      "the lower window resuming its own count",
      "2026-06-01 13:00:00",
      slide("day", "D1", 0, 3, sh("2026-06-01 13:00:04")),
    ],
  ])("%s", (_name, local, expected) => {
    expect(evaluateSchedule(schedule([day, lunch]), manifest, sh(local))).toEqual(expected);
  });

  it("lets the earlier window win a tie, and ignores a later one starting inside it", () => {
    const a = win({ id: "a", playlist: [{ type: "redlist" }] });
    const b = win({ id: "b", start: "12:00", end: "13:00", playlist: [{ type: "discredited" }] });
    const manifest2 = [item("R1"), item("D1")];
    expect(evaluateSchedule(schedule([a, b]), manifest2, sh("2026-06-01 12:30:00"))).toEqual(
      slide("a", "R1", 0, 1, sh("2026-06-01 20:00:00")),
    );
    expect(evaluateSchedule(schedule([b, a]), manifest2, sh("2026-06-01 12:30:00"))).toEqual(
      slide("b", "D1", 0, 1, sh("2026-06-01 13:00:00")),
    );
    expect(evaluateSchedule(schedule([b, a]), manifest2, sh("2026-06-01 11:00:00"))).toEqual(
      slide("a", "R1", 0, 1, sh("2026-06-01 12:00:00")),
    );
  });

  it("ignores a lower-priority window starting inside a higher one", () => {
    const high = win({ id: "high", priority: 2, playlist: [{ type: "redlist" }] });
    const low = win({
      id: "low",
      start: "12:00",
      end: "13:00",
      playlist: [{ type: "discredited" }],
    });
    expect(
      evaluateSchedule(schedule([low, high]), [item("R1"), item("D1")], sh("2026-06-01 11:00:00")),
    ).toEqual(slide("high", "R1", 0, 1, sh("2026-06-01 20:00:00")));
  });
});

describe("empty playlists and the idle slide", () => {
  const only = win({ playlist: [{ type: "announcement", id: "A9" }] });

  it("blanks inside a window with nothing to show, until the window ends", () => {
    expect(evaluateSchedule(schedule([only]), D, sh("2026-06-01 09:00:00"))).toEqual(
      blank(sh("2026-06-01 20:00:00")),
    );
  });

  it("shows the idle slide there instead when one is configured", () => {
    const s = schedule([only], { idleSlide: { title: "节能模式" } });
    expect(evaluateSchedule(s, D, sh("2026-06-01 09:00:00"))).toEqual(
      idle(sh("2026-06-01 20:00:00")),
    );
  });

  it("shows the idle slide outside every window until one starts", () => {
    const s = schedule([win()], { idleSlide: { title: "节能模式" } });
    expect(evaluateSchedule(s, D, sh("2026-06-01 03:00:00"))).toEqual(
      idle(sh("2026-06-01 08:00:00")),
    );
  });

  it("treats a window with no sources like one whose sources are empty", () => {
    expect(
      evaluateSchedule(schedule([win({ playlist: [] })]), D, sh("2026-06-01 09:00:00")),
    ).toEqual(blank(sh("2026-06-01 20:00:00")));
  });

  it("blanks forever with nextChangeAt null when there are no windows", () => {
    expect(evaluateSchedule(schedule([]), D, sh("2026-06-01 09:00:00"))).toEqual(blank(null));
  });

  it("wakes when a pending item is listed", () => {
    const later = item("A9", { listedFrom: iso(sh("2026-06-01 09:30:00")) });
    const s = schedule([only]);
    expect(evaluateSchedule(s, [later], sh("2026-06-01 09:00:00"))).toEqual(
      blank(sh("2026-06-01 09:30:00")),
    );
    expect(evaluateSchedule(s, [later], sh("2026-06-01 09:30:00"))).toEqual(
      slide("day", "A9", 0, 1, sh("2026-06-01 20:00:00")),
    );
  });
});

describe("emergencies", () => {
  const s = schedule([win({ dwellSeconds: 7 })]);
  const start = sh("2026-06-01 10:00:00");
  const end = sh("2026-06-01 10:30:00");
  const typhoon = emergency("typhoon", start, end);

  it("takes over at once and ends on time", () => {
    // Without it, 09:59:59 is in slot 1028 (index 2), which runs to 10:00:03.
    expect(evaluateSchedule(s, D, sh("2026-06-01 09:59:59"), [typhoon])).toEqual(
      slide("day", "D3", 2, 3, start),
    );
    expect(evaluateSchedule(s, D, start, [typhoon])).toEqual({
      kind: "emergency",
      emergencyId: "typhoon",
      nextChangeAt: end,
    });
  });

  it("hands back to the schedule's own count, as if never interrupted", () => {
    // 2.5 h = 9000 s = 1285 × 7 s + 5 s: slot 1285 → index 1, boundary 10:30:02.
    expect(evaluateSchedule(s, D, end, [typhoon])).toEqual(
      slide("day", "D2", 1, 3, sh("2026-06-01 10:30:02")),
    );
    expect(evaluateSchedule(s, D, end, [])).toEqual(evaluateSchedule(s, D, end, [typhoon]));
  });

  it("overrides a blank night and an idle slide too", () => {
    const night = emergency("flood", sh("2026-06-01 02:00:00"));
    expect(evaluateSchedule(s, D, sh("2026-06-01 03:00:00"), [night])).toEqual({
      kind: "emergency",
      emergencyId: "flood",
      nextChangeAt: null,
    });
  });

  it("lets a newer notice supersede, and changes when it starts", () => {
    const first = emergency("first", sh("2026-06-01 09:00:00"), sh("2026-06-01 12:00:00"));
    const second = emergency("second", sh("2026-06-01 10:00:00"), sh("2026-06-01 11:00:00"));
    expect(evaluateSchedule(s, D, sh("2026-06-01 09:30:00"), [second, first])).toEqual({
      kind: "emergency",
      emergencyId: "first",
      nextChangeAt: sh("2026-06-01 10:00:00"),
    });
    expect(evaluateSchedule(s, D, sh("2026-06-01 10:30:00"), [first, second])).toEqual({
      kind: "emergency",
      emergencyId: "second",
      nextChangeAt: sh("2026-06-01 11:00:00"),
    });
    expect(evaluateSchedule(s, D, sh("2026-06-01 11:00:00"), [first, second])).toMatchObject({
      emergencyId: "first",
      nextChangeAt: sh("2026-06-01 12:00:00"),
    });
  });

  it("ignores a notice that has ended", () => {
    expect(evaluateSchedule(s, D, sh("2026-06-01 11:00:00"), [typhoon]).kind).toBe("slide");
  });
});

describe("items expiring or changing mid-slot", () => {
  const s = schedule([win({ start: "09:00" })]);
  const expiry = sh("2026-06-01 09:00:40");
  const manifest = [item("D1", { expiresAt: iso(expiry) }), item("D2"), item("D3")];

  it("hides an entry the moment it expires, mid-slot, and says when", () => {
    expect(evaluateSchedule(s, manifest, sh("2026-06-01 09:00:30"))).toEqual(
      slide("day", "D1", 0, 3, expiry),
    );
    expect(evaluateSchedule(s, manifest, expiry - 1)).toEqual(slide("day", "D1", 0, 3, expiry));
    expect(evaluateSchedule(s, manifest, expiry)).toEqual(
      slide("day", "D2", 0, 2, sh("2026-06-01 09:01:00")),
    );
  });

  it("never shows an expired entry to a screen that was offline", () => {
    for (let t = expiry; t < sh("2026-06-01 20:00:00"); t += 37_000) {
      const r = evaluateSchedule(s, manifest, t);
      expect(r.kind === "slide" && r.itemId).not.toBe("D1");
    }
  });

  it("changes at the expiry of an item that is not on screen", () => {
    const m = [item("D1"), item("D2", { expiresAt: iso(expiry) }), item("D3")];
    expect(evaluateSchedule(s, m, sh("2026-06-01 09:00:30"))).toEqual(
      slide("day", "D1", 0, 3, expiry),
    );
  });

  it("re-derives the rotation from a manifest that changed mid-slot", () => {
    const now = sh("2026-06-01 09:00:30");
    expect(evaluateSchedule(s, D, now)).toEqual(
      slide("day", "D1", 0, 3, sh("2026-06-01 09:01:00")),
    );
    // D1 revoked, D4 published: a screen that has applied the update shows D2 at once.
    const updated = [item("D2"), item("D3"), item("D4")];
    expect(evaluateSchedule(s, updated, now)).toEqual(
      slide("day", "D2", 0, 3, sh("2026-06-01 09:01:00")),
    );
    // Two screens holding the same manifest in a different order agree.
    expect(evaluateSchedule(s, [...updated].reverse(), now)).toEqual(
      evaluateSchedule(s, updated, now),
    );
  });

  it("keeps the newest version of an id that appears twice", () => {
    const now = sh("2026-06-01 09:00:30");
    const old = item("D1", { publishedVersion: 1, expiresAt: iso(sh("2026-06-01 09:00:10")) });
    const renewed = item("D1", { publishedVersion: 9 });
    expect(evaluateSchedule(s, [old, renewed], now)).toMatchObject({ itemId: "D1", count: 1 });
    expect(evaluateSchedule(s, [renewed, old], now)).toMatchObject({ itemId: "D1", count: 1 });
  });
});

describe("shuffled order", () => {
  const many = Array.from({ length: 8 }, (_, i) => item(`D${i + 1}`));
  const order = (seed: string, manifest: ManifestItem[]) => {
    const s = schedule([win({ order: "shuffle", seed, dwellSeconds: 3 })]);
    const base = sh("2026-06-01 08:00:00");
    return Array.from({ length: manifest.length }, (_, k) => {
      const r = evaluateSchedule(s, manifest, base + k * 3000);
      return r.kind === "slide" ? r.itemId : "";
    });
  };

  it("shows every item once per cycle, in the same order on every screen", () => {
    const a = order("district-7", many);
    expect([...a].sort()).toEqual(many.map((i) => i.id).sort());
    expect(order("district-7", [...many].reverse())).toEqual(a);
  });

  it("shuffles differently with another seed", () => {
    expect(order("district-8", many)).not.toEqual(order("district-7", many));
  });

  it("keeps the others' relative order when one item leaves", () => {
    const a = order("district-7", many).filter((id) => id !== "D4");
    expect(
      order(
        "district-7",
        many.filter((i) => i.id !== "D4"),
      ),
    ).toEqual(a);
  });
});

describe("daylight saving time", () => {
  const ny = (windows: RawWindow[]) => schedule(windows, { timeZone: "America/New_York" });
  const berlin = (windows: RawWindow[]) => schedule(windows, { timeZone: "Europe/Berlin" });
  const daily = (extra: RawWindow) =>
    win({ days: [1, 2, 3, 4, 5, 6, 7], playlist: [{ type: "redlist" }], ...extra });

  it("starts a 02:30 window at 03:00 on the spring-forward day (New York, 2026-03-08)", () => {
    const s = ny([daily({ id: "w", start: "02:30", end: "04:00" })]);
    expect(evaluateSchedule(s, [item("R1")], utc("2026-03-08 06:59:59"))).toEqual(
      blank(utc("2026-03-08 07:00:00")),
    );
    expect(evaluateSchedule(s, [item("R1")], utc("2026-03-08 07:00:00"))).toEqual(
      slide("w", "R1", 0, 1, utc("2026-03-08 08:00:00")),
    );
    // The day before it ran from 02:30 EST.
    expect(evaluateSchedule(s, [item("R1")], utc("2026-03-07 07:29:59"))).toEqual(
      blank(utc("2026-03-07 07:30:00")),
    );
  });

  it("skips a window lying wholly inside the gap", () => {
    const s = ny([daily({ id: "w", start: "02:00", end: "02:45" })]);
    expect(evaluateSchedule(s, [item("R1")], utc("2026-03-08 05:00:00"))).toEqual(
      blank(utc("2026-03-09 06:00:00")),
    );
  });

  it("runs a night window 7 hours across spring-forward, counting elapsed time", () => {
    const s = ny([daily({ id: "n", start: "22:00", end: "06:00", dwellSeconds: 3600 })]);
    // Sat 22:00 EST = 03:00Z; Sun 06:00 EDT = 10:00Z. 09:30Z is 6.5 h in: slot 6 → R1.
    expect(evaluateSchedule(s, R, utc("2026-03-08 09:30:00"))).toEqual(
      slide("n", "R1", 0, 2, utc("2026-03-08 10:00:00")),
    );
  });

  it("runs the repeated hour twice on fall-back day (New York, 2026-11-01)", () => {
    const s = ny([daily({ id: "w", start: "00:00", end: "03:00", dwellSeconds: 3600 })]);
    // 00:00 EDT = 04:00Z to 03:00 EST = 08:00Z: four hours, four slots.
    expect(evaluateSchedule(s, R, utc("2026-11-01 05:30:00"))).toEqual(
      slide("w", "R2", 1, 2, utc("2026-11-01 06:00:00")),
    );
    // 01:30 again, an hour later: the next slot, not a repeat.
    expect(evaluateSchedule(s, R, utc("2026-11-01 06:30:00"))).toEqual(
      slide("w", "R1", 0, 2, utc("2026-11-01 07:00:00")),
    );
    expect(evaluateSchedule(s, R, utc("2026-11-01 07:59:59"))).toEqual(
      slide("w", "R2", 1, 2, utc("2026-11-01 08:00:00")),
    );
  });

  it("plays a window inside the repeated hour once, on the first pass", () => {
    const s = ny([daily({ id: "w", start: "01:00", end: "01:30" })]);
    expect(evaluateSchedule(s, [item("R1")], utc("2026-11-01 05:15:00"))).toEqual(
      slide("w", "R1", 0, 1, utc("2026-11-01 05:30:00")),
    );
    expect(evaluateSchedule(s, [item("R1")], utc("2026-11-01 06:15:00"))).toEqual(
      blank(utc("2026-11-02 06:00:00")),
    );
  });

  it("starts a 02:30 window at 03:00 CEST in Berlin (2026-03-29)", () => {
    const s = berlin([daily({ id: "w", start: "02:30", end: "03:30" })]);
    expect(evaluateSchedule(s, [item("R1")], utc("2026-03-29 00:59:59"))).toEqual(
      blank(utc("2026-03-29 01:00:00")),
    );
    expect(evaluateSchedule(s, [item("R1")], utc("2026-03-29 01:00:00"))).toEqual(
      slide("w", "R1", 0, 1, utc("2026-03-29 01:30:00")),
    );
  });

  it("gives a whole-day window 25 hours on Berlin's fall-back Sunday (2026-10-25)", () => {
    const s = berlin([daily({ id: "sun", days: [7], start: "00:00", end: "24:00" })]);
    expect(evaluateSchedule(s, [item("R1")], utc("2026-10-24 21:59:59"))).toEqual(
      blank(utc("2026-10-24 22:00:00")),
    );
    expect(evaluateSchedule(s, [item("R1")], utc("2026-10-25 22:59:59"))).toEqual(
      slide("sun", "R1", 0, 1, utc("2026-10-25 23:00:00")),
    );
  });

  it("follows a change of the schedule's time zone at once", () => {
    const windows = [daily({ id: "w", start: "09:00", end: "17:00" })];
    const now = utc("2026-06-01 02:00:00"); // 10:00 in Shanghai, 04:00 in Berlin
    expect(evaluateSchedule(schedule(windows), [item("R1")], now)).toEqual(
      slide("w", "R1", 0, 1, utc("2026-06-01 09:00:00")),
    );
    expect(evaluateSchedule(berlin(windows), [item("R1")], now)).toEqual(
      blank(utc("2026-06-01 07:00:00")),
    );
  });
});

describe("timeline", () => {
  const s = schedule([
    win({ dwellSeconds: 3600 }),
    win({ id: "night", start: "22:00", end: "02:00", playlist: [{ type: "redlist" }] }),
  ]);
  const from = sh("2026-06-01 00:00:00");
  const to = sh("2026-06-02 00:00:00");

  it("covers the range with contiguous segments, each the evaluation at its start", () => {
    const segments = timeline(s, [...D, ...R], from, to);
    expect(segments[0]?.start).toBe(from);
    expect(segments.at(-1)?.end).toBe(to);
    segments.forEach((seg, i) => {
      expect(seg.end).toBeGreaterThan(seg.start);
      if (i > 0) expect(seg.start).toBe(segments[i - 1]?.end);
      expect(seg.result).toEqual(evaluateSchedule(s, [...D, ...R], seg.start));
    });
    expect(
      segments.map((seg) => (seg.result.kind === "slide" ? seg.result.itemId : seg.result.kind)),
    ).toEqual([
      "blank",
      ...Array.from({ length: 12 }, (_, k) => `D${(k % 3) + 1}`),
      "blank",
      ...Array.from({ length: 120 }, (_, k) => `R${(k % 2) + 1}`),
    ]);
  });

  it("stops at its segment cap", () => {
    const fast = schedule([win({ days: [1], start: "00:00", end: "24:00", dwellSeconds: 3 })]);
    const segments = timeline(fast, D, from, to);
    expect(segments).toHaveLength(20_000);
    expect(segments.at(-1)?.end).toBe(from + 20_000 * 3000);
  });

  it("refuses a non-finite instant", () => {
    expect(() => evaluateSchedule(s, D, Number.NaN)).toThrow(RangeError);
    expect(() => timeline(s, D, from, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
