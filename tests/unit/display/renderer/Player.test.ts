import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ContentStore } from "../../../../display/renderer/src/ContentStore";
import { PhotoCache } from "../../../../display/renderer/src/PhotoCache";
import { Player, PHOTO_WAIT_MS } from "../../../../display/renderer/src/Player";
import { contentIdOf, type Slide } from "../../../../display/renderer/src/playback";
import { allDay, buildDelta, buildScreenEntry, photoRef } from "./screenEntryFactory";

/** 00:00 Shanghai: slot n of the all-day window starts n × 10 s later. */
const dayStart = Date.parse("2026-11-26T16:00:00Z");
const schedule = allDay([{ type: "discredited" }, { type: "redlist" }]);

interface Drawn {
  id: string | null;
  kind: Slide["kind"];
  photo: boolean;
}

/** A player over a real store and photo cache, a fake server, and a stage that records draws. */
function setUp(answer: () => Promise<Response> = () => Promise.resolve(jpeg())) {
  const drawn: Drawn[] = [];
  const revoked: string[] = [];
  const store = new ContentStore();
  let urls = 0;
  const photos = new PhotoCache({
    serverUrl: "https://signage.example",
    token: () => "device-token-0123456789abcdef",
    fetch: () => answer(),
    createObjectURL: () => `blob:${++urls}`,
    revokeObjectURL: (url) => revoked.push(url),
    decodeImage: () =>
      Promise.resolve({
        remove: () => undefined,
        removeAttribute: () => undefined,
      } as unknown as HTMLImageElement),
    onReady: (hash) => player.photoReady(hash),
  });
  const player = new Player({
    draw: (slide, ctx) => {
      drawn.push({ id: contentIdOf(slide), kind: slide.kind, photo: ctx.photo !== null });
      return slide.kind;
    },
    store,
    photos,
    serverUrl: "https://signage.example",
  });
  return { drawn, revoked, store, photos, player };
}

function jpeg(): Response {
  return new Response(new Blob([new Uint8Array([0xff, 0xd8])]), { status: 200 });
}

describe("Player", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: dayStart });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("redraws at once when a sync takes down the entry on screen, and never draws it again", async () => {
    const { drawn, store, player } = setUp();
    const a = buildScreenEntry({ publishedVersion: 1 });
    const b = buildScreenEntry({ publishedVersion: 2 });
    store.apply(buildDelta({ version: 2, full: true, entries: [a, b], schedule }));
    player.play();
    expect(drawn.at(-1)?.id).toBe(a.id);

    vi.setSystemTime(dayStart + 4_000); // mid-slot: the dwell boundary is 6 s away
    store.apply(buildDelta({ version: 3, full: false, removedIds: [a.id], schedule }));
    player.play();
    expect(drawn.at(-1)).toEqual({ id: b.id, kind: "entry", photo: false });

    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(drawn.filter((d) => d.id === a.id)).toHaveLength(1);
  });

  it("takes an entry off the screen the moment the server announces a change of it", async () => {
    const { drawn, store, player } = setUp();
    const a = buildScreenEntry({ publishedVersion: 1 });
    const b = buildScreenEntry({ publishedVersion: 2 });
    store.apply(buildDelta({ version: 2, full: true, entries: [a, b], schedule }));
    player.play();
    player.withdraw([a.id]);
    expect(drawn.at(-1)?.id).toBe(b.id);
    // Until a sync answers, the rotation goes on without it.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(drawn.filter((d) => d.id === a.id)).toHaveLength(1);
    // The sync kept it (a false alarm): it plays again.
    player.synced();
    player.play();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(drawn.filter((d) => d.id === a.id).length).toBeGreaterThan(1);
  });

  it("ignores a change announced for content it does not hold", () => {
    const { drawn, store, player } = setUp();
    const a = buildScreenEntry();
    store.apply(buildDelta({ version: 1, full: true, entries: [a], schedule }));
    player.play();
    player.withdraw([buildScreenEntry().id]);
    expect(drawn).toHaveLength(1);
  });

  it("does not touch the stage when the same slide is drawn again", () => {
    const { drawn, store, player } = setUp();
    store.apply(buildDelta({ version: 1, full: true, entries: [buildScreenEntry()], schedule }));
    player.play();
    player.play();
    expect(drawn).toHaveLength(1);
  });

  it("shows an entry's slide only once its photo is decoded", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { drawn, store, player } = setUp(async () => {
      await gate;
      return jpeg();
    });
    const a = buildScreenEntry({ photo: photoRef(1) });
    store.apply(buildDelta({ version: 1, full: true, entries: [a], schedule }));
    player.play();
    // Nothing was on screen before: it stays blank while the photo loads.
    expect(drawn).toEqual([{ id: null, kind: "blank", photo: false }]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(drawn.at(-1)).toEqual({ id: a.id, kind: "entry", photo: true });
  });

  it("shows the slide without a photo when the server says the photo is gone (410)", async () => {
    const { drawn, store, player } = setUp(() =>
      Promise.resolve(new Response(null, { status: 410 })),
    );
    const a = buildScreenEntry({ photo: photoRef(1) });
    store.apply(buildDelta({ version: 1, full: true, entries: [a], schedule }));
    player.play();
    await vi.advanceTimersByTimeAsync(0);
    expect(drawn.at(-1)).toEqual({ id: a.id, kind: "entry", photo: false });
  });

  it("gives up waiting for a slow photo, then adds it when it arrives", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { drawn, store, player } = setUp(async () => {
      await gate;
      return jpeg();
    });
    const a = buildScreenEntry({ photo: photoRef(1) });
    store.apply(buildDelta({ version: 1, full: true, entries: [a], schedule }));
    player.play();
    await vi.advanceTimersByTimeAsync(PHOTO_WAIT_MS);
    expect(drawn.at(-1)).toEqual({ id: a.id, kind: "entry", photo: false });
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(drawn.at(-1)).toEqual({ id: a.id, kind: "entry", photo: true });
  });

  it("drops an entry at its expiry, offline, and revokes its photo", async () => {
    const { drawn, revoked, store, photos, player } = setUp();
    const a = buildScreenEntry({
      photo: photoRef(1),
      expiresAt: new Date(dayStart + 25_000).toISOString(),
    });
    store.apply(buildDelta({ version: 1, full: true, entries: [a], schedule }));
    photos.prefetch(photoRef(1).hash);
    await vi.advanceTimersByTimeAsync(0);
    player.play();
    expect(drawn.at(-1)).toEqual({ id: a.id, kind: "entry", photo: true });
    await vi.advanceTimersByTimeAsync(25_000);
    expect(drawn.at(-1)).toEqual({ id: null, kind: "blank", photo: false });
    expect(revoked).toEqual(["blob:1"]);
    expect(store.entries()).toEqual([]);
  });

  it("while paused for a reconnect's sync draws nothing new, then plays what the sync left", async () => {
    const { drawn, store, player } = setUp();
    const a = buildScreenEntry({ publishedVersion: 1 });
    const b = buildScreenEntry({ publishedVersion: 2 });
    store.apply(buildDelta({ version: 2, full: true, entries: [a, b], schedule }));
    player.play();
    player.pause();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(drawn).toHaveLength(1);
    // The sync says b was revoked while the screen was offline.
    store.apply(buildDelta({ version: 3, full: false, removedIds: [b.id], schedule }));
    player.play();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(new Set(drawn.map((d) => d.id))).toEqual(new Set([a.id]));
  });
});
