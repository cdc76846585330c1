import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import { ackSchema } from "../../../shared/protocol/ackSchema";
import type { ClientToServerEvents, ServerToClientEvents } from "../../../shared/protocol/events";
import { KioskConfigSchema, type KioskConfig } from "../../../shared/schemas/kioskConfig";
import {
  PairingCompleteSchema,
  PairingOfferSchema,
  ScreenRevokedSchema,
  TokenRotatedSchema,
} from "../../../shared/schemas/screen";
import { ContentChangedSchema, SyncDeltaSchema } from "../../../shared/schemas/sync";
import { ContentStore } from "./contentStore";
import { decodeImage, PhotoCache } from "./PhotoCache";
import { photoHashes, Player } from "./Player";
import { kioskTokenStore } from "./tokenStore";
import { drawSlide, renderPairing, renderStatus, type ConnectionState } from "./view";

// The kiosk's CSP forbids eval; without this zod probes `new Function` and logs a violation.
z.config({ jitless: true });

const SYNC_TIMEOUT_MS = 10_000;
const STATUS_EVERY_MS = 30_000;
const SyncAckSchema = ackSchema(SyncDeltaSchema);
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

async function start(): Promise<void> {
  const stage = requireElement("stage");
  const statusBar = requireElement("status");
  const config = await resolveConfig();
  const tokens = kioskTokenStore();
  let token = await tokens.get();
  const store = new ContentStore();
  let state: ConnectionState = "connecting";
  let codeTimer: ReturnType<typeof setTimeout> | undefined;
  const photos = new PhotoCache({
    serverUrl: config.serverUrl,
    token: () => token,
    fetch: (input, init) => window.fetch(input, init),
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    decodeImage,
    onReady: (hash) => player.photoReady(hash),
    warn: (message, details) => console.warn(message, details),
  });
  const player = new Player({
    draw: (slide, ctx) => drawSlide(stage, slide, ctx),
    store,
    photos,
    serverUrl: config.serverUrl,
  });

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
    reconnectionDelay: 1_000,
    reconnectionDelayMax: 15_000,
    randomizationFactor: 0.5,
  });

  const reconnect = (): void => {
    socket.disconnect();
    socket.connect();
  };

  // socket.io gives up after a refused handshake or a server-side disconnect; the kiosk must
  // not: retry with full-jitter exponential backoff so a city of screens does not return in step.
  let retries = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const retrySoon = (): void => {
    clearTimeout(retryTimer);
    const delay = Math.random() * Math.min(30_000, 1_000 * 2 ** retries);
    retries = Math.min(retries + 1, 10);
    retryTimer = setTimeout(() => {
      if (!socket.connected && !socket.active) socket.connect();
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
    await tokens.clear();
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

  let syncing = false;
  let syncAgain = false;
  let wantFull = false;
  const sync = (full = false): void => {
    wantFull ||= full;
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    const appliedVersion = wantFull ? 0 : store.version;
    wantFull = false;
    socket
      .timeout(SYNC_TIMEOUT_MS)
      .emit("kiosk:hello", { appliedVersion, appVersion: appVersion() }, (err, raw) => {
        syncing = false;
        const answer = err ? undefined : SyncAckSchema.safeParse(raw);
        if (answer?.success && answer.data.ok) {
          awaitingFirstSync = false;
          store.apply(answer.data.data);
          player.synced();
          // Takedowns leave the screen first, then their photos are revoked; new photos load now.
          render();
          const held = photoHashes(store);
          photos.retain(held);
          for (const hash of held) photos.prefetch(hash);
          // The acknowledgement of every takedown up to this version (the console counts them).
          socket.emit("kiosk:applied", { version: store.version });
        } else {
          console.warn(
            "sync failed",
            err ?? answer?.error ?? (answer?.data.ok === false ? answer.data.error : raw),
          );
          if (awaitingFirstSync && socket.connected) {
            // Takedown wins: after a reconnect the kiosk does not play on until a sync has
            // told it what was taken down meanwhile; it asks again shortly.
            setTimeout(() => sync(), 2_000 + Math.random() * 3_000);
          } else {
            // Play on with what is held (expiry still applies), as when offline.
            render();
          }
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
    });
  };
  setInterval(reportStatus, STATUS_EVERY_MS);

  socket.on("connect", () => {
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
    state = "offline";
    render();
    if (!socket.active) retrySoon();
  });
  socket.on("disconnect", (reason) => {
    state = "offline";
    render();
    // After the server's own disconnect (unpaired, token rotated) socket.io does not reconnect.
    if (reason === "io server disconnect") retrySoon();
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
    // The server disconnects this socket right after; the reconnect then comes up unpaired.
    void forgetPairing(p.success ? p.data.reason : "unpaired", false);
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
      if (store.remove(removed)) {
        render();
        photos.retain(photoHashes(store));
      }
      socket.emit("kiosk:applied", { version: change.data.version });
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
