import type { ErrorCode } from "../schemas/apiError";
import type {
  DisplayInfo,
  PairingComplete,
  PairingOffer,
  ScreenRevoked,
  ScreenStatus,
  TokenRotated,
} from "../schemas/screen";
import type { ContentChanged, KioskApplied, KioskHello, SyncDelta } from "../schemas/sync";

/** The result of every acknowledged socket event: a tagged union, never a thrown error. */
export type Ack<T> =
  { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

/** Events a kiosk sends to the server. */
export interface ClientToServerEvents {
  /** Paired kiosk announces itself after every (re)connect and asks for what it lacks. */
  "kiosk:hello": (p: KioskHello, ack: (r: Ack<SyncDelta>) => void) => void;
  /** Unpaired kiosk asks for a pairing code to show. */
  "pairing:request": (p: DisplayInfo, ack: (r: Ack<PairingOffer>) => void) => void;
  /** Paired kiosk applied a sync up to `version` (acknowledges the takedowns in it). */
  "kiosk:applied": (p: KioskApplied) => void;
  /** Paired kiosk's health report, every 30 s. */
  "screen:status": (p: ScreenStatus) => void;
}

/** Events the server sends to kiosks. */
export interface ServerToClientEvents {
  /** Something a kiosk may show changed; the kiosk syncs with another hello. */
  "content:changed": (p: ContentChanged) => void;
  /** An operator paired this waiting kiosk: here is its token. */
  "pairing:complete": (p: PairingComplete) => void;
  /** The screen's token was rotated; the kiosk stores the new one. */
  "screen:token": (p: TokenRotated) => void;
  /** The screen was unpaired; the kiosk forgets its token and shows a pairing code. */
  "screen:revoked": (p: ScreenRevoked) => void;
}
