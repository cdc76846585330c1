/**
 * A process of simulated kiosks for the fan-out benchmark (forked by fanout.ts). It connects
 * its share of screens the way the renderer does (websocket only, device token), keeps each at
 * its applied version, re-syncs on every content:changed, acknowledges with kiosk:applied, and
 * reports to the parent when a watched entry arrives or leaves, with the time it happened.
 * With `reconnect` (the two-process run, through a load balancer) a kiosk whose connection
 * drops reconnects as the renderer does, syncs from its applied version, and reports it is back.
 */
import { io, type Socket } from "socket.io-client";
import type { KioskClientEvents, KioskServerEvents } from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";
import { SyncDeltaSchema } from "../../shared/schemas/sync";
import { CATCH_UP_SPREAD_MS } from "../../display/renderer/src/KioskSession";

type Kiosk = Socket<KioskServerEvents, KioskClientEvents>;

/** Messages from the parent. */
export type ToKiosks =
  | { type: "connect"; url: string; tokens: string[]; reconnect?: boolean }
  | { type: "watch"; entryId: string }
  | { type: "raw"; url: string }
  | { type: "close" };

/** Messages to the parent. */
export type FromKiosks =
  | { type: "connected"; count: number; failed: number }
  | { type: "seen"; entryId: string; present: boolean; at: number }
  | { type: "raw-ready"; count: number }
  | { type: "raw-seen"; at: number }
  | { type: "lost" }
  | { type: "back"; at: number; version: number }
  /** The server said "overloaded, come back in `seconds`", at the handshake or to a sync. */
  | { type: "refused"; where: "handshake" | "sync"; seconds: number };

const send = (m: FromKiosks): void => {
  process.send?.(m);
};

const sockets: Kiosk[] = [];
const rawSockets: Socket[] = [];
let watched: string | undefined;

async function connectAll(url: string, tokens: string[], reconnect = false): Promise<void> {
  let failed = 0;
  const one = (token: string) =>
    new Promise<void>((resolve) => {
      const s: Kiosk = io(new URL(namespaces.kiosk, url).href, {
        transports: ["websocket"],
        auth: { token },
        reconnection: false,
        forceNew: true,
      });
      let applied = 0;
      let catchUp: ReturnType<typeof setTimeout> | undefined;
      let returning = false;
      const sync = async (): Promise<void> => {
        const raw: unknown = await s.timeout(60_000).emitWithAck("kiosk:hello", {
          appliedVersion: applied,
        });
        const ack = raw as { ok: boolean; data?: unknown; error?: { retryAfterSeconds?: number } };
        if (!ack.ok) {
          // As the renderer: a busy server is asked again when it says (spread over 3 s).
          const wait = (ack.error?.retryAfterSeconds ?? 2) * 1000 + Math.random() * 3000;
          send({ type: "refused", where: "sync", seconds: ack.error?.retryAfterSeconds ?? 0 });
          setTimeout(() => void sync().catch(() => undefined), wait);
          return;
        }
        const delta = SyncDeltaSchema.parse(ack.data);
        const at = Date.now();
        applied = delta.version;
        s.emit("kiosk:applied", { version: applied });
        if (returning) {
          returning = false;
          send({ type: "back", at, version: applied });
        }
        if (watched !== undefined) {
          if (delta.removedIds.includes(watched))
            send({ type: "seen", entryId: watched, present: false, at });
          else if (delta.entries.some((e) => e.id === watched))
            send({ type: "seen", entryId: watched, present: true, at });
        }
      };
      s.on("content:changed", (change) => {
        // As the renderer does: a takedown is applied from the push itself and acknowledged;
        // only a change that adds something needs the round trip.
        const removed = change.removedIds ?? [];
        if (removed.length > 0) {
          const at = Date.now();
          s.emit("kiosk:applied", { version: change.version });
          if (watched !== undefined && removed.includes(watched))
            send({ type: "seen", entryId: watched, present: false, at });
          if (change.ids.every((id) => removed.includes(id))) return;
        }
        // A publication carried in the push is held at once; the version catches up with one
        // sync at a random moment within the spread, as the renderer does.
        const added = change.added?.entries ?? [];
        if (added.length + (change.added?.announcements.length ?? 0) > 0) {
          const at = Date.now();
          if (watched !== undefined && added.some((e) => e.id === watched))
            send({ type: "seen", entryId: watched, present: true, at });
          const covered = new Set([
            ...removed,
            ...added.map((e) => e.id),
            ...(change.added?.announcements ?? []).map((a) => a.id),
          ]);
          if (change.ids.every((id) => covered.has(id))) {
            catchUp ??= setTimeout(() => {
              catchUp = undefined;
              void sync().catch(() => undefined);
            }, Math.random() * CATCH_UP_SPREAD_MS);
            return;
          }
        }
        void sync().catch(() => undefined);
      });
      s.once("connect", () => {
        sockets.push(s);
        void sync().then(resolve, () => resolve());
        if (!reconnect) return;
        // From here on a dropped connection is retried (1–5 s, randomised), and the first sync
        // after it reports the kiosk back.
        s.io.reconnection(true).reconnectionDelay(1_000).reconnectionDelayMax(5_000);
        s.on("disconnect", (reason) => {
          if (reason !== "io client disconnect") send({ type: "lost" });
        });
        s.on("connect", () => {
          returning = true;
          void sync().catch(() => undefined);
        });
        // A reconnect the server refused at the handshake (as "overloaded" while it takes the
        // dead process's fleet) is not retried by socket.io itself: as the renderer, come back
        // when the server says, else within 1–5 s.
        s.on("connect_error", (err: Error & { data?: { retryAfterSeconds?: number } }) => {
          const wait = (err.data?.retryAfterSeconds ?? 1) * 1000 + Math.random() * 4000;
          const seconds = err.data?.retryAfterSeconds;
          if (seconds !== undefined) send({ type: "refused", where: "handshake", seconds });
          setTimeout(() => {
            if (!s.connected) s.connect();
          }, wait);
        });
      });
      s.once("connect_error", () => {
        failed += 1;
        resolve();
      });
    });
  // A few hundred handshakes at a time, as a real fleet arrives spread over seconds.
  for (let i = 0; i < tokens.length; i += 200) {
    await Promise.all(tokens.slice(i, i + 200).map(one));
  }
  send({ type: "connected", count: sockets.length, failed });
}

async function connectRaw(url: string, count: number): Promise<void> {
  const one = () =>
    new Promise<void>((resolve) => {
      // The same namespace as the kiosks, so the baseline routes packets as they are routed.
      const s = io(new URL(namespaces.kiosk, url).href, {
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
      });
      s.on("raw", () => send({ type: "raw-seen", at: Date.now() }));
      s.once("connect", () => {
        rawSockets.push(s);
        resolve();
      });
      s.once("connect_error", () => resolve());
    });
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, one));
  }
  send({ type: "raw-ready", count: rawSockets.length });
}

let share = 0;
process.on("message", (m: ToKiosks) => {
  switch (m.type) {
    case "connect":
      share = m.tokens.length;
      void connectAll(m.url, m.tokens, m.reconnect);
      break;
    case "watch":
      watched = m.entryId;
      break;
    case "raw":
      // The app sockets go first, so the raw broadcast runs with the same number of clients.
      for (const s of sockets.splice(0)) s.disconnect();
      void connectRaw(m.url, share);
      break;
    case "close":
      for (const s of [...sockets, ...rawSockets]) s.disconnect();
      process.exit(0);
  }
});
