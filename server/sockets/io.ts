import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/protocol/events";

/** What the server remembers about each connected socket. */
export interface SocketData {
  /**
   * "pairing" until a device token proves which screen this is; "console" for a signed-in
   * console user's socket (it only receives, e.g. import progress).
   */
  mode: "pairing" | "screen" | "console";
  /** The console user, in "console" mode. */
  userId?: string;
  /** The hash of the session the console socket was opened with: it ends with the session. */
  sessionHash?: string;
  screenId?: string;
  districtId?: string;
  /** Kiosk-reported software version, once it said hello. */
  appVersion?: string;
  /**
   * The last full manifest this socket was answered: its version and the screen's district
   * epoch it was made for. Only the kiosk's acknowledgement of that manifest ends a move's
   * "may still hold content from elsewhere".
   */
  fullSync?: { version: number; epoch: number };
}

/** What server processes tell each other through the adapter (scale-out only). */
export interface InterServerEvents {
  /** Content, a schedule or an emergency changed: drop cached sync answers. */
  "sync:invalidate": () => void;
}

/** The typed socket.io server. */
export type SignageIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** How socket.io's adapter is given (e.g. the Redis Streams adapter for several processes). */
export type AdapterFactory = NonNullable<Partial<ServerOptions>["adapter"]>;

/**
 * Creates the socket.io server: websocket transport only (no sticky sessions), no compression;
 * with an adapter, rooms span every server process sharing it.
 */
export function createIo(httpServer: HttpServer, adapter?: AdapterFactory): SignageIo {
  return new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(
    httpServer,
    {
      ...(adapter ? { adapter } : {}),
      transports: ["websocket"],
      perMessageDeflate: false,
      serveClient: false,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      // A full proof-of-play batch (500 plays) is about 90–150 KB; nothing else comes near.
      maxHttpBufferSize: 256 * 1024,
    },
  );
}
