import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import { ackSchema } from "../../../shared/protocol/ackSchema";
import type { ClientToServerEvents, ServerToClientEvents } from "../../../shared/protocol/events";
import { KioskConfigSchema, type KioskConfig } from "../../../shared/schemas/kioskConfig";
import { ContentChangedSchema, SyncDeltaSchema } from "../../../shared/schemas/sync";
import { rotateSlides } from "../../../shared/schedule/rotateSlides";
import { ContentStore } from "./contentStore";
import { renderAnnouncement, renderStatus, renderWaiting, type ConnectionState } from "./view";

// The kiosk's CSP forbids eval; without this zod probes `new Function` and logs a violation.
z.config({ jitless: true });

const DWELL_MS = 10_000;
const SYNC_TIMEOUT_MS = 10_000;
const SyncAckSchema = ackSchema(SyncDeltaSchema);

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

async function start(): Promise<void> {
  const stage = requireElement("stage");
  const statusBar = requireElement("status");
  const config = await resolveConfig();
  const store = new ContentStore();
  let state: ConnectionState = "connecting";
  let slideTimer: ReturnType<typeof setTimeout> | undefined;

  const render = (): void => {
    clearTimeout(slideTimer);
    renderStatus(statusBar, state, store.version);
    const list = store.announcements();
    const slot = rotateSlides(list.length, DWELL_MS, Date.now());
    const current = slot ? list[slot.index] : undefined;
    if (!slot || !current) {
      renderWaiting(stage, config.serverUrl);
      return;
    }
    renderAnnouncement(stage, current);
    // One timer to the next change, never a polling loop.
    slideTimer = setTimeout(render, Math.max(50, slot.nextChangeAt - Date.now()));
  };

  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(config.serverUrl, {
    transports: ["websocket"],
    reconnectionDelay: 1_000,
    reconnectionDelayMax: 15_000,
    randomizationFactor: 0.5,
  });

  let syncing = false;
  let syncAgain = false;
  const sync = (): void => {
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    const appVersion = window.kiosk?.appVersion ?? "browser";
    socket
      .timeout(SYNC_TIMEOUT_MS)
      .emit("kiosk:hello", { appliedVersion: store.version, appVersion }, (err, raw) => {
        syncing = false;
        const answer = err ? undefined : SyncAckSchema.safeParse(raw);
        if (answer?.success && answer.data.ok) {
          store.apply(answer.data.data);
          render();
        } else {
          console.warn(
            "sync failed",
            err ?? answer?.error ?? (answer?.data.ok === false ? answer.data.error : raw),
          );
        }
        if (syncAgain) {
          syncAgain = false;
          sync();
        }
      });
  };

  socket.on("connect", () => {
    state = "online";
    render();
    sync();
  });
  socket.on("disconnect", () => {
    state = "offline";
    render();
  });
  socket.io.on("reconnect_attempt", () => {
    if (state !== "online") renderStatus(statusBar, "offline", store.version);
  });
  socket.on("content:changed", (raw) => {
    const change = ContentChangedSchema.safeParse(raw);
    if (!change.success) {
      console.warn("ignored malformed content:changed", change.error.issues);
      return;
    }
    if (change.data.version > store.version) sync();
  });

  render();
}

void start().catch((err: unknown) => {
  document.body.textContent = `Display failed to start: ${err instanceof Error ? err.message : String(err)}`;
});
