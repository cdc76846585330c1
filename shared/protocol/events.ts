import type { ErrorCode } from "../schemas/apiError";
import type { ContentChanged, KioskHello, SyncDelta } from "../schemas/sync";

/** The result of every acknowledged socket event: a tagged union, never a thrown error. */
export type Ack<T> =
  { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

/** Events a kiosk sends to the server. */
export interface ClientToServerEvents {
  /** Kiosk announces itself after every (re)connect and asks for what it lacks. */
  "kiosk:hello": (p: KioskHello, ack: (r: Ack<SyncDelta>) => void) => void;
}

/** Events the server sends to kiosks. */
export interface ServerToClientEvents {
  /** Something a kiosk may show changed; the kiosk syncs with another hello. */
  "content:changed": (p: ContentChanged) => void;
}
