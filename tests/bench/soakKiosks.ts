/**
 * A process of simulated kiosks for the server soak (forked by soakServer.ts). Each kiosk
 * connects, syncs (`kiosk:hello`), stays a while, disconnects, stays away a while and comes
 * back, over and over until told to stop; then it disconnects for good and the process reports
 * how many connections and syncs each kiosk made.
 */
import { io, type Socket } from "socket.io-client";
import type { KioskClientEvents, KioskServerEvents } from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { SyncDeltaSchema } from "../../shared/schemas/sync";

type Kiosk = Socket<KioskServerEvents, KioskClientEvents>;
const SyncAck = ackSchema(SyncDeltaSchema);

/** Messages from the parent. */
export type ToSoakKiosks =
  | {
      type: "start";
      url: string;
      tokens: string[];
      /** How long a kiosk stays connected, and away, in ms: [least, most]. */
      holdMs: [number, number];
      awayMs: [number, number];
    }
  | { type: "stop" };

/** Messages to the parent. */
export type FromSoakKiosks =
  | { type: "connected"; count: number }
  | {
      type: "stopped";
      kiosks: number;
      /** Connections that completed a sync. */
      syncs: number;
      /** Connections refused, failed or whose sync failed. */
      failures: number;
      /** Kiosks that synced again after a disconnect of their own, at least once. */
      reconnected: number;
      /** Kiosks whose last visit before the stop synced. */
      healthy: number;
      /** Why connections or syncs failed: error code or message, and how often. */
      reasons: Record<string, number>;
    };

const send = (m: FromSoakKiosks): void => {
  process.send?.(m);
};

interface KioskState {
  socket: Kiosk;
  syncs: number;
  failures: number;
  healthy: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const kiosks: KioskState[] = [];
let stopping = false;
const reasons: Record<string, number> = {};
const failedBecause = (reason: string): void => {
  reasons[reason] = (reasons[reason] ?? 0) + 1;
};
const between = ([least, most]: [number, number]): number =>
  least + Math.random() * Math.max(0, most - least);

function kiosk(
  url: string,
  token: string,
  holdMs: [number, number],
  awayMs: [number, number],
  onFirst: () => void,
): KioskState {
  const socket: Kiosk = io(new URL(namespaces.kiosk, url).href, {
    transports: ["websocket"],
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  const k: KioskState = { socket, syncs: 0, failures: 0, healthy: false, timer: undefined };
  let first = true;
  const firstDone = (): void => {
    if (first) {
      first = false;
      onFirst();
    }
  };
  const comeBackLater = (): void => {
    clearTimeout(k.timer);
    if (stopping) return;
    k.timer = setTimeout(() => {
      if (!stopping && !socket.connected) socket.connect();
    }, between(awayMs));
  };
  socket.on("connect", () => {
    socket.timeout(30_000).emit("kiosk:hello", { appliedVersion: 0 }, (err, raw) => {
      const ack = err ? undefined : SyncAck.safeParse(raw);
      if (ack?.success && ack.data.ok) {
        k.syncs += 1;
        k.healthy = true;
        socket.emit("kiosk:applied", { version: ack.data.data.version });
      } else {
        k.failures += 1;
        k.healthy = false;
        failedBecause(
          err ? "sync timeout" : ack?.success && !ack.data.ok ? ack.data.error.code : "bad ack",
        );
      }
      firstDone();
      if (stopping) return;
      clearTimeout(k.timer);
      k.timer = setTimeout(() => socket.disconnect(), between(holdMs));
    });
  });
  socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
    failedBecause(err.data?.code ?? err.message);
    k.failures += 1;
    k.healthy = false;
    firstDone();
    comeBackLater();
  });
  // Away between visits: still healthy if its last visit synced.
  socket.on("disconnect", comeBackLater);
  return k;
}

async function startAll(m: Extract<ToSoakKiosks, { type: "start" }>): Promise<void> {
  // A few hundred at a time, as a fleet arrives spread over seconds.
  for (let i = 0; i < m.tokens.length; i += 200) {
    await Promise.all(
      m.tokens.slice(i, i + 200).map(
        (token) =>
          new Promise<void>((resolve) => {
            kiosks.push(kiosk(m.url, token, m.holdMs, m.awayMs, resolve));
          }),
      ),
    );
  }
  send({ type: "connected", count: kiosks.filter((k) => k.syncs > 0).length });
}

process.on("message", (m: ToSoakKiosks) => {
  switch (m.type) {
    case "start":
      void startAll(m);
      break;
    case "stop":
      stopping = true;
      for (const k of kiosks) {
        clearTimeout(k.timer);
        k.socket.disconnect();
      }
      send({
        type: "stopped",
        kiosks: kiosks.length,
        syncs: kiosks.reduce((n, k) => n + k.syncs, 0),
        failures: kiosks.reduce((n, k) => n + k.failures, 0),
        reconnected: kiosks.filter((k) => k.syncs >= 2).length,
        healthy: kiosks.filter((k) => k.healthy).length,
        reasons,
      });
      setTimeout(() => process.exit(0), 200);
  }
});
