/**
 * A process of simulated kiosks for the reconnect-storm benchmark (forked by storm.ts). Each
 * holds its content in the renderer's own ContentStore and reconnects as the renderer does
 * (no socket.io reconnection; full-jitter backoff from reconnectBackoff.ts; after a reconnect
 * nothing is "drawn" until a sync has been applied). It reports when it is back at the target
 * version, and whether it would have drawn the revoked entry once back.
 */
import { io, type Socket } from "socket.io-client";
import { ContentStore } from "../../display/renderer/src/ContentStore";
import { reconnectDelay } from "../../display/renderer/src/reconnectBackoff";
import type { KioskClientEvents, KioskServerEvents } from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { ContentChangedSchema, SyncDeltaSchema } from "../../shared/schemas/sync";

type Kiosk = Socket<KioskServerEvents, KioskClientEvents>;
const SyncAck = ackSchema(SyncDeltaSchema);

/** Messages from the parent. */
export type ToStormKiosks =
  | {
      type: "connect";
      url: string;
      tokens: string[];
      /** Retry every second in step (a naive fleet) instead of the renderer's jitter. */
      lockstep: boolean;
    }
  | { type: "target"; version: number; revokedId: string; publishedId: string }
  /** The server is listening again since `at`. */
  | { type: "restarted"; at: number }
  | { type: "close" };

/** Messages to the parent. */
export type FromStormKiosks =
  | { type: "connected"; count: number; failed: number }
  | {
      type: "recovered";
      at: number;
      /** Held the revoked entry when it resumed playing after the reconnect. */
      drewRevoked: boolean;
      /** Lacked the entry published while the server was down. */
      missedPublished: boolean;
      /** Its first connection attempt after the restart (null: none seen after it). */
      firstAttemptAt: number | null;
      /** The connection that recovered was accepted then (the handshake completed). */
      connectedAt: number;
    }
  | {
      type: "attempts";
      count: number;
      overloaded: number;
      /** Connections refused as "overloaded" at the handshake (the kiosk waited as told). */
      busyRefusals: number;
      connectErrors: Record<string, number>;
      /** CPU this process used from the restart to now, in ms (user + system). */
      cpuMs: number;
    };

const send = (m: FromStormKiosks): void => {
  process.send?.(m);
};

let target: Extract<ToStormKiosks, { type: "target" }> | undefined;
let restartedAt: number | undefined;
let lockstep = false;
const sockets: Kiosk[] = [];
let attempts = 0;
let overloaded = 0;
let busyRefusals = 0;
/** Failed connection attempts by what the client said (after the restart). */
const connectErrors: Record<string, number> = {};
let cpuAtRestart: NodeJS.CpuUsage | undefined;

function kiosk(url: string, token: string, onFirstSync: (ok: boolean) => void): Kiosk {
  const store = new ContentStore();
  const s: Kiosk = io(new URL(namespaces.kiosk, url).href, {
    transports: ["websocket"],
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  let retries = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let awaiting = true;
  let reported = false;
  let first = true;
  const attemptTimes: number[] = [];
  let connectedAt = 0;
  const retryIn = (delay: number): void => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (!s.connected) {
        attempts += 1;
        attemptTimes.push(Date.now());
        s.connect();
      }
    }, delay);
  };
  const retrySoon = (): void => retryIn(lockstep ? 1_000 : reconnectDelay(retries++));
  // As the renderer: a busy server's hint, not the backoff, says when to come back.
  const refused = (err: Error & { data?: { code?: string; retryAfterSeconds?: number } }): void => {
    if (restartedAt !== undefined) {
      const why = err.data?.code ?? err.message;
      connectErrors[why] = (connectErrors[why] ?? 0) + 1;
    }
    const hint = err.data?.code === "overloaded" ? err.data.retryAfterSeconds : undefined;
    if (hint === undefined || lockstep) {
      retrySoon();
      return;
    }
    busyRefusals += 1;
    retryIn(hint * 1000 + Math.random() * 1000);
  };
  const sync = (): void => {
    s.timeout(60_000).emit("kiosk:hello", { appliedVersion: store.version }, (err, raw) => {
      const ack = err ? undefined : SyncAck.safeParse(raw);
      if (!ack?.success || !ack.data.ok) {
        if (ack?.success && !ack.data.ok && ack.data.error.code === "overloaded") overloaded += 1;
        if (first) {
          first = false;
          onFirstSync(false);
        }
        // As the renderer: paused until a sync succeeds, asking again when the server says.
        const hint = ack?.success && !ack.data.ok ? ack.data.error.retryAfterSeconds : undefined;
        if (s.connected) setTimeout(sync, (hint ?? 2) * 1000 + Math.random() * 3_000);
        return;
      }
      const wasAwaiting = awaiting;
      awaiting = false;
      store.apply(ack.data.data);
      s.emit("kiosk:applied", { version: store.version });
      if (first) {
        first = false;
        onFirstSync(true);
      }
      if (target && !reported && store.version >= target.version) {
        reported = true;
        const held = new Set(store.entries().map((e) => e.id));
        send({
          type: "recovered",
          at: Date.now(),
          drewRevoked: wasAwaiting && held.has(target.revokedId),
          missedPublished: !held.has(target.publishedId),
          firstAttemptAt:
            restartedAt === undefined
              ? null
              : (attemptTimes.find((t) => t >= (restartedAt ?? 0)) ?? null),
          connectedAt,
        });
      }
    });
  };
  s.on("connect", () => {
    connectedAt = Date.now();
    retries = 0;
    awaiting = true;
    sync();
  });
  s.on("connect_error", refused);
  s.on("disconnect", (reason) => {
    if (reason !== "io client disconnect") retrySoon();
  });
  s.on("content:changed", (raw) => {
    const change = ContentChangedSchema.safeParse(raw);
    if (!change.success) return;
    const removed = change.data.removedIds ?? [];
    if (removed.length > 0) {
      store.remove(removed);
      s.emit("kiosk:applied", { version: change.data.version });
      if (change.data.ids.every((id) => removed.includes(id))) return;
    }
    sync();
  });
  return s;
}

async function connectAll(url: string, tokens: string[]): Promise<void> {
  let failed = 0;
  // A few hundred at a time, as a fleet arrives spread over seconds.
  for (let i = 0; i < tokens.length; i += 200) {
    await Promise.all(
      tokens.slice(i, i + 200).map(
        (token) =>
          new Promise<void>((resolve) => {
            sockets.push(
              kiosk(url, token, (ok) => {
                if (!ok) failed += 1;
                resolve();
              }),
            );
          }),
      ),
    );
  }
  send({ type: "connected", count: tokens.length - failed, failed });
}

process.on("message", (m: ToStormKiosks) => {
  switch (m.type) {
    case "connect":
      lockstep = m.lockstep;
      void connectAll(m.url, m.tokens);
      break;
    case "target":
      target = m;
      break;
    case "restarted":
      restartedAt = m.at;
      cpuAtRestart = process.cpuUsage();
      break;
    case "close":
      {
        const cpu = process.cpuUsage(cpuAtRestart);
        send({
          type: "attempts",
          count: attempts,
          overloaded,
          busyRefusals,
          connectErrors,
          cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        });
      }
      for (const s of sockets) s.disconnect();
      setTimeout(() => process.exit(0), 100);
  }
});
