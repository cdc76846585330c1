import { describe, expect, it } from "vitest";
import {
  evaluateSchedule,
  type ScheduleResult,
} from "../../../../shared/schedule/evaluateSchedule";
import {
  type Emergency,
  EmergencySchema,
  type ManifestItem,
  ManifestSchema,
  type PlaylistSource,
  type Schedule,
  ScheduleSchema,
  type TimeWindow,
} from "../../../../shared/schemas/schedule";
import { mulberry32 } from "../../../support/random";

// fast-check is not a dependency: a seeded mulberry32 loop gives reproducible random cases,
// and a failing case prints its seed and inputs.

const prng = mulberry32;

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => {
  const x = xs[int(r, 0, xs.length - 1)];
  if (x === undefined) throw new Error("pick from an empty list");
  return x;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();

// Zones with fixed offsets get an independent oracle below; the others bring DST.
const FIXED: Record<string, number> = {
  "Asia/Shanghai": 8 * HOUR,
  UTC: 0,
  "Asia/Kolkata": 5.5 * HOUR,
};
const ZONES = [...Object.keys(FIXED), "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"];
// Instants near DST transitions of 2026, where bugs live.
const HOT = [
  "2026-03-08T07:00:00Z",
  "2026-11-01T06:00:00Z",
  "2026-03-29T01:00:00Z",
  "2026-10-25T01:00:00Z",
  "2026-04-04T15:00:00Z",
  "2026-10-03T15:30:00Z",
].map(Date.parse);
const YEAR_START = Date.parse("2026-01-01T00:00:00Z");

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
const date = (t: number) => iso(t).slice(0, 10);

function randomNow(r: Rand): number {
  if (r() < 0.4) return pick(r, HOT) + int(r, -6 * 3600, 6 * 3600) * 1000;
  return YEAR_START + Math.floor(r() * 365 * DAY);
}

function randomSchedule(r: Rand, now: number): Schedule {
  const windows = Array.from({ length: int(r, 1, 4) }, (_, i) => {
    const days = [1, 2, 3, 4, 5, 6, 7].filter(() => r() < 0.6);
    // Quarter hours, so windows often begin or end inside a DST gap or overlap.
    const start = int(r, 0, 95) * 15;
    let end = r() < 0.1 ? 1440 : int(r, 0, 95) * 15;
    if (end === start) end = (start + 15) % 1440;
    const from = r() < 0.2 ? date(now + int(r, -10, 10) * DAY) : undefined;
    const until = r() < 0.2 ? date(now + int(r, 0, 12) * DAY) : undefined;
    const sources: PlaylistSource[] = [
      { type: "discredited" },
      { type: "redlist" },
      { type: "announcement", id: `A${int(r, 0, 5)}` },
      { type: "announcementsTagged", tag: pick(r, ["water", "power"]) },
    ];
    return {
      id: `w${i}`,
      days: days.length > 0 ? days : [int(r, 1, 7)],
      start: hhmm(start),
      end: hhmm(end),
      ...(from !== undefined && (until === undefined || from <= until) ? { from } : {}),
      ...(until === undefined ? {} : { until }),
      playlist: sources.filter(() => r() < 0.5),
      dwellSeconds: pick(r, [3, 7, 60, 600, 3600]),
      order: r() < 0.5 ? "shuffle" : "sequence",
      ...(r() < 0.5 ? { seed: `s${int(r, 0, 3)}` } : {}),
      priority: int(r, -1, 2),
    };
  });
  return ScheduleSchema.parse({ timeZone: pick(r, ZONES), windows });
}

function randomManifest(r: Rand, now: number): ManifestItem[] {
  const near = () => now + int(r, -2 * 24 * 60, 2 * 24 * 60) * 60_000 + int(r, 0, 59_999);
  return ManifestSchema.parse(
    Array.from({ length: int(r, 0, 8) }, (_, i) => {
      const listedFrom = r() < 0.3 ? near() : undefined;
      const expiresAt = r() < 0.5 ? near() : undefined;
      const kind = pick(r, ["discredited", "redlist", "announcement"] as const);
      return {
        id: kind === "announcement" ? `A${i}` : `${kind[0] ?? "x"}${i}`,
        kind,
        tags: ["water", "power"].filter(() => r() < 0.4),
        ...(listedFrom === undefined ? {} : { listedFrom: iso(listedFrom) }),
        ...(expiresAt === undefined ? {} : { expiresAt: iso(expiresAt) }),
        publishedVersion: int(r, 1, 5),
      };
    }),
  );
}

function randomEmergencies(r: Rand, now: number): Emergency[] {
  if (r() < 0.8) return [];
  const startsAt = now + int(r, -6 * 60, 6 * 60) * 60_000;
  return [
    EmergencySchema.parse({
      id: "e1",
      title: "预警",
      startsAt: iso(startsAt),
      ...(r() < 0.7 ? { endsAt: iso(startsAt + int(r, 1, 12 * 60) * 60_000) } : {}),
    }),
  ];
}

function inPlaylist(w: TimeWindow, item: ManifestItem): boolean {
  return w.playlist.some(
    (s) =>
      (s.type === "discredited" && item.kind === "discredited") ||
      (s.type === "redlist" && item.kind === "redlist") ||
      (s.type === "announcement" && item.kind === "announcement" && item.id === s.id) ||
      (s.type === "announcementsTagged" &&
        item.kind === "announcement" &&
        item.tags.includes(s.tag)),
  );
}

function eligibleAt(item: ManifestItem, t: number): boolean {
  const from = item.listedFrom === undefined ? -Infinity : Date.parse(item.listedFrom);
  const until = item.expiresAt === undefined ? Infinity : Date.parse(item.expiresAt);
  return from <= t && t < until;
}

/**
 * An independent, deliberately naive answer for fixed-offset zones: which window is active and
 * which items are eligible, worked out on the local clock face without any DST machinery.
 */
function oracle(s: Schedule, manifest: ManifestItem[], now: number) {
  const offset = FIXED[s.timeZone];
  if (offset === undefined) return undefined;
  const local = now + offset;
  const today = Math.floor(local / DAY);
  let best: { w: TimeWindow; start: number; position: number } | undefined;
  s.windows.forEach((w, position) => {
    for (const day of [today - 1, today]) {
      const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
      const ymd = date(day * DAY);
      if (!w.days.includes(weekday)) continue;
      if ((w.from !== undefined && ymd < w.from) || (w.until !== undefined && ymd > w.until))
        continue;
      const [sh = 0, sm = 0] = w.start.split(":").map(Number);
      const [eh = 0, em = 0] = w.end.split(":").map(Number);
      const start = day * DAY + (sh * 60 + sm) * 60_000;
      const endDay = eh * 60 + em <= sh * 60 + sm ? day + 1 : day;
      const end = endDay * DAY + (eh * 60 + em) * 60_000;
      if (start <= local && local < end && (best === undefined || w.priority > best.w.priority)) {
        best = { w, start, position };
      }
    }
  });
  if (best === undefined) return { windowId: null, eligible: [] as ManifestItem[], slot: 0 };
  const { w } = best;
  const eligible = manifest.filter((i) => inPlaylist(w, i) && eligibleAt(i, now));
  eligible.sort((a, b) => a.publishedVersion - b.publishedVersion || (a.id < b.id ? -1 : 1));
  return {
    windowId: w.id,
    eligible,
    slot: Math.floor((local - best.start) / (w.dwellSeconds * 1000)),
  };
}

/** What the screen shows, without the timer hint. */
function shown(r: ScheduleResult): Omit<ScheduleResult, "nextChangeAt"> {
  const { nextChangeAt: _ignored, ...rest } = r;
  return rest;
}

interface Case {
  seed: number;
  now: number;
  s: Schedule;
  manifest: ManifestItem[];
  emergencies: Emergency[];
}

/** Checks every property for one case; returns whether it showed a slide. */
function check({ seed, now, s, manifest, emergencies }: Case): boolean {
  const r = prng(seed ^ 0x5eed);
  const result = evaluateSchedule(s, manifest, now, emergencies);

  // nextChangeAt is in the future (or never).
  if (result.nextChangeAt !== null) expect(result.nextChangeAt).toBeGreaterThan(now);

  const activeEmergency = emergencies.some(
    (e) => Date.parse(e.startsAt) <= now && (e.endsAt === undefined || now < Date.parse(e.endsAt)),
  );
  expect(result.kind === "emergency").toBe(activeEmergency);

  if (result.kind === "slide") {
    const w = s.windows.find((x) => x.id === result.windowId);
    const item = manifest.find((i) => i.id === result.itemId);
    if (w === undefined || item === undefined)
      throw new Error("slide of an unknown window or item");
    // An item of this window's playlist, listed and not expired: never an expired one.
    expect(inPlaylist(w, item)).toBe(true);
    expect(eligibleAt(item, now)).toBe(true);
    expect(result.index).toBeLessThan(result.count);
    expect(result.count).toBe(
      manifest.filter((i) => inPlaylist(w, i) && eligibleAt(i, now)).length,
    );
  }

  // Where the naive oracle applies, it agrees on what is shown.
  const expected = activeEmergency ? undefined : oracle(s, manifest, now);
  if (expected !== undefined) {
    if (expected.eligible.length === 0) {
      expect(result.kind).toBe("blank");
    } else {
      expect(result).toMatchObject({
        kind: "slide",
        windowId: expected.windowId,
        count: expected.eligible.length,
      });
      const w = s.windows.find((x) => x.id === expected.windowId);
      if (w?.order === "sequence") {
        const i = expected.slot % expected.eligible.length;
        expect(result).toMatchObject({ index: i, itemId: expected.eligible[i]?.id });
      }
    }
  }

  // The result holds over [now, nextChangeAt): at its last instant and a few between.
  const until = result.nextChangeAt ?? now + 2 * DAY;
  const probes = [
    until - 1,
    ...Array.from({ length: 3 }, () => now + Math.floor(r() * (until - now))),
  ];
  for (const t of probes) {
    const later = evaluateSchedule(s, manifest, t, emergencies);
    expect(shown(later), `at ${iso(t)}`).toEqual(shown(result));
    // Past the 8-day look-ahead a blank screen gets a re-check point, not an exact change.
    if (result.nextChangeAt === null || result.nextChangeAt - now < 8 * DAY) {
      expect(later.nextChangeAt, `at ${iso(t)}`).toBe(result.nextChangeAt);
    }
  }

  // A second screen that received the manifest in another order shows the same thing.
  expect(evaluateSchedule(s, [...manifest].reverse(), now, emergencies)).toEqual(result);
  return result.kind === "slide";
}

describe("evaluateSchedule, property", () => {
  // 2000 cases × 6 evaluations take a few seconds; give a loaded CI machine room.
  it(
    "always shows an eligible item or nothing, holds until nextChangeAt, and agrees across screens",
    { timeout: 30_000 },
    () => {
      const runs = 2000;
      let slides = 0;
      for (let seed = 1; seed <= runs; seed++) {
        const r = prng(seed);
        const now = randomNow(r);
        const c: Case = {
          seed,
          now,
          s: randomSchedule(r, now),
          manifest: randomManifest(r, now),
          emergencies: randomEmergencies(r, now),
        };
        try {
          if (check(c)) slides++;
        } catch (error) {
          // Name the case, so it can be replayed by seed.
          throw new Error(`case ${JSON.stringify({ ...c, now: iso(now) })}`, { cause: error });
        }
      }
      // The generator must actually exercise slides, not just blank screens.
      expect(slides).toBeGreaterThan(runs / 5);
    },
  );
});
