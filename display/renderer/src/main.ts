import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import { ackSchema } from "../../../shared/protocol/ackSchema";
import type { ClientToServerEvents, ServerToClientEvents } from "../../../shared/protocol/events";
import { KioskConfigSchema, type KioskConfig } from "../../../shared/schemas/kioskConfig";
import {
  PairingCompleteSchema,
  PairingOfferSchema,
  ScreenIdentifySchema,
  ScreenReloadSchema,
  ScreenRevokedSchema,
  TokenRotatedSchema,
} from "../../../shared/schemas/screen";
import { PlayReceiptSchema } from "../../../shared/schemas/proofOfPlay";
import { ContentChangedSchema, SyncDeltaSchema } from "../../../shared/schemas/sync";
import { ContentStore, KioskSnapshotSchema } from "./contentStore";
import { KioskDb } from "./kioskDb";
import { decodeImage, PhotoCache } from "./PhotoCache";
import { photoHashes, Player } from "./Player";
import { indexedDbPhotoVault } from "./photoVault";
import { indexedDbPlayBuffer, PlayLog } from "./PlayLog";
import { reconnectDelay } from "./reconnectBackoff";
import { kioskTokenStore } from "./tokenStore";
import { renderIdentify } from "./identifyOverlay";
import { drawSlide, renderPairing, renderStatus, type ConnectionState } from "./view";

// The kiosk's CSP forbids eval; without this zod probes `new Function` and logs a violation.
z.config({ jitless: true });

const SYNC_TIMEOUT_MS = 10_000;
const STATUS_EVERY_MS = 30_000;
const UPLOAD_EVERY_MS = 60_000;
const SyncAckSchema = ackSchema(SyncDeltaSchema);
const PlayAckSchema = ackSchema(PlayReceiptSchema);
const OfferAckSchema = ackSchema(PairingOfferSchema);
const startedAt = Date.now();

function requireElement(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`display markup lacks #${id}`);
  return node;
}

async function resolveConfig(): Promise<KioskConfig> {
  // Inside Electron the shell says where the server is; in a browser it is this page's origin.
  if (window.kiosk) return KioskConfigSchema.parse(await window.kiosk.getConfig());
  return { serverUrl: window.location.origin };
}

function appVersion(): string {
  return window.kiosk?.appVersion ?? "browser";
}

function displaySize(): { width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  return {
    width: Math.max(1, Math.round(window.screen.width * ratio)),
    height: Math.max(1, Math.round(window.screen.height * ratio)),
  };
}

/** Opens the kiosk's database; without one (storage disabled) the kiosk plays from memory only. */
async function openKioskDb(): Promise<KioskDb | null> {
  try {
    return await KioskDb.open();
  } catch (err) {
    console.warn(
      "no offline storage: this screen cannot play after a restart without a server",
      err,
    );
    return null;
  }
}

async function start(): Promise<void> {
  const stage = requireElement("stage");
  const statusBar = requireElement("status");
  const config = await resolveConfig();
  const tokens = kioskTokenStore();
  let token = await tokens.get();
  const store = new ContentStore();
  let state: ConnectionState = "connecting";
  let codeTimer: ReturnType<typeof setTimeout> | undefined;
  let online = false;
  const db = await openKioskDb();
  if (db && token) {
    // Play what was last synced at once, server or not; a damaged copy is dropped, not half-used.
    const raw = await db.get("state", "snapshot").catch(() => undefined);
    const stored = raw === undefined ? null : KioskSnapshotSchema.safeParse(raw);
    if (stored?.success) store.restore(stored.data);
    else if (stored)
      console.warn("stored content unreadable, waiting for the server", stored.error);
  } else if (db) {
    // An unpaired kiosk holds nothing of any district.
    await db.clear().catch((err: unknown) => console.warn("offline storage not cleared", err));
  }
  /** Writes what is held; serialised so an older copy never lands after a newer one. */
  let persisting: Promise<void> = Promise.resolve();
  const persist = (): Promise<void> => {
    if (!db) return Promise.resolve();
    const snapshot = store.snapshot();
    persisting = persisting
      .then(() => db.put("state", "snapshot", snapshot))
      .catch((err: unknown) => console.warn("content not stored for offline play", err));
    return persisting;
  };
  const photos = new PhotoCache({
    serverUrl: config.serverUrl,
    token: () => token,
    fetch: (input, init) => window.fetch(input, init),
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    decodeImage,
    onReady: (hash) => player.photoReady(hash),
    warn: (message, details) => console.warn(message, details),
    ...(db ? { vault: indexedDbPhotoVault(db) } : {}),
    online: () => online,
  });
  const plays = db
    ? new PlayLog({
        now: () => store.now(),
        monotonic: () => performance.now(),
        newId: () => crypto.randomUUID(),
        buffer: indexedDbPlayBuffer(db),
        send: async (batch) => {
          if (!socket.connected) throw new Error("offline");
          const raw: unknown = await socket
            .timeout(SYNC_TIMEOUT_MS)
            .emitWithAck("kiosk:plays", { plays: batch });
          return PlayAckSchema.parse(raw);
        },
        warn: (message, details) => console.warn(message, details),
      })
    : null;
  const uploadPlays = (): void => {
    if (plays && online) void plays.upload();
  };
  const player = new Player({
    draw: (slide, ctx) => drawSlide(stage, slide, ctx),
    store,
    photos,
    serverUrl: config.serverUrl,
    onShown: (slide) => {
      plays?.shown(slide);
      if (plays?.due) uploadPlays();
    },
  });
  setInterval(uploadPlays, UPLOAD_EVERY_MS);
  // Best effort: the slide on screen when the page goes away is logged too.
  window.addEventListener("pagehide", () => plays?.end());

  /** True from a (re)connect until a sync succeeds: playback stays paused meanwhile. */
  let awaitingFirstSync = false;

  const render = (): void => {
    renderStatus(statusBar, state, store.version);
    if (state === "pairing") player.stop();
    else player.play();
  };

  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(config.serverUrl, {
    transports: ["websocket"],
    // Read on every (re)connect, so a rotated or cleared token takes effect at once.
    auth: (cb) => cb(token ? { token } : {}),
    // The kiosk reconnects itself (below): socket.io's backoff is not jittered enough.
    reconnection: false,
  });

  const reconnect = (): void => {
    socket.disconnect();
    socket.connect();
  };

  // Every lost or refused connection is retried with full-jitter exponential backoff, so a
  // city of screens that lost the server together does not return in step.
  let retries = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const retrySoon = (): void => {
    clearTimeout(retryTimer);
    const delay = reconnectDelay(retries);
    retries += 1;
    retryTimer = setTimeout(() => {
      // Not `socket.active`: without socket.io's reconnection it stays true after a lost link.
      if (!socket.connected) socket.connect();
    }, delay);
  };

  /** Forgets the token (set to null at once, so any reconnect from here is unpaired). */
  const forgetPairing = async (why: string, reconnectNow: boolean): Promise<void> => {
    console.warn("returning to pairing:", why);
    token = null;
    store.reset();
    photos.clear();
    // Nothing of the old district stays on screen while the kiosk returns to pairing.
    render();
    plays?.end();
    await tokens.clear();
    await db?.clear().catch((err: unknown) => console.warn("offline storage not cleared", err));
    if (reconnectNow) reconnect();
  };

  const requestCode = (): void => {
    clearTimeout(codeTimer);
    socket
      .timeout(SYNC_TIMEOUT_MS)
      .emit("pairing:request", { ...displaySize(), appVersion: appVersion() }, (err, raw) => {
        const answer = err ? undefined : OfferAckSchema.safeParse(raw);
        if (!answer?.success || !answer.data.ok) {
          console.warn("no pairing code", err ?? raw);
          codeTimer = setTimeout(requestCode, 10_000);
          return;
        }
        const offer = answer.data.data;
        renderPairing(stage, offer.code, config.serverUrl, offer.expiresAt);
        // Ask for a fresh code shortly before this one expires.
        codeTimer = setTimeout(
          requestCode,
          Math.max(5_000, Date.parse(offer.expiresAt) - Date.now() - 30_000),
        );
      });
  };

  /**
   * When to ask again after a failed sync: when a busy server says, spread over 3 s; else in
   * 2–5 s, doubling with each failure in a row up to a minute (a sync that keeps failing, e.g.
   * an answer this kiosk's software cannot read, must not become a steady load on the server).
   */
  let syncFailures = 0;
  const retryAfterMs = (answer: ReturnType<typeof SyncAckSchema.safeParse> | undefined): number => {
    const hint =
      answer?.success && !answer.data.ok ? answer.data.error.retryAfterSeconds : undefined;
    const base = hint !== undefined ? hint * 1000 : Math.min(60_000, 2_000 * 2 ** syncFailures);
    return base + Math.random() * 3_000;
  };

  let syncing = false;
  let syncAgain = false;
  let wantFull = false;
  /**
   * No sync is asked before this instant (a server's retry-after, a failure's backoff): changes
   * announced meanwhile are picked up by the one sync at its end, so a burst of pushes does not
   * become a burst of refused syncs (which the server's rate limit would end the connection
   * for). Takedowns do not wait: they travel in the push itself.
   */
  let holdUntil = 0;
  let heldSync: ReturnType<typeof setTimeout> | undefined;
  const sync = (full = false): void => {
    wantFull ||= full;
    if (syncing) {
      syncAgain = true;
      return;
    }
    const wait = holdUntil - Date.now();
    if (wait > 0) {
      heldSync ??= setTimeout(() => {
        heldSync = undefined;
        if (socket.connected) sync();
      }, wait);
      return;
    }
    syncing = true;
    const appliedVersion = wantFull ? 0 : store.version;
    wantFull = false;
    const sentAt = Date.now();
    socket
      .timeout(SYNC_TIMEOUT_MS)
      .emit("kiosk:hello", { appliedVersion, appVersion: appVersion() }, (err, raw) => {
        syncing = false;
        const answer = err ? undefined : SyncAckSchema.safeParse(raw);
        if (answer?.success && answer.data.ok) {
          const delta = answer.data.data;
          awaitingFirstSync = false;
          syncFailures = 0;
          const skewKnown = store.learntClockOffsetMs() !== null;
          if (delta.serverTime) store.learnServerTime(delta.serverTime, sentAt, Date.now());
          // The first estimate goes out at once, not with the next 30 s report.
          if (!skewKnown && store.learntClockOffsetMs() !== null) reportStatus();
          store.apply(delta);
          player.synced();
          // Takedowns leave the screen first, then their photos are revoked; new photos load now.
          render();
          const held = photoHashes(store);
          photos.retain(held);
          for (const hash of held) photos.prefetch(hash);
          // Stored before it is acknowledged: a restart right after never brings a takedown back.
          const version = store.version;
          // A full manifest says so: only then does the server count a moved screen as clean.
          const applied = delta.full ? { version, full: true as const } : { version };
          void persist().then(() => socket.emit("kiosk:applied", applied));
          uploadPlays();
        } else {
          console.warn(
            "sync failed",
            err ?? answer?.error ?? (answer?.data.ok === false ? answer.data.error : raw),
          );
          // Takedown wins: after a reconnect the kiosk does not play on until a sync has told it
          // what was taken down meanwhile. Otherwise it plays on with what it holds (expiry
          // still applies), as when offline. Either way it asks again shortly (a busy server
          // says when), or what it missed would wait for the next change.
          if (!awaitingFirstSync) render();
          holdUntil = Date.now() + retryAfterMs(answer);
          syncFailures += 1;
          if (socket.connected) sync();
        }
        if (syncAgain) {
          syncAgain = false;
          sync();
        }
      });
  };

  const reportStatus = (): void => {
    if (!socket.connected || !token) return;
    const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    socket.emit("screen:status", {
      ...displaySize(),
      appVersion: appVersion(),
      appliedVersion: store.version,
      currentSlide: player.currentSlide,
      uptimeSeconds: (Date.now() - startedAt) / 1000,
      memoryMb: memory ? memory.usedJSHeapSize / 1024 / 1024 : null,
      // The best (shortest round trip) estimate of server time minus this kiosk's clock.
      clockSkewMs: store.learntClockOffsetMs(),
    });
  };
  setInterval(reportStatus, STATUS_EVERY_MS);

  socket.on("connect", () => {
    online = true;
    retries = 0;
    if (!token) {
      state = "pairing";
      render();
      requestCode();
      return;
    }
    clearTimeout(codeTimer);
    state = "online";
    renderStatus(statusBar, state, store.version);
    // Takedown wins: after a reconnect nothing new is drawn before the sync is applied.
    awaitingFirstSync = true;
    player.pause();
    // A new connection asks at once: what it missed offline is what must come off first.
    holdUntil = 0;
    clearTimeout(heldSync);
    heldSync = undefined;
    sync();
    reportStatus();
  });
  socket.on("connect_error", (err) => {
    const data = (err as Error & { data?: unknown }).data;
    if (
      token &&
      typeof data === "object" &&
      data !== null &&
      "code" in data &&
      data.code === "unauthenticated"
    ) {
      void forgetPairing("the server no longer accepts this screen's token", true);
      return;
    }
    online = false;
    state = "offline";
    render();
    retrySoon();
  });
  socket.on("disconnect", (reason) => {
    online = false;
    state = "offline";
    render();
    // Not after the kiosk's own disconnect: that is a reconnect already under way.
    if (reason !== "io client disconnect") retrySoon();
  });
  socket.on("pairing:complete", (raw) => {
    const p = PairingCompleteSchema.safeParse(raw);
    if (!p.success) {
      console.warn("ignored malformed pairing:complete");
      return;
    }
    token = p.data.token;
    void tokens.set(p.data.token).then(reconnect);
  });
  socket.on("screen:token", (raw) => {
    const p = TokenRotatedSchema.safeParse(raw);
    if (!p.success) return;
    token = p.data.token;
    void tokens.set(p.data.token);
  });
  socket.on("screen:revoked", (raw) => {
    const p = ScreenRevokedSchema.safeParse(raw);
    if (!p.success) {
      // Ignored like any malformed message; a real unpairing also refuses the token next time.
      console.warn("ignored malformed screen:revoked");
      return;
    }
    // The server disconnects this socket right after; the reconnect then comes up unpaired.
    void forgetPairing(p.data.reason, false);
  });
  let identifyTimer: ReturnType<typeof setTimeout> | undefined;
  socket.on("screen:identify", (raw) => {
    const p = ScreenIdentifySchema.safeParse(raw);
    if (!p.success) {
      console.warn("ignored malformed screen:identify");
      return;
    }
    // Over whatever plays, never instead of it: playback and its proof go on underneath.
    clearTimeout(identifyTimer);
    renderIdentify(document.body, p.data.name);
    identifyTimer = setTimeout(() => renderIdentify(document.body, null), p.data.seconds * 1000);
  });
  socket.on("screen:reload", (raw) => {
    if (!ScreenReloadSchema.safeParse(raw).success) {
      console.warn("ignored malformed screen:reload");
      return;
    }
    // The slide on screen is logged and stored first; the page comes back from storage.
    plays?.end();
    void (plays?.stored() ?? Promise.resolve())
      .then(() => persisting)
      .finally(() => window.location.reload());
  });
  socket.on("content:changed", (raw) => {
    const change = ContentChangedSchema.safeParse(raw);
    if (!change.success) {
      console.warn("ignored malformed content:changed", change.error.issues);
      return;
    }
    // A takedown travels in the push: off the screen and out of the store now, acknowledged
    // at once; a push that only removes needs no sync (the next one removes it again anyway).
    const removed = change.data.removedIds ?? [];
    if (removed.length > 0) {
      const { version } = change.data;
      if (store.remove(removed)) {
        render();
        photos.retain(photoHashes(store));
        // Acknowledged once stored: a restart from here never brings it back.
        void persist().then(() => socket.emit("kiosk:applied", { version }));
      } else socket.emit("kiosk:applied", { version });
      if (change.data.ids.every((id) => removed.includes(id))) return;
    }
    // Version 0 means "re-check everything" (e.g. the screen moved to another district).
    if (change.data.version === 0) sync(true);
    else if (change.data.version > store.version) {
      // Most likely a takedown: off the screen now, the sync then says what stays.
      player.withdraw(change.data.ids);
      sync();
    }
  });

  render();
}

void start().catch((err: unknown) => {
  document.body.textContent = `Display failed to start: ${err instanceof Error ? err.message : String(err)}`;
});
