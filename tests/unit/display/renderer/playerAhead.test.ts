import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ContentStore } from "../../../../display/renderer/src/ContentStore";
import { PhotoCache } from "../../../../display/renderer/src/PhotoCache";
import { AHEAD_AFTER_MS, Player } from "../../../../display/renderer/src/Player";
import { contentIdOf } from "../../../../display/renderer/src/playback";
import { buildAnnouncement } from "./announcementFactory";
import { allDay, buildDelta, buildScreenEntry, photoRef } from "./screenEntryFactory";

/** 00:00 Shanghai: slot n of the all-day window starts n × 10 s later. */
const dayStart = Date.parse("2026-11-26T16:00:00Z");
const DWELL_MS = 10_000;

const schedule = allDay([{ type: "discredited" }], DWELL_MS / 1000);

/**
 * A player over a real store and photo cache, and a stage that keeps what the view would: the
 * slide on screen, the one drawn ahead (its key and content), and how each change was made.
 */
function setUp() {
  const stage = {
    /** Content id on screen. */
    shown: null as string | null,
    /** Drawn ahead, hidden: its key and content id; null when the hidden layer holds none. */
    ahead: null as { key: string; id: string | null } | null,
    /** Every change: "ahead" (the slide drawn ahead shown) or "drawn" (drawn at the change). */
    changes: [] as { id: string | null; how: "ahead" | "drawn" }[],
    aheadDraws: [] as (string | null)[],
    /** The kinds of slide drawn, at their change and ahead. */
    kinds: [] as string[],
    aheadKinds: [] as string[],
  };
  const store = new ContentStore();
  const photos = new PhotoCache({
    serverUrl: "https://signage.example",
    token: () => "device-token-0123456789abcdef",
    fetch: () => Promise.resolve(new Response(new Blob([new Uint8Array([0xff, 0xd8])]))),
    createObjectURL: () => "blob:1",
    revokeObjectURL: () => undefined,
    decodeImage: () =>
      Promise.resolve({
        isConnected: false,
        remove: () => undefined,
        removeAttribute: () => undefined,
      } as unknown as HTMLImageElement),
    onReady: (hash) => player.photoReady(hash),
  });
  const player = new Player({
    draw: (slide, ctx) => {
      const id = contentIdOf(slide);
      const how = stage.ahead !== null && stage.ahead.key === ctx.key ? "ahead" : "drawn";
      if (how === "ahead") expect(stage.ahead?.id).toBe(id);
      stage.changes.push({ id, how });
      stage.kinds.push(slide.kind);
      stage.shown = id;
      stage.ahead = null;
      return slide.kind;
    },
    drawAhead: (slide, ctx) => {
      if (ctx.key === undefined) throw new Error("drawn ahead without a key");
      stage.ahead = { key: ctx.key, id: contentIdOf(slide) };
      stage.aheadDraws.push(contentIdOf(slide));
      stage.aheadKinds.push(slide.kind);
      return true;
    },
    dropAhead: () => {
      stage.ahead = null;
    },
    store,
    photos,
    serverUrl: "https://signage.example",
  });
  return { stage, store, photos, player };
}

/** Three entries in rotation, played from the start of a slot: a on screen, then b, then c. */
function playThree(store: ContentStore, player: Player) {
  const a = buildScreenEntry({ publishedVersion: 1 });
  const b = buildScreenEntry({ publishedVersion: 2 });
  const c = buildScreenEntry({ publishedVersion: 3 });
  store.apply(buildDelta({ version: 3, full: true, entries: [a, b, c], schedule }));
  player.play();
  return { a, b, c };
}

describe("Player: the next slide drawn ahead", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: dayStart });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("draws the next slide ahead once the change is over, and shows it at its change", async () => {
    const { stage, store, player } = setUp();
    const { a, b, c } = playThree(store, player);
    expect(stage.changes).toEqual([{ id: a.id, how: "drawn" }]);
    // Not in the change's own task: only once its fade is over.
    expect(stage.ahead).toBeNull();
    await vi.advanceTimersByTimeAsync(AHEAD_AFTER_MS);
    expect(stage.ahead?.id).toBe(b.id);
    await vi.advanceTimersByTimeAsync(DWELL_MS - AHEAD_AFTER_MS);
    expect(stage.changes.at(-1)).toEqual({ id: b.id, how: "ahead" });
    await vi.advanceTimersByTimeAsync(2 * DWELL_MS);
    expect(stage.changes.slice(1)).toEqual([
      { id: b.id, how: "ahead" },
      { id: c.id, how: "ahead" },
      { id: a.id, how: "ahead" },
    ]);
  });

  it("drops the slide drawn ahead the moment its content is taken down, and draws the next", async () => {
    const { stage, store, player } = setUp();
    const { a, b, c } = playThree(store, player);
    await vi.advanceTimersByTimeAsync(AHEAD_AFTER_MS);
    expect(stage.ahead?.id).toBe(b.id);
    // The server announces a change of b: out of the hidden layer at once, not at the change.
    player.withdraw([b.id]);
    expect(stage.ahead).toBeNull();
    expect(stage.shown).toBe(a.id);
    // Then c, the slide now next, is drawn ahead in a task of its own.
    await vi.advanceTimersByTimeAsync(100);
    expect(stage.ahead?.id).toBe(c.id);
    await vi.advanceTimersByTimeAsync(DWELL_MS);
    expect(stage.changes.map((ch) => ch.id)).not.toContain(b.id);
    expect(stage.aheadDraws.filter((id) => id === b.id)).toHaveLength(1);
  });

  it("drops it when a sync removes its content, and when playback pauses or stops", async () => {
    const { stage, store, player } = setUp();
    const { b, c } = playThree(store, player);
    await vi.advanceTimersByTimeAsync(AHEAD_AFTER_MS);
    expect(stage.ahead?.id).toBe(b.id);
    store.apply(buildDelta({ version: 4, full: false, removedIds: [b.id], schedule }));
    player.play();
    expect(stage.ahead).toBeNull();
    await vi.advanceTimersByTimeAsync(100);
    expect(stage.ahead?.id).toBe(c.id);
    player.pause();
    expect(stage.ahead).toBeNull();
    // Paused: nothing is drawn ahead either.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(stage.ahead).toBeNull();
    // The reconnect's sync applied: playing again, and drawing ahead.
    player.synced();
    player.play();
    await vi.advanceTimersByTimeAsync(100);
    expect(stage.ahead).not.toBeNull();
    player.stop();
    expect(stage.ahead).toBeNull();
  });

  it("never draws ahead an announcement that has not started yet, even one starting at the change", async () => {
    const { stage, store, player } = setUp();
    // In publication order: the one on screen, then one whose window opens at the next slot.
    const now = buildAnnouncement({ title: "已开始" });
    const later = buildAnnouncement({
      title: "尚未开始",
      startsAt: new Date(dayStart + DWELL_MS).toISOString(),
    });
    store.apply(
      buildDelta({
        version: 2,
        full: true,
        announcements: [now, later],
        schedule: allDay([
          { type: "announcement", id: now.id },
          { type: "announcement", id: later.id },
        ]),
      }),
    );
    player.play();
    expect(stage.shown).toBe(now.id);
    await vi.advanceTimersByTimeAsync(DWELL_MS - 100);
    expect(stage.aheadDraws).not.toContain(later.id);
    await vi.advanceTimersByTimeAsync(100);
    // Drawn at its change, as without drawing ahead.
    expect(stage.changes.at(-1)).toEqual({ id: later.id, how: "drawn" });
    // Started now: from its next turn on it is drawn ahead like the rest.
    await vi.advanceTimersByTimeAsync(2 * DWELL_MS);
    expect(stage.changes.at(-1)).toEqual({ id: later.id, how: "ahead" });
  });

  it("draws a photo's slide ahead only with the photo decoded, and not an emergency", async () => {
    const { stage, store, photos, player } = setUp();
    const a = buildScreenEntry({ publishedVersion: 1 });
    const b = buildScreenEntry({ publishedVersion: 2, photo: photoRef(2) });
    store.apply(buildDelta({ version: 2, full: true, entries: [a, b], schedule }));
    player.play();
    // b's photo is not fetched yet: drawing ahead asks for it rather than drawing b without it.
    await vi.advanceTimersByTimeAsync(AHEAD_AFTER_MS);
    expect(stage.ahead).toBeNull();
    expect(photos.status(photoRef(2).hash).state).not.toBe("absent");
    await vi.advanceTimersByTimeAsync(DWELL_MS - AHEAD_AFTER_MS);
    expect(stage.changes.at(-1)).toEqual({ id: b.id, how: "drawn" });
    // An emergency due at a change is drawn at that change, never ahead of it.
    const start = dayStart + 3 * DWELL_MS;
    store.apply(
      buildDelta({
        version: 3,
        full: false,
        schedule,
        emergencies: [
          {
            id: randomUUID(),
            title: "紧急通知",
            body: "请避险",
            startsAt: new Date(start).toISOString(),
            endsAt: new Date(start + DWELL_MS).toISOString(),
          },
        ],
      }),
    );
    player.play();
    await vi.advanceTimersByTimeAsync(start - Date.now() + 100);
    expect(stage.kinds.at(-1)).toBe("emergency");
    expect(stage.aheadKinds).not.toContain("emergency");
    expect(stage.aheadKinds).toContain("entry");
  });

  it("after a sync draws a slide that only moved on in a task of its own, but takes down at once", async () => {
    const { stage, store, player } = setUp();
    const { a, b } = playThree(store, player);
    // Offline through the change to b: nothing drawn meanwhile.
    player.pause();
    await vi.advanceTimersByTimeAsync(DWELL_MS);
    expect(stage.shown).toBe(a.id);
    // The sync changed nothing on the stage: b is drawn in the next task, not in the sync's.
    store.apply(buildDelta({ version: 4, full: false, schedule }));
    player.synced();
    player.playSoon();
    expect(stage.shown).toBe(a.id);
    await vi.advanceTimersByTimeAsync(0);
    expect(stage.shown).toBe(b.id);
    // Offline again; the sync takes down b, on screen: gone before the sync's task ends.
    player.pause();
    store.apply(buildDelta({ version: 5, full: false, removedIds: [b.id], schedule }));
    player.synced();
    player.playSoon();
    expect(stage.shown).not.toBe(b.id);
  });

  it("after a sync that takes down what was drawn ahead, drops it at once", async () => {
    const { stage, store, player } = setUp();
    const { a, b } = playThree(store, player);
    await vi.advanceTimersByTimeAsync(AHEAD_AFTER_MS);
    expect(stage.ahead?.id).toBe(b.id);
    store.apply(buildDelta({ version: 4, full: false, removedIds: [b.id], schedule }));
    player.playSoon();
    expect(stage.ahead).toBeNull();
    expect(stage.shown).toBe(a.id);
  });

  it("counts what was drawn ahead as on the stage, so a takedown of it reaches the stage at once", async () => {
    const { stage, store, player } = setUp();
    const { a, b, c } = playThree(store, player);
    await vi.advanceTimersByTimeAsync(AHEAD_AFTER_MS);
    expect(stage.ahead?.id).toBe(b.id);
    expect(player.onStage([b.id])).toBe(true);
    expect(player.onStage([c.id])).toBe(false);
    // After the change to b, a is kept behind it until the next slide is drawn ahead.
    await vi.advanceTimersByTimeAsync(DWELL_MS - AHEAD_AFTER_MS);
    expect(stage.shown).toBe(b.id);
    expect(player.onStage([a.id])).toBe(true);
  });

  it("while paused for a reconnect's sync, draws nothing it holds: a takedown of the slide on screen leaves a blank one", async () => {
    const { stage, store, player } = setUp();
    const { a, b, c } = playThree(store, player);
    expect(stage.shown).toBe(a.id);
    // Back online; b and c may have been taken down while it was offline. A push takes down a,
    // on screen: it goes, and neither b nor c is drawn in its place, nor by the rotation.
    player.pause();
    player.withdraw([a.id]);
    expect(stage.shown).toBeNull();
    expect(stage.kinds.at(-1)).toBe("blank");
    player.photoReady("any");
    player.playSoon();
    await vi.advanceTimersByTimeAsync(6 * DWELL_MS);
    expect(stage.changes.map((ch) => ch.id)).not.toContain(b.id);
    expect(stage.changes.map((ch) => ch.id)).not.toContain(c.id);
    expect(stage.shown).toBeNull();
    // The sync took b down: the rotation resumes with what it says may be shown.
    store.apply(buildDelta({ version: 4, full: false, removedIds: [b.id], schedule }));
    player.synced();
    player.play();
    await vi.advanceTimersByTimeAsync(3 * DWELL_MS);
    expect(stage.changes.map((ch) => ch.id)).toContain(c.id);
    expect(stage.changes.map((ch) => ch.id)).not.toContain(b.id);
  });

  it("while paused, still takes off the screen what ended by the clock", async () => {
    const { stage, store, player } = setUp();
    const ending = buildScreenEntry({
      publishedVersion: 1,
      expiresAt: new Date(dayStart + 5_000).toISOString(),
    });
    store.apply(buildDelta({ version: 1, full: true, entries: [ending], schedule }));
    player.play();
    expect(stage.shown).toBe(ending.id);
    player.pause();
    await vi.advanceTimersByTimeAsync(7_000);
    expect(stage.shown).toBeNull();
    expect(stage.kinds.at(-1)).toBe("blank");
  });

  it("offline again before the sync came, plays what it holds, and keeps off what a push withheld", async () => {
    const { stage, store, player } = setUp();
    const { a, b, c } = playThree(store, player);
    player.pause();
    player.withdraw([b.id]);
    await vi.advanceTimersByTimeAsync(2 * DWELL_MS);
    expect(stage.shown).toBe(a.id);
    player.resume();
    player.play();
    await vi.advanceTimersByTimeAsync(3 * DWELL_MS);
    expect(stage.changes.map((ch) => ch.id)).toContain(c.id);
    expect(stage.changes.map((ch) => ch.id)).not.toContain(b.id);
  });

  it("draws nothing ahead while paused for a reconnect's sync, even when a push makes it play", async () => {
    const { stage, store, player } = setUp();
    const { c } = playThree(store, player);
    player.pause();
    // A push announces a change of c: the player plays without it, but draws nothing ahead.
    player.withdraw([c.id]);
    await vi.advanceTimersByTimeAsync(2 * AHEAD_AFTER_MS);
    expect(stage.ahead).toBeNull();
    // The sync says what stays: drawing ahead resumes.
    player.synced();
    player.play();
    await vi.advanceTimersByTimeAsync(100);
    expect(stage.ahead).not.toBeNull();
  });

  it("after a sync brings an emergency due now, draws it at once, not in a later task", () => {
    const { stage, store, player } = setUp();
    const a = buildScreenEntry({ publishedVersion: 1 });
    store.apply(buildDelta({ version: 1, full: true, entries: [a], schedule }));
    player.play();
    player.pause();
    store.apply(
      buildDelta({
        version: 2,
        full: false,
        schedule,
        emergencies: [
          {
            id: randomUUID(),
            title: "紧急通知",
            body: "请避险",
            startsAt: new Date(dayStart - 1_000).toISOString(),
          },
        ],
      }),
    );
    player.synced();
    player.playSoon();
    expect(stage.kinds.at(-1)).toBe("emergency");
  });
});
