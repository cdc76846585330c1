import type { ExtendedError, Socket } from "socket.io";
import {
  wordError,
  type ErrorParams,
  type ErrorReason,
  type Worded,
} from "../../shared/messages/errorMessages";
import type { ErrorCode } from "../../shared/schemas/apiError";
import { isIPv4 } from "node:net";
import { addressRange } from "../services/screens/PairingCodeQuota";
import { TokenBucket } from "./KioskEventLimits";

/**
 * Whose limit an address counts against: an IPv4 address itself (a site's screens share one
 * behind NAT), an IPv6 address's /64 (one network hands out as many addresses as it likes).
 */
export function limitKeyOf(address: string): string {
  return isIPv4(address) ? address : addressRange(address);
}

/** The socket limits a city may set (SIGNAGE_UNPAIRED_SOCKETS_*, SIGNAGE_HANDSHAKES_*, …). */
export interface SocketLimits {
  /** Unpaired kiosk sockets open at once from one client address. */
  unpairedPerAddress: number;
  /** Unpaired kiosk sockets open at once on this server process. */
  unpairedTotal: number;
  /**
   * Handshakes a minute from one client address that do not prove a device token or a session
   * (unpaired kiosks, wrong tokens, consoles without a session), with a burst of as many.
   */
  handshakesPerMinute: number;
  /** Pairing codes a minute for one address range (IPv4 /24, IPv6 /64). */
  pairingCodesPerRange: number;
  /** Pairing codes a minute in all; ranges that asked for few are served even beyond it. */
  pairingCodesPerMinute: number;
}

/**
 * Far above what a real site needs (a depot pairing a batch of screens behind one address, a
 * kiosk reconnecting every few seconds), far below what a script opens.
 */
export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  unpairedPerAddress: 20,
  unpairedTotal: 2000,
  handshakesPerMinute: 60,
  pairingCodesPerRange: 60,
  pairingCodesPerMinute: 600,
};

/** How long an address over its unpaired-socket bound is told to wait: until one of them ends. */
const UNPAIRED_RETRY_SECONDS = 30;

/** Addresses whose buckets are remembered before the full (forgotten) ones are swept. */
const MAX_REMEMBERED_ADDRESSES = 50_000;

/** A handshake refusal: socket.io sends `data` to the client with its connect_error. */
export type HandshakeRefusal = ExtendedError & {
  data: { code: ErrorCode; message: string; retryAfterSeconds?: number };
};

/**
 * A refusal for a socket.io middleware's `next(err)`: the code, the English sentence of a
 * catalogued reason, and when to come back if that is known.
 */
export function handshakeRefusal(
  code: ErrorCode,
  worded: Worded,
  retryAfterSeconds?: number,
): HandshakeRefusal {
  const err = new Error(code) as HandshakeRefusal;
  err.data = {
    code,
    message: wordError(worded.reason, worded.params, "en"),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
  return err;
}

/** A refusal in an event's answer: the English sentence, and the reason for a console to word. */
export function worded(w: Worded): { message: string; reason: ErrorReason; params: ErrorParams } {
  return { message: wordError(w.reason, w.params, "en"), reason: w.reason, params: w.params };
}

/** A refusal worded by reason, in one call. */
export function refuseWith(
  reason: ErrorReason,
  params: ErrorParams,
  code: ErrorCode,
  retryAfterSeconds?: number,
): HandshakeRefusal {
  return handshakeRefusal(code, { reason, params }, retryAfterSeconds);
}

/** An unpaired socket's place in the bounds, given back once when the socket or its connection ends. */
export type UnpairedSlot =
  { ok: true; release: () => void } | { ok: false; refusal: HandshakeRefusal };

/**
 * The bounds on sockets nobody has vouched for, shared by every namespace of one server
 * process: handshakes per client address (a token bucket, charged only for handshakes that
 * prove nothing, so a site full of paired screens behind one address is never slowed), and
 * unpaired kiosk sockets per address and in total. A paired kiosk never takes an unpaired slot.
 */
export class SocketBounds {
  private readonly handshakes = new Map<string, TokenBucket>();
  private readonly unpaired = new Map<string, number>();
  private unpairedCount = 0;

  constructor(
    readonly limits: SocketLimits = DEFAULT_SOCKET_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The first middleware after the handshake guard (which set the real client address):
   * refuses at once an address whose bucket is empty, before any token or session is looked up.
   */
  readonly limitHandshakes = (
    socket: Pick<Socket, "handshake">,
    next: (err?: ExtendedError) => void,
  ): void => {
    const wait = this.bucket(socket.handshake.address).peek();
    if (wait === 0) {
      next();
      return;
    }
    next(refuseWith("socket.tooManyHandshakes", { seconds: wait }, "rate_limited", wait));
  };

  /** Counts a handshake from `address` that proved nothing (no token, a wrong one, no session). */
  charge(address: string): void {
    this.bucket(address).take();
  }

  /** Takes an unpaired socket's slot, or says why not. */
  reserveUnpaired(clientAddress: string): UnpairedSlot {
    const address = limitKeyOf(clientAddress);
    const { unpairedPerAddress, unpairedTotal } = this.limits;
    const mine = this.unpaired.get(address) ?? 0;
    if (mine >= unpairedPerAddress)
      return {
        ok: false,
        refusal: refuseWith(
          "socket.tooManyUnpairedFromAddress",
          { limit: unpairedPerAddress, seconds: UNPAIRED_RETRY_SECONDS },
          "rate_limited",
          UNPAIRED_RETRY_SECONDS,
        ),
      };
    if (this.unpairedCount >= unpairedTotal) {
      // Spread over 30–60 s, so the refused do not all come back together.
      const seconds = UNPAIRED_RETRY_SECONDS + Math.floor(Math.random() * 31);
      return {
        ok: false,
        refusal: refuseWith("socket.tooManyUnpaired", { seconds }, "overloaded", seconds),
      };
    }
    this.unpaired.set(address, mine + 1);
    this.unpairedCount += 1;
    let held = true;
    return {
      ok: true,
      release: () => {
        if (!held) return;
        held = false;
        this.unpairedCount -= 1;
        const left = (this.unpaired.get(address) ?? 1) - 1;
        if (left > 0) this.unpaired.set(address, left);
        else this.unpaired.delete(address);
      },
    };
  }

  /** Unpaired sockets held now, in all and from one address (for tests and logs). */
  unpairedHeld(address?: string): number {
    return address === undefined
      ? this.unpairedCount
      : (this.unpaired.get(limitKeyOf(address)) ?? 0);
  }

  private bucket(clientAddress: string): TokenBucket {
    const address = limitKeyOf(clientAddress);
    let bucket = this.handshakes.get(address);
    if (!bucket) {
      if (this.handshakes.size >= MAX_REMEMBERED_ADDRESSES) this.forgetFull();
      const { handshakesPerMinute } = this.limits;
      bucket = new TokenBucket(handshakesPerMinute, handshakesPerMinute / 60, this.now);
      this.handshakes.set(address, bucket);
    }
    return bucket;
  }

  /**
   * Keeps memory bounded under a flood of distinct addresses: full buckets say nothing and go;
   * if that is not enough, the oldest go (they refill within a minute anyway).
   */
  private forgetFull(): void {
    for (const [address, bucket] of this.handshakes)
      if (bucket.full) this.handshakes.delete(address);
    for (const address of this.handshakes.keys()) {
      if (this.handshakes.size < MAX_REMEMBERED_ADDRESSES / 2) break;
      this.handshakes.delete(address);
    }
  }
}

/**
 * Holds an unpaired slot for as long as the socket lives: given back when it disconnects, or
 * when its connection closes before the handshake completes (socket.io then never connects it).
 */
export function holdUntilGone(socket: Pick<Socket, "once" | "conn">, release: () => void): void {
  const done = (): void => {
    socket.conn.off("close", done);
    release();
  };
  socket.once("disconnect", done);
  socket.conn.once("close", done);
  // A connection already gone by now sends no "close" any more.
  if (socket.conn.readyState !== "open") done();
}
