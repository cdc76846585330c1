import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { KioskServerEvents } from "../../../../shared/protocol/events";
import type { KioskHello } from "../../../../shared/schemas/sync";
import type { SyncDelta } from "../../../../shared/schemas/sync";
import {
  ContentStore,
  KioskSnapshotSchema,
  type KioskSnapshot,
} from "../../../../display/renderer/src/ContentStore";
import {
  KioskSession,
  type KioskSocket,
  type KioskView,
} from "../../../../display/renderer/src/KioskSession";
import { PhotoCache } from "../../../../display/renderer/src/PhotoCache";
import { contentIdOf } from "../../../../display/renderer/src/playback";
import { Player } from "../../../../display/renderer/src/Player";
import type { ConnectionState } from "../../../../display/renderer/src/view";
import { buildAnnouncement, posterRef } from "./announcementFactory";
import { buildDelta, buildScreenEntry } from "./screenEntryFactory";

const TOKEN = "device-token-0123456789abcdef-0123456789";
/** Longer than a slide waits for its poster (Player.PHOTO_WAIT_MS; none comes in these tests). */
const PHOTO_WAIT = 2_000;
/** The fake database takes this long to make a write durable. */
const WRITE_MS = 5;

type AckCallback = (err: Error | null, raw: unknown) => void;
type Listener = (arg: never) => void;

/** What the kiosk sent, with what its storage held and its screen showed at that moment. */
interface Sent {
  event: string;
  payload: unknown;
  stored: KioskSnapshot | null;
  onScreen: string | null | undefined;
}

/** The kiosk's database, in memory; a write becomes durable {@link WRITE_MS} later. */
class FakeDb {
  private readonly values = new Map<string, unknown>();
  cleared = 0;
  /** While true, every write fails as on a full disk. */
  full = false;

  get(store: string, key: string): Promise<unknown> {
    return Promise.resolve(this.values.get(`${store}/${key}`));
  }

  async put(store: string, key: string, value: unknown): Promise<void> {
    await new Promise((r) => setTimeout(r, WRITE_MS));
    if (this.full) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    this.values.set(`${store}/${key}`, structuredClone(value));
  }

  /** Puts a value in place at once (what an earlier run left). */
  seed(key: string, value: unknown): void {
    this.values.set(key, structuredClone(value));
  }

  clear(): Promise<void> {
    this.cleared += 1;
    this.values.clear();
    return Promise.resolve();
  }

  /** The stored snapshot, parsed as the kiosk parses it after a restart. */
  snapshot(): KioskSnapshot | null {
    const raw = this.values.get("state/snapshot");
    return raw === undefined ? null : KioskSnapshotSchema.parse(raw);
  }
}

/**
 * A socket.io client socket with a scripted server: hellos and code requests wait in a queue
 * until the test answers them; "connect" fires a microtask after `connect()`, as on the wire.
 */
class FakeSocket implements KioskSocket {
  connected = false;
  /** While false, a connection attempt fails as with the server down. */
  serverUp = true;
  /** When set, a connection attempt is refused as by a busy server asking to wait this long (s). */
  busyFor: number | undefined;
  connects = 0;
  readonly sent: Sent[] = [];
  readonly hellos: { payload: KioskHello; answer: AckCallback }[] = [];
  readonly codeRequests: AckCallback[] = [];
  private readonly listeners = new Map<string, Listener[]>();

  constructor(
    private readonly db: FakeDb,
    private readonly onScreen: () => string | null | undefined,
  ) {}

  connect(): this {
    this.connects += 1;
    queueMicrotask(() => {
      if (this.connected) return;
      if (this.busyFor !== undefined) {
        const err = new Error("The server is busy.") as Error & { data?: unknown };
        err.data = { code: "overloaded", message: "busy", retryAfterSeconds: this.busyFor };
        this.fire("connect_error", err);
      } else if (this.serverUp) {
        this.connected = true;
        this.fire("connect", undefined);
      } else this.fire("connect_error", new Error("xhr poll error"));
    });
    return this;
  }

  disconnect(): this {
    if (this.connected) this.drop("io client disconnect");
    return this;
  }

  emit(event: string, payload: unknown): this {
    this.sent.push({ event, payload, stored: this.db.snapshot(), onScreen: this.onScreen() });
    return this;
  }

  timeout(_ms: number) {
    return {
      emit: (event: string, payload: unknown, ack: AckCallback): void => {
        if (event === "kiosk:hello")
          this.hellos.push({ payload: payload as KioskHello, answer: ack });
        else this.codeRequests.push(ack);
      },
      emitWithAck: (): Promise<unknown> => new Promise<unknown>(() => undefined),
    };
  }

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  /** The server sends a message. */
  push(event: keyof KioskServerEvents, raw: unknown): void {
    this.fire(event, raw);
  }

  /** The link is lost (or, with "io client disconnect", closed by the kiosk). */
  drop(reason: string): void {
    this.connected = false;
    this.fire("disconnect", reason);
  }

  /** Answers the oldest hello still waiting. */
  answerHello(raw: unknown): KioskHello {
    const hello = this.hellos.shift();
    if (!hello) throw new Error("no hello is waiting for an answer");
    hello.answer(null, raw);
    return hello.payload;
  }

  /** The acknowledgements sent, in order. */
  applied(): Sent[] {
    return this.sent.filter((s) => s.event === "kiosk:applied");
  }

  private fire(event: string, arg: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) listener(arg as never);
  }
}

/** A session over a real store, player and photo cache, with a fake socket, storage and stage. */
async function setUp(
  opts: { token?: string | null; stored?: KioskSnapshot; clockMark?: number } = {},
) {
  const db = new FakeDb();
  if (opts.stored) db.seed("state/snapshot", opts.stored);
  if (opts.clockMark !== undefined) db.seed("state/clockMark", opts.clockMark);
  const drawn: (string | null)[] = [];
  /** The kind of every slide drawn, beside `drawn`. */
  const kinds: string[] = [];
  const socket = new FakeSocket(db, () => drawn.at(-1));
  const store = new ContentStore();
  const statuses: ConnectionState[] = [];
  const pairingCodes: string[] = [];
  const reloads: number[] = [];
  const warnings: string[] = [];
  let token = opts.token === undefined ? TOKEN : opts.token;
  const tokens = {
    get: () => Promise.resolve(token),
    set: (t: string) => Promise.resolve(void (token = t)),
    clear: () => Promise.resolve(void (token = null)),
  };
  const photos = new PhotoCache({
    serverUrl: "https://signage.example",
    token: () => session.token,
    fetch: () => Promise.reject(new Error("no photos in these tests")),
    createObjectURL: () => "blob:1",
    revokeObjectURL: () => undefined,
    decodeImage: () => Promise.reject(new Error("no photos in these tests")),
  });
  const player = new Player({
    draw: (slide) => {
      drawn.push(contentIdOf(slide));
      kinds.push(slide.kind);
      return slide.kind;
    },
    store,
    photos,
    serverUrl: "https://signage.example",
    onExpired: () => void session.persist(),
  });
  const view: KioskView = {
    status: (state) => statuses.push(state),
    pairing: (code) => pairingCodes.push(code),
    identify: () => undefined,
    reload: () => reloads.push(Date.now()),
  };
  const session: KioskSession = new KioskSession({
    socket,
    store,
    player,
    photos,
    plays: null,
    tokens,
    db,
    view,
    device: {
      appVersion: "test",
      displaySize: () => ({ width: 1080, height: 1920 }),
      uptimeSeconds: () => 1,
      memoryMb: () => null,
    },
    random: () => 0.5,
    warn: (message) => warnings.push(message),
  });
  await session.start();
  await vi.advanceTimersByTimeAsync(0);
  const ids = (): string[] => store.entries().map((e) => e.id);
  return {
    db,
    socket,
    store,
    session,
    drawn,
    kinds,
    statuses,
    pairingCodes,
    reloads,
    warnings,
    ids,
    token: () => token,
  };
}

/** A successful sync answer, as the server acknowledges a hello. */
function ok(delta: SyncDelta): unknown {
  return { ok: true, data: delta };
}

describe("KioskSession", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse("2026-11-27T02:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("takedown wins: a pushed takedown leaves screen and storage before it is acknowledged, and a sync answer asked before it does not bring it back", async () => {
    const { socket, db, drawn, ids } = await setUp();
    const a = buildScreenEntry({ publishedVersion: 5 });
    socket.answerHello(ok(buildDelta({ version: 5, full: true, entries: [a] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(drawn.at(-1)).toBe(a.id);

    // The link drops and comes back; a was edited meanwhile, and the sync's answer is slow.
    socket.drop("transport close");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.hellos.map((h) => h.payload.appliedVersion)).toEqual([5]);
    expect(drawn.at(-1)).toBe(a.id);

    // Then a is taken down, pushed while that sync is still on its way.
    const drawsOfA = drawn.filter((id) => id === a.id).length;
    socket.push("content:changed", { version: 7, ids: [a.id], removedIds: [a.id] });
    expect(ids()).toEqual([]);
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    const ack = socket.applied().at(-1);
    expect(ack?.payload).toEqual({ version: 7, pushed: [7] });
    // Off the screen and out of storage by the time it is acknowledged.
    expect(ack?.onScreen).not.toBe(a.id);
    expect(ack?.stored?.entries.map((e) => e.id)).toEqual([]);

    // The slow answer was computed before the takedown and still carries a: it stays down.
    const edited = { ...a, obligation: "edited", publishedVersion: 6 };
    socket.answerHello(ok(buildDelta({ version: 6, full: false, entries: [edited] })));
    expect(ids()).toEqual([]);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(drawn.filter((id) => id === a.id)).toHaveLength(drawsOfA);
    expect(db.snapshot()?.entries.map((e) => e.id)).toEqual([]);
    expect(socket.applied().at(-1)?.payload).toEqual({ version: 6 });
  });

  it("holds a publication carried in the push at once, without a round trip, and catches up on versions with one sync later", async () => {
    const { socket, db, drawn, ids, store } = await setUp();
    const a = buildScreenEntry({ publishedVersion: 5 });
    socket.answerHello(ok(buildDelta({ version: 5, full: true, entries: [a] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);

    const b = buildScreenEntry({ publishedVersion: 8 });
    socket.push("content:changed", {
      version: 8,
      ids: [b.id],
      added: { entries: [b], announcements: [] },
    });
    // Held and stored at once; no hello went out for it.
    expect(ids().sort()).toEqual([a.id, b.id].sort());
    expect(socket.hellos).toEqual([]);
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(
      db
        .snapshot()
        ?.entries.map((e) => e.id)
        .sort(),
    ).toEqual([a.id, b.id].sort());
    // The applied version stays where the last sync left it: what it missed is still owed.
    expect(store.version).toBe(5);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(drawn).toContain(b.id);

    // One catch-up sync within the spread (random() is 0.5 here: after 15 s), from version 5.
    await vi.advanceTimersByTimeAsync(15_000);
    expect(socket.hellos.map((h) => h.payload.appliedVersion)).toEqual([5]);
    socket.answerHello(ok(buildDelta({ version: 8, full: false, entries: [b] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(store.version).toBe(8);
    expect(socket.applied().at(-1)?.payload).toEqual({ version: 8 });
  });

  it("does not hold a pushed publication that a later push already took down", async () => {
    const { socket, ids } = await setUp();
    socket.answerHello(ok(buildDelta({ version: 5, full: true, entries: [] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    const b = buildScreenEntry({ publishedVersion: 8 });
    socket.push("content:changed", { version: 9, ids: [b.id], removedIds: [b.id] });
    socket.push("content:changed", {
      version: 8,
      ids: [b.id],
      added: { entries: [b], announcements: [] },
    });
    expect(ids()).toEqual([]);
  });

  it("ignores what a push carries once a sync has applied its version (a takedown since may have come with it)", async () => {
    const { socket, ids } = await setUp();
    const b = buildScreenEntry({ publishedVersion: 8 });
    // The sync at 9 says b was published at 8 and taken down at 9; the late push of 8 follows.
    socket.answerHello(ok(buildDelta({ version: 9, full: true, entries: [] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    socket.push("content:changed", {
      version: 8,
      ids: [b.id],
      added: { entries: [b], announcements: [] },
    });
    expect(ids()).toEqual([]);
  });

  it("draws nothing a push brings after a reconnect until the first sync has said what was taken down", async () => {
    const { socket, drawn } = await setUp();
    const a = buildScreenEntry({ publishedVersion: 5 });
    socket.answerHello(ok(buildDelta({ version: 5, full: true, entries: [a] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    socket.drop("transport close");
    await vi.advanceTimersByTimeAsync(1_000);
    const drawsBefore = drawn.length;
    // The reconnect's sync is still on its way when a publication is pushed.
    const b = buildScreenEntry({ publishedVersion: 9 });
    socket.push("content:changed", {
      version: 9,
      ids: [b.id],
      added: { entries: [b], announcements: [] },
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(drawn.length).toBe(drawsBefore);
    // The sync says a was revoked while offline: only b is drawn, never a again.
    socket.answerHello(
      ok(buildDelta({ version: 9, full: false, entries: [b], removedIds: [a.id] })),
    );
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(drawn.slice(drawsBefore)).not.toContain(a.id);
    expect(drawn.at(-1)).toBe(b.id);
  });

  it("after a reconnect, a takedown pushed before the sync blanks the slide on screen and draws nothing else it holds", async () => {
    const { socket, drawn } = await setUp();
    const held = [5, 6, 7].map((v) => buildScreenEntry({ publishedVersion: v }));
    socket.answerHello(ok(buildDelta({ version: 7, full: true, entries: held })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    socket.drop("transport close");
    await vi.advanceTimersByTimeAsync(1_000);
    // Back online, its sync not answered: the other two may have been revoked meanwhile.
    const onScreen = drawn.at(-1) ?? "";
    expect(held.map((e) => e.id)).toContain(onScreen);
    const drawsBefore = drawn.length;
    socket.push("content:changed", { version: 8, ids: [onScreen], removedIds: [onScreen] });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(drawn.slice(drawsBefore)).toEqual([null]);
    // Offline again before any answer: it plays what it holds, as offline kiosks do.
    socket.drop("transport close");
    await vi.advanceTimersByTimeAsync(120_000);
    const offline = drawn.slice(drawsBefore + 1);
    expect(offline.length).toBeGreaterThan(0);
    expect(offline).not.toContain(onScreen);
  });

  it("echoes a full manifest's epoch in its acknowledgement, so one made before a move does not count after it", async () => {
    const { socket } = await setUp();
    socket.answerHello(
      ok({
        ...buildDelta({ version: 4, full: true, entries: [buildScreenEntry()] }),
        manifestEpoch: 2,
      }),
    );
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(socket.applied().map((s) => s.payload)).toEqual([{ version: 4, full: true, epoch: 2 }]);
  });

  it("acknowledges no takedown the disk did not take, and acknowledges once a later write lands", async () => {
    const { socket, db, drawn, warnings } = await setUp();
    const [a, b] = [buildScreenEntry(), buildScreenEntry()];
    socket.answerHello(ok(buildDelta({ version: 3, full: true, entries: [a, b] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(socket.applied().map((s) => s.payload)).toEqual([{ version: 3, full: true }]);
    // The disk is full: a leaves the screen, but no acknowledgement says it is gone for good.
    db.full = true;
    socket.push("content:changed", { version: 4, ids: [a.id], removedIds: [a.id] });
    await vi.advanceTimersByTimeAsync(10 * WRITE_MS);
    expect(drawn.at(-1)).not.toBe(a.id);
    expect(socket.applied()).toHaveLength(1);
    expect(warnings).toContain("content not stored for offline play");
    expect(db.snapshot()?.entries.map((e) => e.id)).toContain(a.id);
    // Room again: the next takedown's write holds both, and both are acknowledged by version
    // (each takedown counts by its own, not by a later one's).
    db.full = false;
    socket.push("content:changed", { version: 5, ids: [b.id], removedIds: [b.id] });
    await vi.advanceTimersByTimeAsync(10 * WRITE_MS);
    expect(socket.applied().map((s) => s.payload)).toEqual([
      { version: 3, full: true },
      { version: 5, pushed: [4, 5] },
    ]);
    expect(db.snapshot()?.entries).toEqual([]);
  });

  it("drops from its storage what ended by the clock while it plays offline", async () => {
    const { socket, db } = await setUp();
    const ending = buildScreenEntry({ expiresAt: "2026-11-27T02:05:00Z" });
    const staying = buildScreenEntry();
    socket.answerHello(ok(buildDelta({ version: 3, full: true, entries: [ending, staying] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    socket.serverUp = false;
    socket.drop("transport close");
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(db.snapshot()?.entries.map((e) => e.id)).toEqual([staying.id]);
  });

  it("drops an emergency named as cleared at once, before the sync that follows returns", async () => {
    const { socket, db, drawn, kinds } = await setUp();
    const a = buildScreenEntry();
    const emergency = {
      id: "0b3f5a58-5d0c-4c55-9d43-2f4f7c1b9a10",
      title: "台风红色预警",
      body: "请留在室内。",
      startsAt: "2026-11-27T01:00:00Z",
    };
    socket.answerHello(
      ok(buildDelta({ version: 3, full: true, entries: [a], emergencies: [emergency] })),
    );
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(drawn.at(-1)).toBeNull();
    expect(kinds.at(-1)).toBe("emergency");
    socket.push("content:changed", { version: 0, ids: [], emergenciesCleared: [emergency.id] });
    await vi.advanceTimersByTimeAsync(10 * WRITE_MS);
    // Off the screen and out of storage with the sync still unanswered; nothing held drawn.
    expect(kinds.at(-1)).toBe("blank");
    expect(db.snapshot()?.emergencies).toEqual([]);
    expect(drawn.slice(-1)).toEqual([null]);
    socket.answerHello(ok(buildDelta({ version: 3, full: true, entries: [a] })));
    await vi.advanceTimersByTimeAsync(10 * WRITE_MS);
    expect(drawn.at(-1)).toBe(a.id);
  });

  it("an answer to a hello sent before an emergency was cleared neither ends the pause nor brings it back", async () => {
    const { socket, db, drawn, kinds } = await setUp();
    const a = buildScreenEntry();
    const emergency = {
      id: "5d9e7a40-1c4b-4f0e-8a61-3c2b9d7e6f11",
      title: "山体滑坡预警",
      body: "请远离山体。",
      startsAt: "2026-11-27T01:00:00Z",
    };
    const withIt = (version: number) =>
      ok(buildDelta({ version, full: true, entries: [a], emergencies: [emergency] }));
    socket.answerHello(withIt(3));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(kinds.at(-1)).toBe("emergency");
    // A change makes the kiosk ask; before the answer, the emergency is cleared.
    socket.push("content:changed", { version: 4, ids: [buildScreenEntry().id] });
    expect(socket.hellos).toHaveLength(1);
    socket.push("content:changed", { version: 0, ids: [], emergenciesCleared: [emergency.id] });
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(kinds.at(-1)).toBe("blank");
    // The older answer still lists it: applied, but the emergency stays off and nothing is drawn.
    const drawsBefore = drawn.length;
    socket.answerHello(withIt(4));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(drawn.length).toBe(drawsBefore);
    expect(db.snapshot()?.emergencies).toEqual([]);
    // The answer to the hello asked after the push ends the pause.
    expect(socket.hellos.at(-1)?.payload.appliedVersion).toBe(0);
    socket.answerHello(ok(buildDelta({ version: 5, full: true, entries: [a] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(drawn.at(-1)).toBe(a.id);
  });

  it("re-checking everything (a move), draws nothing it holds until the full sync says what this screen may show", async () => {
    const { socket, drawn } = await setUp();
    const held = [5, 6, 7].map((v) => buildScreenEntry({ publishedVersion: v }));
    socket.answerHello(ok(buildDelta({ version: 7, full: true, entries: held })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    const drawsBefore = drawn.length;
    socket.push("content:changed", { version: 0, ids: [] });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(drawn.length).toBe(drawsBefore);
    const there = buildScreenEntry({ publishedVersion: 8 });
    expect(socket.hellos.at(-1)?.payload.appliedVersion).toBe(0);
    socket.answerHello(ok(buildDelta({ version: 8, full: true, entries: [there] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(drawn.at(-1)).toBe(there.id);
  });

  it("a sync's content is stored before its version is acknowledged", async () => {
    const { socket, db } = await setUp();
    const a = buildScreenEntry();
    socket.answerHello(ok(buildDelta({ version: 3, full: true, entries: [a] })));
    // The write is not durable yet: no acknowledgement.
    expect(socket.applied()).toEqual([]);
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    const [ack] = socket.applied();
    expect(ack?.payload).toEqual({ version: 3, full: true });
    expect(ack?.stored?.version).toBe(3);
    expect(ack?.stored?.entries.map((e) => e.id)).toEqual([a.id]);

    // A delta that takes b down and adds c: acknowledged only once stored without b.
    const c = buildScreenEntry();
    socket.push("content:changed", { version: 4, ids: [c.id, a.id] });
    socket.answerHello(
      ok(buildDelta({ version: 4, full: false, entries: [c], removedIds: [a.id] })),
    );
    expect(socket.applied()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    const last = socket.applied().at(-1);
    expect(last?.payload).toEqual({ version: 4 });
    expect(last?.stored?.entries.map((e) => e.id)).toEqual([c.id]);
    expect(db.snapshot()?.version).toBe(4);
  });

  it("ignores a server message it cannot parse, and plays on", async () => {
    const { socket, drawn, ids, reloads, warnings, token, session } = await setUp();
    const a = buildScreenEntry();
    socket.answerHello(ok(buildDelta({ version: 2, full: true, entries: [a] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    const sentBefore = socket.sent.length;

    socket.push("content:changed", { version: "seven", ids: [a.id], removedIds: [a.id] });
    socket.push("content:changed", "not even an object");
    socket.push("screen:revoked", { because: "nothing" });
    socket.push("pairing:complete", { token: 42 });
    socket.push("screen:token", null);
    socket.push("screen:identify", { name: 7 });
    socket.push("screen:reload", []);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(ids()).toEqual([a.id]);
    expect(drawn.at(-1)).toBe(a.id);
    expect(token()).toBe(TOKEN);
    expect(session.token).toBe(TOKEN);
    expect(reloads).toEqual([]);
    expect(socket.hellos).toEqual([]);
    expect(socket.sent.slice(sentBefore).filter((s) => s.event !== "screen:status")).toEqual([]);
    expect(warnings).toContain("ignored malformed content:changed");

    // A sync answer it cannot read changes nothing and is asked again later.
    socket.push("content:changed", { version: 3, ids: [buildScreenEntry().id] });
    socket.answerHello({ ok: true, data: { version: 3, full: "yes" } });
    expect(ids()).toEqual([a.id]);
    expect(socket.applied()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(socket.hellos.map((h) => h.payload.appliedVersion)).toEqual([2]);
  });

  it("after a lost connection reconnects with backoff and says hello with the version it stored", async () => {
    const a = buildScreenEntry();
    const before = new ContentStore();
    before.apply(buildDelta({ version: 9, full: true, entries: [a] }));
    // As after a restart: what was stored plays at once, and the first hello says version 9.
    const { socket, drawn, statuses } = await setUp({ stored: before.snapshot() });
    expect(drawn).toEqual([a.id]);
    expect(socket.answerHello(ok(buildDelta({ version: 10, full: false })))).toEqual({
      appliedVersion: 9,
      appVersion: "test",
    });
    await vi.advanceTimersByTimeAsync(WRITE_MS);

    socket.serverUp = false;
    socket.drop("transport close");
    expect(statuses.at(-1)).toBe("offline");
    // Full jitter: the first retry waits half of 1 s with random() = 0.5; it fails, the next waits 1 s.
    await vi.advanceTimersByTimeAsync(499);
    expect(socket.connects).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.connects).toBe(2);
    socket.serverUp = true;
    await vi.advanceTimersByTimeAsync(999);
    expect(socket.connects).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.connects).toBe(3);
    expect(statuses.at(-1)).toBe("online");
    expect(socket.hellos.map((h) => h.payload)).toEqual([
      { appliedVersion: 10, appVersion: "test" },
    ]);
    // Nothing new is drawn until that sync has said what was taken down meanwhile.
    const drawsBefore = drawn.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(drawn).toHaveLength(drawsBefore);
  });

  it("refused by a busy server, comes back when the server says, not on its own backoff", async () => {
    const { socket } = await setUp({});
    socket.answerHello(ok(buildDelta({ version: 3, full: true })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    socket.serverUp = false;
    socket.drop("transport close");
    // Backoff: the first retry after 0.5 s (random() = 0.5); the server is up again but busy.
    socket.busyFor = 12;
    socket.serverUp = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(socket.connects).toBe(2);
    // 12 s asked (+ up to 1 s of jitter: 0.5 s here), although its backoff would retry within 2 s.
    await vi.advanceTimersByTimeAsync(12_499);
    expect(socket.connects).toBe(2);
    socket.busyFor = undefined;
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.connects).toBe(3);
    expect(socket.connected).toBe(true);
  });

  it("unpaired, shows a pairing code, then pairs and syncs from nothing", async () => {
    const { socket, db, pairingCodes, token } = await setUp({ token: null });
    expect(db.cleared).toBe(1);
    const offer = socket.codeRequests.shift();
    offer?.(null, {
      ok: true,
      data: { code: "ABC234", expiresAt: new Date(Date.now() + 600_000).toISOString() },
    });
    expect(pairingCodes).toEqual(["ABC234"]);
    expect(socket.hellos).toEqual([]);

    socket.push("pairing:complete", {
      token: TOKEN,
      screenId: "8f1c2a64-3c1e-4c9a-9d2e-0b7a5f6e1d23",
      name: "Gate 3",
      districtId: "district-1",
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(token()).toBe(TOKEN);
    expect(socket.hellos.map((h) => h.payload.appliedVersion)).toEqual([0]);
  });

  it("a withdrawn announcement leaves screen and storage at once, is acknowledged, and does not come back after an offline restart", async () => {
    const { socket, db, drawn, store } = await setUp();
    const a = buildAnnouncement({ version: 5, poster: posterRef(1, "full") });
    const b = buildAnnouncement({ version: 6 });
    socket.answerHello(ok(buildDelta({ version: 6, full: true, announcements: [a, b] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    await vi.advanceTimersByTimeAsync(PHOTO_WAIT);
    expect(drawn.at(-1)).toBe(a.id);

    socket.push("content:changed", { version: 7, ids: [a.id], removedIds: [a.id] });
    // Off the screen at once, before any sync or write.
    expect(drawn.at(-1)).toBe(b.id);
    expect(store.announcements().map((x) => x.id)).toEqual([b.id]);
    expect(socket.hellos).toEqual([]);
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    const ack = socket.applied().at(-1);
    expect(ack?.payload).toEqual({ version: 7, pushed: [7] });
    expect(ack?.onScreen).toBe(b.id);
    expect(ack?.stored?.announcements.map((x) => x.id)).toEqual([b.id]);
    const drawsOfA = drawn.filter((id) => id === a.id).length;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(drawn.filter((id) => id === a.id)).toHaveLength(drawsOfA);

    // The kiosk restarts with no server: it plays what it stored, without the withdrawn one.
    const stored = db.snapshot();
    if (!stored) throw new Error("nothing stored");
    const restarted = await setUp({ stored });
    restarted.socket.serverUp = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restarted.store.announcements().map((x) => x.id)).toEqual([b.id]);
    expect(restarted.drawn).not.toContain(a.id);
  });

  it("restarted without a server, keeps the screen's tags and shows an announcement only from its start", async () => {
    const start = Date.now() + 5 * 60_000;
    const opening = buildAnnouncement({ version: 2, tags: ["metro-only"] });
    const coming = buildAnnouncement({
      version: 3,
      tags: ["metro-only"],
      startsAt: new Date(start).toISOString(),
    });
    const before = new ContentStore();
    before.apply(
      buildDelta({
        version: 3,
        full: true,
        announcements: [opening, coming],
        screen: { tags: ["metro"] },
      }),
    );
    const { drawn, store, socket } = await setUp({ stored: before.snapshot() });
    // The server goes away before it answers: the kiosk plays on from its stored copy.
    socket.serverUp = false;
    socket.drop("transport close");
    expect(store.screenTags).toEqual(["metro"]);
    expect(drawn.at(-1)).toBe(opening.id);
    await vi.advanceTimersByTimeAsync(start - Date.now() - 1);
    expect(drawn).not.toContain(coming.id);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(drawn).toContain(coming.id);
  });

  it.each([
    ["the instant it marked last", "mark"],
    ["the instant it stored its content", "snapshot"],
  ])(
    "restarted with its clock set back, takes %s as now: what had expired stays off",
    async (_name, by) => {
      const now = Date.now();
      const lastRan = now + 3 * 3600_000;
      const ended = buildScreenEntry({ expiresAt: new Date(now + 3600_000).toISOString() });
      const lasting = buildScreenEntry();
      // What it held when it last ran, three hours later than its clock now says.
      const before = new ContentStore(() => (by === "snapshot" ? lastRan : now));
      // It had heard the server's time then (only such a time is kept as a floor).
      const seen = by === "snapshot" ? lastRan : now;
      before.learnServerTime(new Date(seen).toISOString(), seen, seen);
      before.apply(buildDelta({ version: 3, full: true, entries: [lasting] }));
      before.hold([ended], []);
      const stored = before.snapshot();
      const { drawn, store, socket, db } = await setUp({
        stored,
        ...(by === "mark" ? { clockMark: lastRan } : {}),
      });
      socket.serverUp = false;
      socket.drop("transport close");
      await vi.advanceTimersByTimeAsync(30_000);
      expect(store.now()).toBeGreaterThanOrEqual(lastRan);
      expect(drawn).toContain(lasting.id);
      expect(drawn).not.toContain(ended.id);
      // Running on without the server, it marks no time it has not learnt from the server.
      const marked = await db.get("state", "clockMark");
      await vi.advanceTimersByTimeAsync(120_000);
      expect(await db.get("state", "clockMark")).toBe(marked);
    },
  );

  it("marks every minute the time it learnt from the server, as the floor of its next start", async () => {
    const { socket, db } = await setUp();
    const serverTime = new Date(Date.now() + 3600_000).toISOString();
    socket.answerHello(ok({ ...buildDelta({ version: 2, full: true }), serverTime }));
    await vi.advanceTimersByTimeAsync(60_000 + WRITE_MS);
    expect(await db.get("state", "clockMark")).toBeGreaterThanOrEqual(
      Date.parse(serverTime) + 59_000,
    );
  });

  it("revoked, forgets its token, content and storage", async () => {
    const { socket, db, store, ids, token, statuses } = await setUp();
    socket.answerHello(ok(buildDelta({ version: 2, full: true, entries: [buildScreenEntry()] })));
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    socket.push("screen:revoked", { reason: "This screen was unpaired." });
    await vi.advanceTimersByTimeAsync(0);
    expect(ids()).toEqual([]);
    expect(store.version).toBe(0);
    expect(token()).toBeNull();
    expect(db.snapshot()).toBeNull();
    // The server closes the link; the kiosk comes back unpaired and asks for a code.
    socket.drop("io server disconnect");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(statuses.at(-1)).toBe("pairing");
    expect(socket.codeRequests).toHaveLength(1);
  });
});
