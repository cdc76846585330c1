import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ContentStore, KioskSnapshotSchema } from "../../../../display/renderer/src/ContentStore";
import { PhotoCache } from "../../../../display/renderer/src/PhotoCache";
import { heldPhotos, Player } from "../../../../display/renderer/src/Player";
import { contentIdOf, frameAt, type Slide } from "../../../../display/renderer/src/playback";
import type { Schedule } from "../../../../shared/schemas/schedule";
import { buildAnnouncement, posterRef } from "./announcementFactory";
import { allDay, buildDelta, buildScreenEntry, photoRef } from "./screenEntryFactory";

/** Noon in Shanghai. */
const noon = Date.parse("2026-11-27T04:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString();

/** One all-day window playing every announcement tagged "a", 10 s each. */
const schedule = allDay([{ type: "announcementsTagged", tag: "a" }]);

/** The ids frameAt shows at each of `instants`. */
function shownAt(
  content: Parameters<typeof frameAt>[0],
  instants: readonly number[],
): (string | null)[] {
  return instants.map((t) => contentIdOf(frameAt(content, t).slide));
}

describe("announcement windows on the kiosk", () => {
  const always = buildAnnouncement({ tags: ["a"], version: 1 });
  const later = buildAnnouncement({
    tags: ["a"],
    version: 2,
    startsAt: iso(noon + 60_000),
    endsAt: iso(noon + 120_000),
  });

  for (const [name, sched] of [
    ["under a schedule", schedule],
    ["without a schedule (the fallback rotation)", null],
  ] as const) {
    it(`never shows an announcement before it starts nor from the instant it ends, ${name}`, () => {
      const content = {
        announcements: [always, later],
        entries: [],
        schedule: sched,
        emergencies: [],
      };
      // Every second of the ten minutes around the window.
      const seconds = Array.from({ length: 600 }, (_, i) => noon - 180_000 + i * 1000);
      const shown = shownAt(content, seconds);
      seconds.forEach((t, i) => {
        if (shown[i] !== later.id) return;
        expect(t).toBeGreaterThanOrEqual(noon + 60_000);
        expect(t).toBeLessThan(noon + 120_000);
      });
      // It does play inside its window.
      expect(shown).toContain(later.id);
      expect(shown).toContain(always.id);
    });
  }

  it("wakes up at the instant an announcement starts and at the instant it ends", () => {
    const only = { announcements: [later], entries: [], schedule, emergencies: [] };
    const before = frameAt(only, noon);
    expect(before.slide.kind).not.toBe("announcement");
    expect(before.nextChangeAt).toBe(noon + 60_000);
    const during = frameAt(only, noon + 60_000);
    expect(contentIdOf(during.slide)).toBe(later.id);
    expect(during.nextChangeAt).toBe(noon + 120_000);
    expect(contentIdOf(frameAt(only, noon + 120_000).slide)).toBeNull();
  });

  it("an unreadable window instant keeps the announcement off screen (fail closed)", () => {
    const broken = { ...later, startsAt: "not an instant" };
    const content = { announcements: [broken], entries: [], schedule, emergencies: [] };
    expect(shownAt(content, [noon, noon + 90_000, noon + 10 * 86_400_000])).toEqual([
      null,
      null,
      null,
    ]);
  });

  it("the store forgets an ended announcement by the kiosk's corrected clock, and its poster with it", () => {
    let clock = noon;
    const store = new ContentStore(() => clock);
    const ending = buildAnnouncement({ endsAt: iso(noon + 60_000), poster: posterRef(1) });
    const coming = buildAnnouncement({ startsAt: iso(noon + 60_000), poster: posterRef(2) });
    store.apply(buildDelta({ version: 3, full: true, announcements: [ending, coming] }));
    expect(store.announcements().map((a) => a.id)).toEqual([ending.id, coming.id]);
    expect(heldPhotos(store).map((p) => p.hash)).toEqual([posterRef(1).hash, posterRef(2).hash]);

    // The kiosk's own clock is a minute behind; the server's correction says the window ended.
    clock = noon + 1_000;
    store.clockOffsetMs = 60_000;
    expect(store.announcements().map((a) => a.id)).toEqual([coming.id]);
    expect(store.dropExpired().map((a) => a.id)).toEqual([ending.id]);
    expect(heldPhotos(store)).toEqual([{ hash: posterRef(2).hash, kind: "poster" }]);
    expect(store.snapshot().announcements.map((a) => a.id)).toEqual([coming.id]);
  });
});

describe("the screen's tags on the kiosk", () => {
  it("takes the tags of every sync, keeps them in its stored copy, and an older copy has none", () => {
    const store = new ContentStore();
    store.apply(buildDelta({ version: 1, full: true, screen: { tags: ["bus-stop", "metro"] } }));
    expect(store.screenTags).toEqual(["bus-stop", "metro"]);
    // Even an answer older than what is held says the screen's tags as they are now.
    store.apply(buildDelta({ version: 1, full: false, screen: { tags: ["metro"] } }));
    expect(store.screenTags).toEqual(["metro"]);

    const stored = KioskSnapshotSchema.parse(JSON.parse(JSON.stringify(store.snapshot())));
    const restarted = new ContentStore();
    restarted.restore(stored);
    expect(restarted.screenTags).toEqual(["metro"]);

    // A copy stored by the previous release has no tags field: read as a screen with none.
    const { screenTags: _dropped, ...older } = store.snapshot();
    const parsed = KioskSnapshotSchema.safeParse(older);
    expect(parsed.success && parsed.data.screenTags).toEqual([]);

    // An older server sends no `screen`: no tags.
    store.apply(buildDelta({ version: 2, full: false }));
    expect(store.screenTags).toEqual([]);
    store.reset();
    expect(store.screenTags).toEqual([]);
  });
});

describe("a window for tagged screens", () => {
  const metroSchedule: Schedule = {
    ...schedule,
    windows: schedule.windows.map((w) => ({ ...w, screenTags: ["metro"] })),
  };
  const a = buildAnnouncement({ tags: ["a"] });

  it("plays on a screen carrying the tag, and not on one without it", () => {
    const content = { announcements: [a], entries: [], schedule: metroSchedule, emergencies: [] };
    expect(
      contentIdOf(frameAt({ ...content, screenTags: ["bus-stop", "metro"] }, noon).slide),
    ).toBe(a.id);
    expect(contentIdOf(frameAt({ ...content, screenTags: ["bus-stop"] }, noon).slide)).toBeNull();
    expect(contentIdOf(frameAt(content, noon).slide)).toBeNull();
  });

  it("the player plays by the tags the last sync gave the screen", () => {
    const drawn: (string | null)[] = [];
    const store = new ContentStore(() => noon);
    const player = new Player({
      draw: (slide) => {
        drawn.push(contentIdOf(slide));
        return slide.kind;
      },
      store,
      photos: new PhotoCache({
        serverUrl: "https://signage.example",
        token: () => null,
        fetch: () => Promise.reject(new Error("no images here")),
        createObjectURL: () => "blob:x",
        revokeObjectURL: () => undefined,
        decodeImage: () => Promise.reject(new Error("no images here")),
      }),
      serverUrl: "https://signage.example",
    });
    store.apply(
      buildDelta({
        version: 1,
        full: true,
        announcements: [a],
        schedule: metroSchedule,
        screen: { tags: ["metro"] },
      }),
    );
    player.play();
    expect(drawn.at(-1)).toBe(a.id);
    store.apply(
      buildDelta({ version: 2, full: false, schedule: metroSchedule, screen: { tags: [] } }),
    );
    player.play();
    expect(drawn.at(-1)).toBeNull();
  });
});

describe("posters in the photo cache", () => {
  it("fetches a poster from /kiosk/posters/<hash> with the device token, and an entry photo from /kiosk/renditions", async () => {
    const urls: string[] = [];
    const stored = new Map<string, Blob>();
    const cache = new PhotoCache({
      serverUrl: "https://signage.example",
      token: () => "device-token-0123456789abcdef",
      fetch: (input, init) => {
        urls.push(
          `${input instanceof Request ? input.url : input.toString()} ${new Headers(init?.headers).get("Authorization") ?? ""}`,
        );
        return Promise.resolve(new Response(new Blob([new Uint8Array([1])]), { status: 200 }));
      },
      createObjectURL: () => "blob:x",
      revokeObjectURL: () => undefined,
      decodeImage: () =>
        Promise.resolve({
          remove: () => undefined,
          removeAttribute: () => undefined,
        } as unknown as HTMLImageElement),
      vault: {
        get: (hash) => Promise.resolve(stored.get(hash) ?? null),
        put: (hash, blob) => Promise.resolve(void stored.set(hash, blob)),
        drop: (hash) => Promise.resolve(void stored.delete(hash)),
        retain: (keep) => {
          for (const hash of stored.keys()) if (!keep.has(hash)) stored.delete(hash);
          return Promise.resolve();
        },
      },
    });
    const poster = posterRef(7).hash;
    const photo = photoRef(7).hash;
    cache.prefetch(poster, "poster");
    cache.prefetch(photo);
    for (const hash of [poster, photo]) {
      const s = cache.status(hash);
      if (s.state === "loading") await s.settled;
      expect(cache.status(hash).state).toBe("ready");
    }
    expect(urls).toEqual([
      `https://signage.example/kiosk/posters/${poster} Bearer device-token-0123456789abcdef`,
      `https://signage.example/kiosk/renditions/${photo} Bearer device-token-0123456789abcdef`,
    ]);
    // One vault for both, keyed by hash: a withdrawn announcement's poster goes with retain.
    expect([...stored.keys()].sort()).toEqual([photo, poster].sort());
    cache.retain([photo]);
    await Promise.resolve();
    expect([...stored.keys()]).toEqual([photo]);
    expect(cache.status(poster).state).toBe("absent");
  });
});

describe("the player with posters", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: noon });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("draws an announcement with its decoded poster, fetched as a poster", async () => {
    const fetched: string[] = [];
    const drawn: { slide: Slide; photo: boolean }[] = [];
    const store = new ContentStore();
    const photos: PhotoCache = new PhotoCache({
      serverUrl: "https://signage.example",
      token: () => "device-token-0123456789abcdef",
      fetch: (input) => {
        fetched.push(input instanceof Request ? input.url : input.toString());
        return Promise.resolve(new Response(new Blob([new Uint8Array([1])]), { status: 200 }));
      },
      createObjectURL: () => "blob:x",
      revokeObjectURL: () => undefined,
      decodeImage: () =>
        Promise.resolve({
          remove: () => undefined,
          removeAttribute: () => undefined,
        } as unknown as HTMLImageElement),
      onReady: (hash) => player.photoReady(hash),
    });
    const player: Player = new Player({
      draw: (slide, ctx) => {
        drawn.push({ slide, photo: ctx.photo !== null });
        return slide.kind;
      },
      store,
      photos,
      serverUrl: "https://signage.example",
    });
    const a = buildAnnouncement({ poster: posterRef(3, "full") });
    store.apply(buildDelta({ version: 1, full: true, announcements: [a] }));
    player.play();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetched).toEqual([`https://signage.example/kiosk/posters/${posterRef(3).hash}`]);
    expect(drawn.at(-1)).toMatchObject({ slide: { kind: "announcement" }, photo: true });
    // The entry photo path is untouched: an entry slide still asks for its rendition.
    expect(heldPhotos(store)).toEqual([{ hash: posterRef(3).hash, kind: "poster" }]);
    store.apply(
      buildDelta({
        version: 2,
        full: true,
        entries: [buildScreenEntry({ photo: photoRef(9) })],
      }),
    );
    expect(heldPhotos(store)).toEqual([{ hash: photoRef(9).hash, kind: "rendition" }]);
  });
});
