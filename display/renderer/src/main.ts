import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import type { KioskClientEvents, KioskServerEvents } from "../../../shared/protocol/events";
import { namespaces } from "../../../shared/protocol/namespaces";
import { KioskConfigSchema, type KioskConfig } from "../../../shared/schemas/kioskConfig";
import { ContentStore } from "./ContentStore";
import { KioskDb } from "./KioskDb";
import { KioskSession } from "./KioskSession";
import { decodeImage, PhotoCache } from "./PhotoCache";
import { Player } from "./Player";
import { indexedDbPhotoVault } from "./photoVault";
import { indexedDbPlayBuffer, PlayLog } from "./PlayLog";
import { kioskTokenStore } from "./tokenStore";
import { renderIdentify } from "./identifyOverlay";
import { answerScreenshot, pageCapture } from "./screenshot";
import { drawAhead, drawSlide, dropAhead, renderPairing, renderStatus } from "./view";

// The kiosk's CSP forbids eval; without this zod probes `new Function` and logs a violation.
z.config({ jitless: true });

const startedAt = Date.now();
watchStorage();

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

function displaySize(): { width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  return {
    width: Math.max(1, Math.round(window.screen.width * ratio)),
    height: Math.max(1, Math.round(window.screen.height * ratio)),
  };
}

/** The last estimate of the kiosk's offline storage, refreshed every minute (the API is async). */
let storageEstimate: { usedMb: number; quotaMb: number } | null = null;

function watchStorage(): void {
  const estimate = (): void => {
    void navigator.storage
      ?.estimate()
      .then((e) => {
        if (e.usage !== undefined && e.quota !== undefined && e.quota > 0)
          storageEstimate = { usedMb: e.usage / 1024 / 1024, quotaMb: e.quota / 1024 / 1024 };
      })
      .catch(() => undefined);
  };
  estimate();
  setInterval(estimate, 60_000);
}

function memoryMb(): number | null {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return memory ? memory.usedJSHeapSize / 1024 / 1024 : null;
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
  const db = await openKioskDb();
  const store = new ContentStore();
  const photos: PhotoCache = new PhotoCache({
    serverUrl: config.serverUrl,
    token: () => session.token,
    fetch: (input, init) => window.fetch(input, init),
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    decodeImage,
    onReady: (hash) => player.photoReady(hash),
    warn: (message, details) => console.warn(message, details),
    ...(db ? { vault: indexedDbPhotoVault(db) } : {}),
    online: () => session.online,
  });
  const plays: PlayLog | null = db
    ? new PlayLog({
        now: () => store.now(),
        monotonic: () => performance.now(),
        newId: () => crypto.randomUUID(),
        buffer: indexedDbPlayBuffer(db),
        send: (batch) => session.sendPlays(batch),
        warn: (message, details) => console.warn(message, details),
      })
    : null;
  const player: Player = new Player({
    draw: (slide, ctx) => drawSlide(stage, slide, ctx),
    drawAhead: (slide, ctx) => drawAhead(stage, slide, ctx),
    dropAhead: () => dropAhead(stage),
    store,
    photos,
    serverUrl: config.serverUrl,
    onShown: (slide) => session.slideShown(slide),
    onExpired: () => void session.persist(),
  });
  const socket: Socket<KioskServerEvents, KioskClientEvents> = io(
    new URL(namespaces.kiosk, config.serverUrl).href,
    {
      transports: ["websocket"],
      // Read on every (re)connect, so a rotated or cleared token takes effect at once.
      auth: (cb) => cb(session.token ? { token: session.token } : {}),
      // The kiosk reconnects itself (KioskSession): socket.io's backoff is not jittered enough.
      reconnection: false,
      // The session connects once it has taken back what was stored.
      autoConnect: false,
    },
  );
  const session: KioskSession = new KioskSession({
    socket,
    store,
    player,
    photos,
    plays,
    tokens: kioskTokenStore(),
    db,
    view: {
      status: (state, version) => renderStatus(statusBar, state, version),
      pairing: (code, expiresAt) => renderPairing(stage, code, config.serverUrl, expiresAt),
      identify: (name) => renderIdentify(document.body, name),
      reload: () => window.location.reload(),
    },
    device: {
      appVersion: window.kiosk?.appVersion ?? "browser",
      displaySize,
      uptimeSeconds: () => (Date.now() - startedAt) / 1000,
      memoryMb,
      storageMb: () => storageEstimate,
    },
    screenshot: (requestId) =>
      void answerScreenshot(requestId, {
        serverUrl: config.serverUrl,
        token: () => session.token,
        fetch: (input, init) => window.fetch(input, init),
        capture: pageCapture(),
        warn: (message, ...details) => console.warn(message, ...details),
      }),
  });
  // Best effort: the slide on screen when the page goes away is logged too.
  window.addEventListener("pagehide", () => plays?.end());
  await session.start();
}

/**
 * A display opened in a browser installs the offline shell (public/sw.js), so a reload or a
 * power cut while the server is down still brings the page up, playing from its own storage.
 * The Electron kiosk bundles its files (app://) and needs none.
 */
function installOfflineShell(): void {
  if (window.kiosk || !("serviceWorker" in navigator) || !location.protocol.startsWith("http"))
    return;
  navigator.serviceWorker
    .register("./sw.js")
    .catch((err: unknown) => console.warn("offline shell not installed", err));
}

installOfflineShell();
void start().catch((err: unknown) => {
  document.body.textContent = `Display failed to start: ${err instanceof Error ? err.message : String(err)}`;
});
