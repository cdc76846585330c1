import { describe, expect, it } from "vitest";
import { PlayLog, type PlayBuffer } from "../../../../display/renderer/src/PlayLog";
import type { Slide } from "../../../../display/renderer/src/playback";
import type { Ack } from "../../../../shared/protocol/events";
import type { Announcement } from "../../../../shared/schemas/announcement";
import type { PlayReceipt, PlayRecord } from "../../../../shared/schemas/proofOfPlay";
import type { ScreenEntry } from "../../../../shared/schemas/screenEntry";
import { buildScreenEntry } from "./screenEntryFactory";

/** 2026-11-27 08:00 Shanghai, by the server's clock. */
const T0 = Date.parse("2026-11-27T00:00:00.000Z");

/** The plays waiting on the kiosk, kept in key order as IndexedDB keeps them. */
class MemoryPlayBuffer implements PlayBuffer {
  readonly plays = new Map<string, PlayRecord>();

  add(key: string, play: PlayRecord): Promise<void> {
    this.plays.set(key, play);
    return Promise.resolve();
  }

  oldest(limit: number): Promise<{ key: string; play: PlayRecord }[]> {
    const keys = [...this.plays.keys()].sort().slice(0, limit);
    return Promise.resolve(
      keys.flatMap((key) => {
        const play = this.plays.get(key);
        return play ? [{ key, play }] : [];
      }),
    );
  }

  forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.plays.delete(key);
    return Promise.resolve();
  }

  count(): Promise<number> {
    return Promise.resolve(this.plays.size);
  }

  /** The plays held, oldest first. */
  held(): PlayRecord[] {
    return [...this.plays.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p);
  }
}

const ok = (stored: number): Ack<PlayReceipt> => ({
  ok: true,
  data: { stored, duplicates: 0, refused: 0 },
});

/**
 * A play log over a memory buffer, a settable corrected clock and monotonic clock, and a fake
 * server: `answer` decides each upload's outcome; every batch sent and every warning is kept.
 */
function harness(
  answer: (plays: PlayRecord[]) => Promise<Ack<PlayReceipt>> = (plays) =>
    Promise.resolve(ok(plays.length)),
) {
  const buffer = new MemoryPlayBuffer();
  const sent: PlayRecord[][] = [];
  const warnings: string[] = [];
  /** How many plays the buffer held while each batch was on its way. */
  const heldDuringSend: number[] = [];
  const clock = { now: T0, monotonic: 5_000 };
  let ids = 0;
  const log = new PlayLog({
    now: () => clock.now,
    monotonic: () => clock.monotonic,
    // Counting down, so id order is the reverse of time order.
    newId: () => uuid(1_000_000 - ++ids),
    buffer,
    send: (plays) => {
      sent.push(plays);
      heldDuringSend.push(buffer.plays.size);
      return answer(plays);
    },
    warn: (message) => warnings.push(message),
  });
  /** Lets `ms` pass on both clocks. */
  const pass = (ms: number): void => {
    clock.now += ms;
    clock.monotonic += ms;
  };
  /** Shows `n` different entries one after the other, 1 s each, and ends the last. */
  const showMany = (n: number): void => {
    for (let i = 0; i < n; i++) {
      log.shown(entrySlide(buildScreenEntry()));
      pass(1_000);
    }
    log.end();
  };
  return { log, buffer, sent, warnings, heldDuringSend, clock, pass, showMany };
}

function uuid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

function entrySlide(entry: ScreenEntry): Slide {
  return { kind: "entry", entry };
}

function announcementSlide(id: string, version: number): Slide {
  const announcement: Announcement = {
    id,
    title: "道路施工通知",
    body: "中山路夜间施工，请绕行。",
    language: "zh-CN",
    tags: [],
    createdAt: "2026-11-26T00:00:00.000Z",
    version,
  };
  return { kind: "announcement", announcement };
}

const annId = "11111111-1111-4111-8111-111111111111";

/** A promise with its resolver, to hold an upload in flight. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe("PlayLog", () => {
  it("logs a slide when the next one replaces it: start by the corrected clock, duration by the monotonic one", async () => {
    const h = harness();
    const entry = buildScreenEntry({ publishedVersion: 7 });
    h.log.shown(entrySlide(entry));
    // The kiosk learns the server's time meanwhile: the corrected clock jumps a minute ahead.
    h.clock.now += 60_000;
    h.clock.monotonic += 9_876.4;
    h.log.shown(announcementSlide(annId, 3));
    await h.log.upload();
    expect(h.sent).toEqual([
      [
        {
          id: uuid(999_999),
          kind: "entry",
          contentId: entry.id,
          version: 7,
          startedAt: "2026-11-27T00:00:00.000Z",
          durationMs: 9_876,
        },
      ],
    ]);
  });

  it("logs a list page as one play per entry on it; an entry on the next page too plays on", async () => {
    const h = harness();
    const [a, b, c] = [1, 2, 3].map((v) => buildScreenEntry({ publishedVersion: v }));
    if (!a || !b || !c) throw new Error("three entries");
    h.log.shown({ kind: "list", entries: [a, b], page: 0, pages: 2 });
    h.pass(8_000);
    h.log.shown({ kind: "list", entries: [b, c], page: 1, pages: 2 });
    h.pass(8_000);
    h.log.end();
    await h.log.upload();
    const plays = h.sent.flat().map((p) => [p.contentId, p.durationMs]);
    expect(plays).toHaveLength(3);
    expect(plays).toEqual(
      expect.arrayContaining([
        [a.id, 8_000],
        [b.id, 16_000],
        [c.id, 8_000],
      ]),
    );
  });

  it("records an announcement by its version and an emergency as version 0", async () => {
    const h = harness();
    h.log.shown(announcementSlide(annId, 3));
    h.pass(10_000);
    h.log.shown({
      kind: "emergency",
      emergency: {
        id: "flood-1",
        title: "防汛紧急通知",
        body: "",
        startsAt: "2026-11-27T00:00:00Z",
      },
    });
    h.pass(30_000);
    h.log.end();
    await h.log.upload();
    expect(
      h.sent.flat().map(({ kind, contentId, version, durationMs }) => ({
        kind,
        contentId,
        version,
        durationMs,
      })),
    ).toEqual([
      { kind: "announcement", contentId: annId, version: 3, durationMs: 10_000 },
      { kind: "emergency", contentId: "flood-1", version: 0, durationMs: 30_000 },
    ]);
  });

  it("does not split a play when the same content is redrawn, but a new version is a new play", async () => {
    const h = harness();
    const entry = buildScreenEntry({ publishedVersion: 4, photo: null });
    h.log.shown(entrySlide(entry));
    h.pass(2_000);
    // Its photo arrived: the same entry, same version, drawn again.
    h.log.shown(entrySlide({ ...entry, court: "北京市西城区人民法院" }));
    h.pass(3_000);
    h.log.shown(entrySlide({ ...entry, publishedVersion: 5 }));
    h.pass(4_000);
    h.log.end();
    await h.log.upload();
    expect(h.sent.flat().map((p) => [p.version, p.durationMs])).toEqual([
      [4, 5_000],
      [5, 4_000],
    ]);
  });

  it("does not count idle, blank or waiting slides as plays, and they end the play before them", async () => {
    const h = harness();
    const entry = buildScreenEntry();
    h.log.shown(entrySlide(entry));
    h.pass(6_000);
    h.log.shown({ kind: "idle", idle: { title: "欢迎", body: "" } });
    h.pass(60_000);
    h.log.shown({ kind: "blank" });
    h.pass(60_000);
    h.log.shown({ kind: "waiting" });
    h.pass(60_000);
    h.log.shown(null);
    h.log.end();
    await h.log.upload();
    expect(h.sent.flat().map((p) => [p.contentId, p.durationMs])).toEqual([[entry.id, 6_000]]);
  });

  it("end() logs the play on screen once, and the next slide starts a new one", async () => {
    const h = harness();
    const first = buildScreenEntry();
    const second = buildScreenEntry();
    h.log.shown(entrySlide(first));
    h.pass(1_500);
    h.log.end();
    h.pass(1_000);
    h.log.end();
    h.log.shown(entrySlide(second));
    h.pass(2_500);
    h.log.end();
    await h.log.upload();
    expect(h.sent.flat().map((p) => [p.contentId, p.durationMs])).toEqual([
      [first.id, 1_500],
      [second.id, 2_500],
    ]);
  });

  it("uploads oldest first in batches of at most 500, forgetting each only once receipted", async () => {
    const h = harness();
    h.showMany(1_201);
    await h.log.upload();
    expect(h.sent.map((batch) => batch.length)).toEqual([500, 500, 201]);
    const starts = h.sent.flat().map((p) => Date.parse(p.startedAt));
    expect(starts).toHaveLength(1_201);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(h.sent.flat().map((p) => p.id)).size).toBe(1_201);
    // Each batch was still held while it was on its way.
    expect(h.heldDuringSend).toEqual([1_201, 701, 201]);
    expect(await h.buffer.count()).toBe(0);
  });

  it("keeps every play when the upload cannot be sent, and sends the same plays next time", async () => {
    let online = false;
    const h = harness((plays) =>
      online ? Promise.resolve(ok(plays.length)) : Promise.reject(new Error("timeout")),
    );
    h.showMany(3);
    await h.log.upload();
    const [tried] = h.sent;
    expect(tried).toHaveLength(3);
    expect(h.buffer.held()).toEqual(tried);
    expect(h.warnings).toEqual(["plays not uploaded, kept for later"]);
    online = true;
    await h.log.upload();
    expect(h.sent).toEqual([tried, tried]);
    expect(h.buffer.held()).toEqual([]);
  });

  it("keeps the plays, and stops, when the server refuses for a reason other than validation", async () => {
    const h = harness(() =>
      Promise.resolve({
        ok: false,
        error: { code: "internal", message: "The server could not store the plays." },
      }),
    );
    h.showMany(501);
    await h.log.upload();
    expect(h.sent).toHaveLength(1);
    expect(await h.buffer.count()).toBe(501);
    expect(h.warnings).toEqual(["plays refused for now, kept for later"]);
  });

  it("drops a batch refused as malformed and goes on with the next", async () => {
    let answers = 0;
    const h = harness((plays) =>
      Promise.resolve(
        ++answers === 1
          ? { ok: false, error: { code: "validation_failed", message: "kiosk:plays needs …" } }
          : ok(plays.length),
      ),
    );
    h.showMany(501);
    await h.log.upload();
    expect(h.sent.map((batch) => batch.length)).toEqual([500, 1]);
    expect(await h.buffer.count()).toBe(0);
    expect(h.warnings).toEqual(["plays refused as malformed, dropped"]);
  });

  it("lets concurrent uploads share one run, and starts a new run after it", async () => {
    const receipt = gate<Ack<PlayReceipt>>();
    let calls = 0;
    const h = harness((plays) =>
      ++calls === 1 ? receipt.promise : Promise.resolve(ok(plays.length)),
    );
    h.showMany(2);
    const first = h.log.upload();
    const second = h.log.upload();
    expect(second).toBe(first);
    receipt.open(ok(2));
    await Promise.all([first, second]);
    expect(h.sent.map((batch) => batch.length)).toEqual([2]);

    h.showMany(1);
    const third = h.log.upload();
    expect(third).not.toBe(first);
    await third;
    expect(h.sent.map((batch) => batch.length)).toEqual([2, 1]);
  });

  it("is due for an upload once 50 plays wait, and no longer once they are receipted", async () => {
    const h = harness();
    h.showMany(49);
    expect(h.log.due).toBe(false);
    h.showMany(1);
    expect(h.log.due).toBe(true);
    await h.log.upload();
    expect(h.log.due).toBe(false);
  });
});
