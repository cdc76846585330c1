import type { ErrorParams } from "../messages/errorMessages";
import type { ErrorCode } from "../schemas/apiError";
import type { ConsoleChanged } from "../schemas/consoleChanged";
import type { ImportProgressEvent } from "../schemas/importProgress";
import type { PlayBatch, PlayReceipt } from "../schemas/proofOfPlay";
import type {
  DisplayInfo,
  PairingComplete,
  PairingOffer,
  ScreenIdentify,
  ScreenReload,
  ScreenRevoked,
  ScreenStatus,
  TokenRotated,
} from "../schemas/screen";
import type { ScreenshotAsk } from "../schemas/screenshot";
import type { ContentChanged, KioskApplied, KioskHello, SyncDelta } from "../schemas/sync";

/** The result of every acknowledged socket event: a tagged union, never a thrown error. */
export type Ack<T> =
  | { ok: true; data: T }
  | {
      ok: false;
      /**
       * `reason` and `params`: what went wrong as a key of `shared/messages/errorMessages.ts`, so
       * a console words it in its language; `retryAfterSeconds`: when a busy server wants to be
       * asked again.
       */
      error: {
        code: ErrorCode;
        message: string;
        reason?: string | undefined;
        params?: ErrorParams | undefined;
        retryAfterSeconds?: number | undefined;
      };
    };

/** Events a kiosk sends to the server (namespace `namespaces.kiosk`). */
export interface KioskClientEvents {
  /** Paired kiosk announces itself after every (re)connect and asks for what it lacks. */
  "kiosk:hello": (p: KioskHello, ack: (r: Ack<SyncDelta>) => void) => void;
  /** Unpaired kiosk asks for a pairing code to show. */
  "pairing:request": (p: DisplayInfo, ack: (r: Ack<PairingOffer>) => void) => void;
  /** Paired kiosk applied a sync up to `version` (acknowledges the takedowns in it). */
  "kiosk:applied": (p: KioskApplied) => void;
  /** Paired kiosk's health report, every 30 s. */
  "screen:status": (p: ScreenStatus) => void;
  /** Paired kiosk uploads buffered proof of play; it forgets the batch once receipted. */
  "kiosk:plays": (p: PlayBatch, ack: (r: Ack<PlayReceipt>) => void) => void;
}

/** Events the server sends to kiosks (namespace `namespaces.kiosk`). */
export interface KioskServerEvents {
  /** Something a kiosk may show changed; the kiosk syncs with another hello. */
  "content:changed": (p: ContentChanged) => void;
  /** An operator paired this waiting kiosk: here is its token. */
  "pairing:complete": (p: PairingComplete) => void;
  /** The screen's token was rotated; the kiosk stores the new one. */
  "screen:token": (p: TokenRotated) => void;
  /** The screen was unpaired; the kiosk forgets its token and shows a pairing code. */
  "screen:revoked": (p: ScreenRevoked) => void;
  /** Show the screen's name large for a few seconds (a technician is looking for it). */
  "screen:identify": (p: ScreenIdentify) => void;
  /** Reload the kiosk page (content comes back from its own storage, then the server). */
  "screen:reload": (p: ScreenReload) => void;
  /**
   * Take a picture of what the screen shows and upload it (POST /kiosk/screenshots/:requestId
   * with the device token), or say it cannot (…/unavailable).
   */
  "screen:screenshot": (p: ScreenshotAsk) => void;
}

/** Events a console sends to the server: none, its socket only receives. */
export type ConsoleClientEvents = Record<never, never>;

/** Events the server sends to signed-in consoles (namespace `namespaces.console`). */
export interface ConsoleServerEvents {
  /** How far an import this console's user started has got. */
  "import:progress": (p: ImportProgressEvent) => void;
  /** Something the console may show changed; reload it. */
  "console:changed": (p: ConsoleChanged) => void;
}
