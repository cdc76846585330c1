import { ackSchema } from "../../../shared/protocol/ackSchema";
import type { Ack, KioskClientEvents, KioskServerEvents } from "../../../shared/protocol/events";
import {
  PlayReceiptSchema,
  type PlayReceipt,
  type PlayRecord,
} from "../../../shared/schemas/proofOfPlay";
import {
  PairingCompleteSchema,
  PairingOfferSchema,
  ScreenIdentifySchema,
  ScreenReloadSchema,
  ScreenRevokedSchema,
  TokenRotatedSchema,
} from "../../../shared/schemas/screen";
import { ScreenshotAskSchema } from "../../../shared/schemas/screenshot";
import type { Announcement } from "../../../shared/schemas/announcement";
import type { ScreenEntry } from "../../../shared/schemas/screenEntry";
import { ContentChangedSchema, SyncDeltaSchema } from "../../../shared/schemas/sync";
import { KioskSnapshotSchema, salvageSnapshot, type ContentStore } from "./ContentStore";
import type { KioskDb } from "./KioskDb";
import type { PhotoCache } from "./PhotoCache";
import type { Slide } from "./playback";
import { heldPhotos, photoHashes, type Player } from "./Player";
import type { PlayLog } from "./PlayLog";
import { reconnectDelay } from "./reconnectBackoff";
import type { TokenStore } from "./tokenStore";
import type { ConnectionState } from "./view";

/** How long the kiosk waits for the server to answer a question before it counts as failed. */
const SYNC_TIMEOUT_MS = 10_000;
const STATUS_EVERY_MS = 30_000;
const UPLOAD_EVERY_MS = 60_000;
/** How often a paired kiosk stores the instant it believes it is (see ContentStore.notBefore). */
const CLOCK_MARK_EVERY_MS = 60_000;
const CLOCK_MARK_KEY = "clockMark";
/** After content that came in a push, the versions catch up with a sync within this long. */
export const CATCH_UP_SPREAD_MS = 30_000;
const SyncAckSchema = ackSchema(SyncDeltaSchema);
const PlayAckSchema = ackSchema(PlayReceiptSchema);
const OfferAckSchema = ackSchema(PairingOfferSchema);

type Payload<E extends keyof KioskClientEvents> = Parameters<KioskClientEvents[E]>[0];
/** An acknowledgement as socket.io's `timeout()` gives it: an error when none came in time. */
type AckCallback = (err: Error | null, raw: unknown) => void;

/**
 * The socket.io client socket as the session uses it (a socket.io-client `Socket` typed with
 * the protocol fits as it is; tests pass a fake). Every server message arrives as `unknown`:
 * the session parses each one with its schema before it believes anything in it.
 */
export interface KioskSocket {
  readonly connected: boolean;
  connect(): unknown;
  disconnect(): unknown;
  emit<E extends "kiosk:applied" | "screen:status">(event: E, p: Payload<E>): unknown;
  // Overloads below, not generics: socket.io's own event types are too deep for one to match.
  timeout(ms: number): {
    emit(event: "kiosk:hello", p: Payload<"kiosk:hello">, ack: AckCallback): unknown;
    emit(event: "pairing:request", p: Payload<"pairing:request">, ack: AckCallback): unknown;
    emitWithAck(event: "kiosk:plays", p: Payload<"kiosk:plays">): Promise<unknown>;
  };
  on(event: "connect", listener: () => void): unknown;
  on(event: "connect_error", listener: (err: Error) => void): unknown;
  on(event: "disconnect", listener: (reason: string) => void): unknown;
  on(event: keyof KioskServerEvents, listener: (raw: unknown) => void): unknown;
}

/** What the session shows outside the slides (view.ts and identifyOverlay.ts in the kiosk). */
export interface KioskView {
  /** The status bar: connection state and applied version. */
  status(state: ConnectionState, version: number): void;
  /** The pairing screen with this code. */
  pairing(code: string, expiresAt: string): void;
  /** The screen's name over whatever plays; null takes it away. */
  identify(name: string | null): void;
  /** Reloads the kiosk page. */
  reload(): void;
}

/** What the session reports about the machine it runs on. */
export interface KioskDevice {
  appVersion: string;
  /** The display's size in device pixels. */
  displaySize(): { width: number; height: number };
  uptimeSeconds(): number;
  /** The page's heap in MB, where the browser tells. */
  memoryMb(): number | null;
  /** Offline storage in use and its quota (MB), as last estimated; null where not told. */
  storageMb?(): { usedMb: number; quotaMb: number } | null;
}

/** What a session needs; the kiosk passes its real parts, tests fakes where a browser would be. */
export interface KioskSessionDeps {
  socket: KioskSocket;
  store: ContentStore;
  player: Pick<
    Player,
    | "play"
    | "playSoon"
    | "pause"
    | "stop"
    | "withdraw"
    | "synced"
    | "resume"
    | "currentSlide"
    | "onStage"
  >;
  photos: Pick<PhotoCache, "retain" | "prefetch" | "clear">;
  /** Proof of play; none without offline storage. */
  plays: Pick<PlayLog, "shown" | "due" | "upload" | "end" | "stored"> | null;
  tokens: TokenStore;
  /** The kiosk's database; none: it plays from memory only. */
  db: Pick<KioskDb, "get" | "put" | "clear"> | null;
  view: KioskView;
  device: KioskDevice;
  /** Takes a picture of what the screen shows and answers the server's request (screenshot.ts). */
  screenshot?: (requestId: string) => void;
  /** Jitter for retries (tests pin it). */
  random?: () => number;
  warn?: (message: string, ...details: unknown[]) => void;
}

/**
 * The kiosk's side of the conversation with the server: pairing, the sync after every
 * (re)connect and every announced change, takedowns pushed ahead of any sync, operator
 * commands, and reconnecting with backoff. Takedown wins: a takedown leaves the screen and the
 * stored copy before it is acknowledged, and nothing new is drawn after a reconnect before
 * the sync that says what was taken down meanwhile.
 */
export class KioskSession {
  private currentToken: string | null = null;
  private state: ConnectionState = "connecting";
  private isOnline = false;
  private codeTimer: ReturnType<typeof setTimeout> | undefined;
  private identifyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Writes of what is held, chained so an older copy never lands after a newer one. */
  private persisting: Promise<void> = Promise.resolve();
  /**
   * True from a (re)connect, or a push to re-check everything, until a sync asked after it
   * succeeds: playback stays paused meanwhile.
   */
  private awaitingFirstSync = false;
  /** Pauses so far (reconnects, pushes to re-check everything): which hellos are current. */
  private pauses = 0;
  /** Emergencies a push cleared, kept off until a sync asked after the push is applied. */
  private readonly clearedEmergencies = new Set<string>();
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sync failures in a row, for the backoff of the next try. */
  private syncFailures = 0;
  private syncing = false;
  private syncAgain = false;
  private wantFull = false;
  /**
   * No sync is asked before this instant (a server's retry-after, a failure's backoff): changes
   * announced meanwhile are picked up by the one sync at its end, so a burst of pushes does not
   * become a burst of refused syncs (which the server's rate limit would end the connection
   * for). Takedowns do not wait: they travel in the push itself.
   */
  private holdUntil = 0;
  private heldSync: ReturnType<typeof setTimeout> | undefined;
  /**
   * Ids taken down by a push, with the push's version: a sync answer older than that (asked
   * before the takedown, answered after it) may still carry them, and must not bring them back.
   */
  private readonly takenDown = new Map<string, number>();
  /** Takedowns pushed whose write failed: acknowledged with the next write that lands. */
  private readonly unstored = new Set<number>();
  /** The pending catch-up sync after content that arrived in a push. */
  private catchUp: ReturnType<typeof setTimeout> | undefined;
  private readonly random: () => number;
  private readonly warn: (message: string, ...details: unknown[]) => void;

  constructor(private readonly deps: KioskSessionDeps) {
    this.random = deps.random ?? Math.random;
    this.warn = deps.warn ?? ((message, ...details) => console.warn(message, ...details));
  }

  /** The device token (null: not paired); read at every (re)connect and photo fetch. */
  get token(): string | null {
    return this.currentToken;
  }

  /** Whether the server is reachable now. */
  get online(): boolean {
    return this.isOnline;
  }

  /**
   * Plays what was last stored (paired) or forgets it (unpaired), then connects. The socket
   * must not connect by itself: the stored copy is taken back before any server is heard.
   */
  async start(): Promise<void> {
    const { db, store, socket } = this.deps;
    this.currentToken = await this.deps.tokens.get();
    if (db && this.currentToken) {
      // Play what was last synced at once, server or not; a damaged copy is dropped, not half-used.
      const raw = await db.get("state", "snapshot").catch(() => undefined);
      const stored = raw === undefined ? null : KioskSnapshotSchema.safeParse(raw);
      // The latest instant this kiosk marked (every minute while it runs): time does not run
      // backwards across a restart, whatever the clock now says (ContentStore.notBefore).
      const mark = await db.get("state", CLOCK_MARK_KEY).catch(() => undefined);
      if (stored?.success) store.restore(stored.data);
      else if (stored) {
        // One damaged record does not silence the screen: the rest plays, a full sync refills.
        const salvaged = salvageSnapshot(raw);
        if (salvaged) store.restore(salvaged);
        this.warn(
          salvaged
            ? "stored content partly damaged: playing what reads, the rest comes with a full sync"
            : "stored content unreadable, waiting for the server",
          stored.error,
        );
      }
      if (typeof mark === "number") store.notBefore(mark);
      setInterval(() => {
        // Marked only from a time learnt from the server this run, and only while paired.
        if (store.learntClockOffsetMs() === null || !this.currentToken) return;
        db.put("state", CLOCK_MARK_KEY, store.now()).catch((err: unknown) =>
          this.warn("clock mark not stored", err),
        );
      }, CLOCK_MARK_EVERY_MS);
    } else if (db) {
      // An unpaired kiosk holds nothing of any district.
      await db.clear().catch((err: unknown) => this.warn("offline storage not cleared", err));
    }
    this.listen();
    setInterval(() => this.uploadPlays(), UPLOAD_EVERY_MS);
    setInterval(() => this.reportStatus(), STATUS_EVERY_MS);
    this.render();
    socket.connect();
  }

  /** The player put a slide on screen (null: playback stopped): logged for proof of play. */
  slideShown(slide: Slide | null): void {
    const { plays } = this.deps;
    plays?.shown(slide);
    if (plays?.due) this.uploadPlays();
  }

  /** Sends a batch of plays; rejects when offline or when no receipt came in time. */
  async sendPlays(batch: PlayRecord[]): Promise<Ack<PlayReceipt>> {
    const { socket } = this.deps;
    if (!socket.connected) throw new Error("offline");
    const raw = await socket.timeout(SYNC_TIMEOUT_MS).emitWithAck("kiosk:plays", { plays: batch });
    return PlayAckSchema.parse(raw);
  }

  private listen(): void {
    const { socket } = this.deps;
    socket.on("connect", () => this.connected());
    socket.on("connect_error", (err) => this.refused(err));
    socket.on("disconnect", (reason) => {
      this.isOnline = false;
      this.state = "offline";
      this.deps.player.resume();
      this.render();
      // Not after the kiosk's own disconnect: that is a reconnect already under way.
      if (reason !== "io client disconnect") this.retrySoon();
    });
    socket.on("pairing:complete", (raw) => {
      const p = PairingCompleteSchema.safeParse(raw);
      if (!p.success) {
        this.warn("ignored malformed pairing:complete");
        return;
      }
      this.currentToken = p.data.token;
      void this.deps.tokens.set(p.data.token).then(() => this.reconnect());
    });
    socket.on("screen:token", (raw) => {
      const p = TokenRotatedSchema.safeParse(raw);
      if (!p.success) return;
      this.currentToken = p.data.token;
      void this.deps.tokens.set(p.data.token);
    });
    socket.on("screen:revoked", (raw) => {
      const p = ScreenRevokedSchema.safeParse(raw);
      if (!p.success) {
        // Ignored like any malformed message; a real unpairing also refuses the token next time.
        this.warn("ignored malformed screen:revoked");
        return;
      }
      // The server disconnects this socket right after; the reconnect then comes up unpaired.
      void this.forgetPairing(p.data.reason, false);
    });
    socket.on("screen:identify", (raw) => {
      const p = ScreenIdentifySchema.safeParse(raw);
      if (!p.success) {
        this.warn("ignored malformed screen:identify");
        return;
      }
      // Over whatever plays, never instead of it: playback and its proof go on underneath.
      clearTimeout(this.identifyTimer);
      this.deps.view.identify(p.data.name);
      this.identifyTimer = setTimeout(() => this.deps.view.identify(null), p.data.seconds * 1000);
    });
    socket.on("screen:reload", (raw) => {
      if (!ScreenReloadSchema.safeParse(raw).success) {
        this.warn("ignored malformed screen:reload");
        return;
      }
      // The slide on screen is logged and stored first; the page comes back from storage.
      const { plays } = this.deps;
      plays?.end();
      void (plays?.stored() ?? Promise.resolve())
        .then(() => this.persisting)
        .finally(() => this.deps.view.reload());
    });
    socket.on("content:changed", (raw) => this.contentChanged(raw));
    socket.on("screen:screenshot", (raw) => {
      const p = ScreenshotAskSchema.safeParse(raw);
      if (!p.success) {
        this.warn("ignored malformed screen:screenshot");
        return;
      }
      // A paired screen only: the answer goes out with its device token.
      if (this.currentToken) this.deps.screenshot?.(p.data.requestId);
    });
  }

  private connected(): void {
    const { store, player } = this.deps;
    this.isOnline = true;
    this.retries = 0;
    if (!this.currentToken) {
      this.state = "pairing";
      this.render();
      this.requestCode();
      return;
    }
    clearTimeout(this.codeTimer);
    this.state = "online";
    this.deps.view.status(this.state, store.version);
    // Takedown wins: after a reconnect nothing new is drawn before the sync is applied.
    this.awaitingFirstSync = true;
    this.pauses += 1;
    player.pause();
    // A new connection asks at once: what it missed offline is what must come off first.
    this.holdUntil = 0;
    clearTimeout(this.heldSync);
    this.heldSync = undefined;
    this.sync();
    this.reportStatus();
  }

  private refused(err: Error): void {
    const data = (err as Error & { data?: unknown }).data;
    if (
      this.currentToken &&
      typeof data === "object" &&
      data !== null &&
      "code" in data &&
      data.code === "unauthenticated"
    ) {
      void this.forgetPairing("the server no longer accepts this screen's token", true);
      return;
    }
    this.isOnline = false;
    this.state = "offline";
    this.deps.player.resume();
    this.render();
    // A busy server says when to come back (spread by what it gets through): that, not the
    // backoff, paces a fleet returning together.
    const hint = busyHintSeconds(data);
    if (hint !== undefined) this.retryIn(hint * 1000 + this.random() * 1000);
    else this.retrySoon();
  }

  private contentChanged(raw: unknown): void {
    const { store, player, photos, socket } = this.deps;
    const change = ContentChangedSchema.safeParse(raw);
    if (!change.success) {
      this.warn("ignored malformed content:changed", change.error.issues);
      return;
    }
    if (change.data.version === 0) {
      // Re-check everything (the screen moved, a schedule or an emergency changed): nothing
      // held is drawn until the full sync says what this screen may show now, and an emergency
      // named as cleared leaves the screen at once.
      const cleared = change.data.emergenciesCleared ?? [];
      this.awaitingFirstSync = true;
      this.pauses += 1;
      for (const id of cleared) this.clearedEmergencies.add(id);
      player.pause();
      if (cleared.length > 0 && store.remove(cleared)) {
        this.redrawAfterPush(cleared);
        void this.persist();
      }
      this.sync(true);
      return;
    }
    // A takedown travels in the push: off the screen and out of the store now, acknowledged
    // at once; a push that only removes needs no sync (the next one removes it again anyway).
    const removed = change.data.removedIds ?? [];
    if (removed.length > 0) {
      const { version } = change.data;
      for (const id of removed)
        this.takenDown.set(id, Math.max(version, this.takenDown.get(id) ?? 0));
      if (store.remove(removed)) {
        this.redrawAfterPush(removed);
        photos.retain(photoHashes(store));
        // Acknowledged once stored: a restart from here never brings it back. One the disk did
        // not take is acknowledged with the next that lands (that write holds it too).
        void this.persist().then((stored) => {
          if (stored) socket.emit("kiosk:applied", this.pushedAck(version));
          else if (this.unstored.size < 1000) this.unstored.add(version);
        });
      } else socket.emit("kiosk:applied", { version, pushed: [version] });
      if (change.data.ids.every((id) => removed.includes(id))) return;
    }
    // A publication travels in the push too: held at once, no round trip; the versions catch
    // up with one sync later, spread over the fleet (what was missed comes with it).
    const added = change.data.added;
    // A push at or below the version applied is old news (a sync since said what stays): what
    // it carries may have been taken down meanwhile, so it is not held.
    if (
      added &&
      added.entries.length + added.announcements.length > 0 &&
      change.data.version > store.version
    ) {
      this.holdPushed(change.data.version, added);
      const covered = new Set([
        ...removed,
        ...added.entries.map((e) => e.id),
        ...added.announcements.map((a) => a.id),
      ]);
      if (change.data.ids.every((id) => covered.has(id))) {
        this.catchUpLater();
        return;
      }
    }
    if (change.data.version > store.version) {
      // Most likely a takedown: off the screen now, the sync then says what stays.
      player.withdraw(change.data.ids);
      this.sync();
    }
  }

  /** Holds content a push carried at `version`, unless a later push took it down. */
  private holdPushed(
    version: number,
    added: { entries: ScreenEntry[]; announcements: Announcement[] },
  ): void {
    const { store, photos } = this.deps;
    const fresh = <T extends { id: string }>(items: readonly T[]): T[] =>
      items.filter((item) => {
        const takenAt = this.takenDown.get(item.id);
        if (takenAt !== undefined && takenAt >= version) return false;
        this.takenDown.delete(item.id);
        return true;
      });
    store.hold(fresh(added.entries), fresh(added.announcements));
    this.redrawAfterPush([]);
    const held = heldPhotos(store);
    photos.retain(held.map((p) => p.hash));
    for (const p of held) photos.prefetch(p.hash, p.kind);
    void this.persist();
  }

  /**
   * Redraws after a push. After a reconnect nothing is drawn before the first sync has said
   * what was taken down meanwhile, unless what is on screen was just taken down: that goes now.
   */
  private redrawAfterPush(removed: readonly string[]): void {
    // What was taken down leaves the stage at once; a slide that only moved on (the rotation
    // changed) is drawn in a task of its own, after this one has read and stored the push.
    if (!this.awaitingFirstSync || this.deps.player.onStage(removed)) this.render(true);
    else this.deps.view.status(this.state, this.deps.store.version);
  }

  /** One sync within CATCH_UP_SPREAD_MS (at a random moment, so a fleet does not ask at once). */
  private catchUpLater(): void {
    if (this.catchUp !== undefined) return;
    this.catchUp = setTimeout(() => {
      this.catchUp = undefined;
      if (this.deps.socket.connected) this.sync();
    }, this.random() * CATCH_UP_SPREAD_MS);
  }

  /** Shows the state, and plays (`soon`: in a task of its own unless something must go now). */
  private render(soon = false): void {
    const { store, player } = this.deps;
    this.deps.view.status(this.state, store.version);
    if (this.state === "pairing") player.stop();
    else if (soon) player.playSoon();
    else player.play();
  }

  /**
   * Writes what is held; serialised so an older copy never lands after a newer one. True once
   * it is stored (or there is no disk to store it on): only then is a version acknowledged, so
   * a takedown the disk did not take is not counted as done (a restart would bring it back).
   */
  persist(): Promise<boolean> {
    const { db, store } = this.deps;
    if (!db) return Promise.resolve(true);
    const snapshot = store.snapshot();
    const written = this.persisting
      .then(() => db.put("state", "snapshot", snapshot))
      .then(
        () => true,
        (err: unknown) => {
          this.warn("content not stored for offline play", err);
          return false;
        },
      );
    this.persisting = written.then(() => undefined);
    return written;
  }

  private uploadPlays(): void {
    if (this.deps.plays && this.isOnline) void this.deps.plays.upload();
  }

  private reconnect(): void {
    this.deps.socket.disconnect();
    this.deps.socket.connect();
  }

  /**
   * Every lost or refused connection is retried with full-jitter exponential backoff, so a
   * city of screens that lost the server together does not return in step.
   */
  private retrySoon(): void {
    const delay = reconnectDelay(this.retries, this.random);
    this.retries += 1;
    this.retryIn(delay);
  }

  /** Tries to connect again after `delay` ms (unless connected by then). */
  private retryIn(delay: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      // Not `socket.active`: without socket.io's reconnection it stays true after a lost link.
      if (!this.deps.socket.connected) this.deps.socket.connect();
    }, delay);
  }

  /** Forgets the token (set to null at once, so any reconnect from here is unpaired). */
  private async forgetPairing(why: string, reconnectNow: boolean): Promise<void> {
    const { store, photos, plays, db } = this.deps;
    this.warn("returning to pairing:", why);
    this.currentToken = null;
    store.reset();
    this.takenDown.clear();
    clearTimeout(this.catchUp);
    this.catchUp = undefined;
    photos.clear();
    // Nothing of the old district stays on screen while the kiosk returns to pairing.
    this.render();
    plays?.end();
    await this.deps.tokens.clear();
    await db?.clear().catch((err: unknown) => this.warn("offline storage not cleared", err));
    if (reconnectNow) this.reconnect();
  }

  private requestCode(): void {
    const { socket, device } = this.deps;
    clearTimeout(this.codeTimer);
    socket
      .timeout(SYNC_TIMEOUT_MS)
      .emit(
        "pairing:request",
        { ...device.displaySize(), appVersion: device.appVersion },
        (err, raw) => {
          const answer = err ? undefined : OfferAckSchema.safeParse(raw);
          if (!answer?.success || !answer.data.ok) {
            this.warn("no pairing code", err ?? raw);
            this.codeTimer = setTimeout(() => this.requestCode(), 10_000);
            return;
          }
          const offer = answer.data.data;
          this.deps.view.pairing(offer.code, offer.expiresAt);
          // Ask for a fresh code shortly before this one expires.
          this.codeTimer = setTimeout(
            () => this.requestCode(),
            Math.max(5_000, Date.parse(offer.expiresAt) - Date.now() - 30_000),
          );
        },
      );
  }

  /**
   * When to ask again after a failed sync: when a busy server says, spread over 3 s; else in
   * 2–5 s, doubling with each failure in a row up to a minute (a sync that keeps failing, e.g.
   * an answer this kiosk's software cannot read, must not become a steady load on the server).
   */
  private retryAfterMs(answer: ReturnType<typeof SyncAckSchema.safeParse> | undefined): number {
    const hint =
      answer?.success && !answer.data.ok ? answer.data.error.retryAfterSeconds : undefined;
    const base =
      hint !== undefined ? hint * 1000 : Math.min(60_000, 2_000 * 2 ** this.syncFailures);
    return base + this.random() * 3_000;
  }

  private sync(full = false): void {
    const { socket, store, player, photos, device } = this.deps;
    // Any sync catches up on versions: a pending catch-up is not needed any more.
    clearTimeout(this.catchUp);
    this.catchUp = undefined;
    this.wantFull ||= full;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const wait = this.holdUntil - Date.now();
    if (wait > 0) {
      this.heldSync ??= setTimeout(() => {
        this.heldSync = undefined;
        if (socket.connected) this.sync();
      }, wait);
      return;
    }
    this.syncing = true;
    const appliedVersion = this.wantFull ? 0 : store.version;
    this.wantFull = false;
    const sentAt = Date.now();
    // An answer to a hello sent before the latest pause says nothing of what paused it.
    const pausesAtHello = this.pauses;
    socket
      .timeout(SYNC_TIMEOUT_MS)
      .emit("kiosk:hello", { appliedVersion, appVersion: device.appVersion }, (err, raw) => {
        this.syncing = false;
        const answer = err ? undefined : SyncAckSchema.safeParse(raw);
        if (answer?.success && answer.data.ok) {
          const delta = answer.data.data;
          const current = pausesAtHello === this.pauses;
          const afterReconnect = this.awaitingFirstSync;
          if (current) this.awaitingFirstSync = false;
          this.syncFailures = 0;
          const skewKnown = store.learntClockOffsetMs() !== null;
          if (delta.serverTime) store.learnServerTime(delta.serverTime, sentAt, Date.now());
          // The first estimate goes out at once, not with the next 30 s report.
          if (!skewKnown && store.learntClockOffsetMs() !== null) this.reportStatus();
          store.apply(delta);
          // An emergency a push cleared after this hello was sent stays off until an answer
          // to a later hello (which no longer has it) ends the pause.
          if (current) this.clearedEmergencies.clear();
          else if (this.clearedEmergencies.size > 0) store.remove([...this.clearedEmergencies]);
          this.keepTakenDown(delta.version);
          if (current) player.synced();
          // Takedowns leave the screen first (at once), then their photos are revoked; new
          // photos load now. After a reconnect (the whole delta read and applied in this task)
          // a slide that only moved on meanwhile is drawn in a task of its own.
          this.render(afterReconnect);
          const held = heldPhotos(store);
          photos.retain(held.map((p) => p.hash));
          for (const p of held) photos.prefetch(p.hash, p.kind);
          // Stored before it is acknowledged: a restart right after never brings a takedown back.
          const version = store.version;
          // A full manifest says so: only then does the server count a moved screen as clean.
          // Its epoch echoed: a manifest made for where the screen was before a move does not
          // count where it is now.
          const applied = delta.full
            ? {
                version,
                full: true as const,
                ...(delta.manifestEpoch !== undefined ? { epoch: delta.manifestEpoch } : {}),
              }
            : { version };
          void this.persist().then((stored) => {
            if (stored) socket.emit("kiosk:applied", applied);
          });
          this.uploadPlays();
        } else {
          this.warn(
            "sync failed",
            err ?? answer?.error ?? (answer?.data.ok === false ? answer.data.error : raw),
          );
          // Takedown wins: after a reconnect the kiosk does not play on until a sync has told it
          // what was taken down meanwhile. Otherwise it plays on with what it holds (expiry
          // still applies), as when offline. Either way it asks again shortly (a busy server
          // says when), or what it missed would wait for the next change.
          if (!this.awaitingFirstSync) this.render();
          this.holdUntil = Date.now() + this.retryAfterMs(answer);
          this.syncFailures += 1;
          if (socket.connected) this.sync();
        }
        if (this.syncAgain) {
          this.syncAgain = false;
          this.sync();
        }
      });
  }

  /**
   * The acknowledgement of a takedown pushed at `version`, now stored: it and those whose write
   * failed before (this write holds them too), by version. The server counts each of them, and
   * not a takedown below them whose push never came.
   */
  private pushedAck(version: number): { version: number; pushed: number[] } {
    const pushed = [...new Set([version, ...this.unstored])].sort((a, b) => a - b);
    this.unstored.clear();
    return { version, pushed };
  }

  /**
   * After a sync answer at `version` is applied: what a push took down at a later version
   * comes out again (the answer was asked before the takedown); what an answer at or after
   * the takedown's version has settled is forgotten.
   */
  private keepTakenDown(version: number): void {
    const stillDown: string[] = [];
    for (const [id, takenAt] of this.takenDown) {
      if (version < takenAt) stillDown.push(id);
      else this.takenDown.delete(id);
    }
    this.deps.store.remove(stillDown);
  }

  private reportStatus(): void {
    const { socket, store, player, device } = this.deps;
    if (!socket.connected || !this.currentToken) return;
    socket.emit("screen:status", {
      ...device.displaySize(),
      appVersion: device.appVersion,
      appliedVersion: store.version,
      currentSlide: player.currentSlide,
      uptimeSeconds: device.uptimeSeconds(),
      memoryMb: device.memoryMb(),
      // The best (shortest round trip) estimate of server time minus this kiosk's clock.
      clockSkewMs: store.learntClockOffsetMs(),
      ...storageReport(device.storageMb?.() ?? null),
    });
  }
}

/** The storage figures of a status report, rounded; none when the device does not tell. */
function storageReport(storage: { usedMb: number; quotaMb: number } | null): {
  storageUsedMb?: number;
  storageQuotaMb?: number;
} {
  if (storage === null) return {};
  const mb = (n: number): number => Math.min(1e9, Math.max(0, Math.round(n * 10) / 10));
  return { storageUsedMb: mb(storage.usedMb), storageQuotaMb: mb(storage.quotaMb) };
}

/** The seconds a refused handshake's "overloaded" answer asks to wait, if it says. */
function busyHintSeconds(data: unknown): number | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as { code?: unknown; retryAfterSeconds?: unknown };
  if (d.code !== "overloaded" || typeof d.retryAfterSeconds !== "number") return undefined;
  // A sane bound whatever a server says: never sooner than now, never later than two minutes.
  return Math.min(120, Math.max(0, d.retryAfterSeconds));
}
