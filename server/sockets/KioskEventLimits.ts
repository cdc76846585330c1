/** A token bucket: up to `capacity` events at once, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.at = now();
  }

  /** Takes a token: 0 when there was one, else the whole seconds until there is. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.at) / 1000) * this.perSecond);
    this.at = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

/** The families of events a kiosk socket sends, each with its own bucket. */
export type KioskEventFamily = "sync" | "applied" | "plays" | "status" | "pairing";

/**
 * What one socket may send: far above what a kiosk does (a sync per change, one at a time and
 * none while a server's retry-after runs, so a bulk approval of 100 entries costs a few; an
 * acknowledgement per takedown push, so thousands when a day's listings expire at midnight; a
 * play upload a minute, or a batch backlog after a night offline; a status report every 30 s).
 */
export const KIOSK_EVENT_LIMITS: Record<KioskEventFamily, { capacity: number; perSecond: number }> =
  {
    sync: { capacity: 60, perSecond: 5 },
    applied: { capacity: 5000, perSecond: 500 },
    plays: { capacity: 20, perSecond: 0.2 },
    status: { capacity: 10, perSecond: 0.2 },
    pairing: { capacity: 10, perSecond: 0.2 },
  };

/** Refused events a socket may pile up (refilled at 1 a second) before it is disconnected. */
export const FLOOD_LIMIT = { capacity: 50, perSecond: 1 };

/** The verdict on one event: go ahead, or drop it (and whether to end the connection). */
export type KioskEventVerdict =
  { ok: true } | { ok: false; retryAfterSeconds: number; disconnect: boolean };

/** One socket's rate limits: a token bucket per event family, and one for refusals. */
export class KioskEventLimits {
  private readonly buckets = new Map<KioskEventFamily, TokenBucket>();
  private readonly refusals: TokenBucket;

  constructor(
    private readonly limits = KIOSK_EVENT_LIMITS,
    flood = FLOOD_LIMIT,
    private readonly now: () => number = Date.now,
  ) {
    this.refusals = new TokenBucket(flood.capacity, flood.perSecond, now);
  }

  /** Counts one event of `family`; a socket that keeps flooding is told to be disconnected. */
  take(family: KioskEventFamily): KioskEventVerdict {
    let bucket = this.buckets.get(family);
    if (!bucket) {
      const { capacity, perSecond } = this.limits[family];
      bucket = new TokenBucket(capacity, perSecond, this.now);
      this.buckets.set(family, bucket);
    }
    const wait = bucket.take();
    if (wait === 0) return { ok: true };
    return {
      ok: false,
      retryAfterSeconds: Math.min(3600, wait),
      disconnect: this.refusals.take() > 0,
    };
  }
}
