import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ContentStore } from "../../../../display/renderer/src/ContentStore";
import { PhotoCache } from "../../../../display/renderer/src/PhotoCache";
import { Player } from "../../../../display/renderer/src/Player";
import { contentIdsOf, frameAt, type Slide } from "../../../../display/renderer/src/playback";
import type { Schedule } from "../../../../shared/schemas/schedule";
import type { ScreenEntry } from "../../../../shared/schemas/screenEntry";
import { allDay, buildDelta, buildScreenEntry, photoRef } from "./screenEntryFactory";

/** 00:00 Shanghai: slot n of the all-day window starts n × 10 s later. */
const dayStart = Date.parse("2026-11-26T16:00:00Z");
const DWELL_MS = 10_000;

/** An all-day window showing the discredited list as a list, then the red list. */
const schedule = allDay(
  [{ type: "discredited", layout: "list" }, { type: "redlist" }],
  DWELL_MS / 1000,
);

/** `n` discredited entries in publication order, with photos (the list shows none). */
function entries(n: number): ScreenEntry[] {
  return Array.from({ length: n }, (_, i) =>
    buildScreenEntry({ publishedVersion: 100 + i, photo: photoRef(i + 1) }),
  );
}

const ids = (list: readonly ScreenEntry[]) => list.map((e) => e.id);

describe("frameAt with the discredited list as a list", () => {
  it("draws list slides of 8 entries, a page each dwell, in publication order", () => {
    const held = entries(19);
    const content = { announcements: [], entries: held, schedule, emergencies: [] };
    const frames = [0, 1, 2, 3].map((n) => frameAt(content, dayStart + n * DWELL_MS));
    expect(frames.map((f) => f.slide.kind)).toEqual(["list", "list", "list", "list"]);
    expect(frames[0]).toEqual({
      slide: { kind: "list", entries: held.slice(0, 8), page: 0, pages: 3 },
      nextChangeAt: dayStart + DWELL_MS,
    });
    expect(frames[1]?.slide).toEqual({
      kind: "list",
      entries: held.slice(8, 16),
      page: 1,
      pages: 3,
    });
    expect(frames[2]?.slide).toEqual({ kind: "list", entries: held.slice(16), page: 2, pages: 3 });
    expect(frames[3]?.slide).toEqual(frames[0]?.slide);
  });

  it("keeps red-list entries on slides of their own between the pages", () => {
    const held = [...entries(9), buildScreenEntry({ kind: "redlist", publishedVersion: 500 })];
    const content = { announcements: [], entries: held, schedule, emergencies: [] };
    const kinds = [0, 1, 2].map((n) => frameAt(content, dayStart + n * DWELL_MS).slide.kind);
    expect(kinds).toEqual(["list", "list", "entry"]);
  });

  it("never puts an expired entry on a page", () => {
    const first = buildScreenEntry();
    const expired = buildScreenEntry({ expiresAt: new Date(dayStart - 1).toISOString() });
    const last = buildScreenEntry();
    const content = {
      announcements: [],
      entries: [first, expired, last],
      schedule,
      emergencies: [],
    };
    const { slide } = frameAt(content, dayStart);
    expect(contentIdsOf(slide)).toEqual([first.id, last.id]);
  });
});

interface Drawn {
  kind: Slide["kind"];
  ids: string[];
  immediate: boolean;
}

/** A player over a real store and photo cache, recording each draw and whether it was a cut. */
function setUp() {
  const drawn: Drawn[] = [];
  const store = new ContentStore();
  const photos = new PhotoCache({
    serverUrl: "https://signage.example",
    token: () => "device-token-0123456789abcdef",
    fetch: () => Promise.resolve(new Response(new Blob([new Uint8Array([0xff, 0xd8])]))),
    createObjectURL: () => "blob:1",
    revokeObjectURL: () => undefined,
    decodeImage: () =>
      Promise.resolve({
        remove: () => undefined,
        removeAttribute: () => undefined,
      } as unknown as HTMLImageElement),
    onReady: (hash) => player.photoReady(hash),
  });
  const player = new Player({
    draw: (slide, ctx) => {
      drawn.push({ kind: slide.kind, ids: contentIdsOf(slide), immediate: ctx.immediate });
      return slide.kind;
    },
    store,
    photos,
    serverUrl: "https://signage.example",
  });
  return { drawn, store, player };
}

describe("Player with list pages", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: dayStart });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("draws a page at once, never waiting for photos it does not show", () => {
    const { drawn, store, player } = setUp();
    const held = entries(3);
    store.apply(buildDelta({ version: 1, full: true, entries: held, schedule }));
    player.play();
    expect(drawn).toEqual([{ kind: "list", ids: ids(held), immediate: false }]);
  });

  it("fades from page to page, but cuts at once when an entry on the page is taken down", async () => {
    const { drawn, store, player } = setUp();
    const held = entries(12);
    store.apply(buildDelta({ version: 1, full: true, entries: held, schedule }));
    player.play();
    await vi.advanceTimersByTimeAsync(DWELL_MS);
    expect(drawn.at(-1)).toEqual({ kind: "list", ids: ids(held.slice(8)), immediate: false });

    vi.setSystemTime(dayStart + DWELL_MS + 4_000); // mid-dwell
    const revoked = held[9]?.id ?? "";
    store.apply(buildDelta({ version: 2, full: false, removedIds: [revoked], schedule }));
    player.play();
    // Eleven left: the second page re-cut without it, drawn as a cut.
    expect(drawn.at(-1)).toEqual({
      kind: "list",
      ids: ids(held.slice(8)).filter((id) => id !== revoked),
      immediate: true,
    });
    await vi.advanceTimersByTimeAsync(5 * DWELL_MS);
    expect(drawn.slice(2).every((d) => !d.ids.includes(revoked))).toBe(true);
    expect(drawn.at(-1)?.immediate).toBe(false);
  });

  it("cuts at once when the server announces a change of an entry on the page", () => {
    const { drawn, store, player } = setUp();
    const held = entries(4);
    store.apply(buildDelta({ version: 1, full: true, entries: held, schedule }));
    player.play();
    player.withdraw([held[2]?.id ?? ""]);
    expect(drawn.at(-1)).toEqual({
      kind: "list",
      ids: ids(held).filter((id) => id !== held[2]?.id),
      immediate: true,
    });
  });
});

describe("Player's cuts", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: dayStart });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("redraws the slide on screen as a cut when the one kept hidden behind it is taken down", async () => {
    const { drawn, store, player } = setUp();
    const single: Schedule = {
      ...schedule,
      windows: schedule.windows.map((w) => ({ ...w, playlist: [{ type: "discredited" }] })),
    };
    const a = buildScreenEntry({ publishedVersion: 1 });
    const b = buildScreenEntry({ publishedVersion: 2 });
    const c = buildScreenEntry({ publishedVersion: 3 });
    store.apply(buildDelta({ version: 1, full: true, entries: [a, b, c], schedule: single }));
    player.play();
    // Slot 4: b on screen, a (slot 3) hidden behind it.
    await vi.advanceTimersByTimeAsync(4 * DWELL_MS);
    expect(drawn.slice(-2)).toEqual([
      { kind: "entry", ids: [a.id], immediate: false },
      { kind: "entry", ids: [b.id], immediate: false },
    ]);
    // a is taken down; with two left, slot 4 is still b's. b is drawn again, as a cut, so
    // nothing of a stays in the DOM.
    store.apply(buildDelta({ version: 2, full: false, removedIds: [a.id], schedule: single }));
    player.play();
    expect(drawn.at(-1)).toEqual({ kind: "entry", ids: [b.id], immediate: true });
    // Nothing taken down any more: the same slide is left alone, the next one fades in.
    const count = drawn.length;
    player.play();
    expect(drawn).toHaveLength(count);
    await vi.advanceTimersByTimeAsync(DWELL_MS);
    expect(drawn.at(-1)).toEqual({ kind: "entry", ids: [c.id], immediate: false });
  });
});
