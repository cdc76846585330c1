import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/protocol/events";

/** What the server remembers about each connected socket. */
export interface SocketData {
  /** "pairing" until a device token proves which screen this is. */
  mode: "pairing" | "screen";
  screenId?: string;
  districtId?: string;
  /** Kiosk-reported software version, once it said hello. */
  appVersion?: string;
}

/** The typed socket.io server. */
export type SignageIo = Server<ClientToServerEvents, ServerToClientEvents, never, SocketData>;

/** Creates the socket.io server: websocket transport only (no sticky sessions), no compression. */
export function createIo(httpServer: HttpServer): SignageIo {
  return new Server<ClientToServerEvents, ServerToClientEvents, never, SocketData>(httpServer, {
    transports: ["websocket"],
    perMessageDeflate: false,
    serveClient: false,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    maxHttpBufferSize: 64 * 1024,
  });
}
