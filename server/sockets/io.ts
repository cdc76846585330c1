import type { Server as HttpServer } from "node:http";
import { Server, type Namespace, type ServerOptions } from "socket.io";
import type {
  ConsoleClientEvents,
  ConsoleServerEvents,
  KioskClientEvents,
  KioskServerEvents,
} from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";

/**
 * What the server remembers about a kiosk socket: "pairing" until a device token proves which
 * screen it is.
 */
export type KioskSocketData =
  | { audience: "kiosk"; mode: "pairing" }
  | {
      audience: "kiosk";
      mode: "screen";
      screenId: string;
      /** Followed on every hello and every move. */
      districtId: string;
      /** Kiosk-reported software version, once it said hello. */
      appVersion?: string;
      /**
       * The last full manifest this socket was answered: its version and the screen's district
       * epoch it was made for. Only the kiosk's acknowledgement of that manifest ends a move's
       * "may still hold content from elsewhere".
       */
      fullSync?: { version: number; epoch: number };
    };

/** What the server remembers about a console socket (it only receives, e.g. import progress). */
export interface ConsoleSocketData {
  audience: "console";
  userId: string;
  /** The hash of the session the socket was opened with: it ends with the session. */
  sessionHash: string;
}

/** What server processes tell each other through the adapter (scale-out only). */
export interface InterServerEvents {
  /** Content, a schedule or an emergency changed: drop cached sync answers. */
  "sync:invalidate": () => void;
}

/**
 * The typed socket.io server. Its main namespace serves the kiosk protocol to kiosks of the
 * previous release (`namespaces.legacyKiosk`), so the server carries the kiosk types.
 */
export type SignageIo = Server<
  KioskClientEvents,
  KioskServerEvents,
  InterServerEvents,
  KioskSocketData
>;

/** A namespace serving the kiosk protocol. */
export type KioskNamespace = Namespace<
  KioskClientEvents,
  KioskServerEvents,
  InterServerEvents,
  KioskSocketData
>;

/** The console's namespace. */
export type ConsoleNamespace = Namespace<
  ConsoleClientEvents,
  ConsoleServerEvents,
  InterServerEvents,
  ConsoleSocketData
>;

/** How socket.io's adapter is given (e.g. the Redis Streams adapter for several processes). */
export type AdapterFactory = NonNullable<Partial<ServerOptions>["adapter"]>;

/**
 * Creates the socket.io server: websocket transport only (no sticky sessions), no compression;
 * with an adapter, rooms span every server process sharing it.
 */
export function createIo(httpServer: HttpServer, adapter?: AdapterFactory): SignageIo {
  return new Server<KioskClientEvents, KioskServerEvents, InterServerEvents, KioskSocketData>(
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

/**
 * Every namespace serving the kiosk protocol: `/kiosk`, and the main namespace for kiosks of the
 * previous release. Registering and pushing go through this list, so neither can forget one.
 */
export function kioskNamespaces(io: SignageIo): readonly KioskNamespace[] {
  return [io.of(namespaces.kiosk), io.of(namespaces.legacyKiosk)];
}

/** The console's namespace, typed with its own events and data. */
export function consoleNamespace(io: SignageIo): ConsoleNamespace {
  // socket.io types every namespace with the server's own generics (`Server.of`); the console's
  // events and data are other ones, so its type is set here, once.
  return io.of(namespaces.console) as unknown as ConsoleNamespace;
}
