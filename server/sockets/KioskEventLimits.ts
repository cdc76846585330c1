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
    const wait = this.peek();
    if (wait === 0) this.tokens -= 1;
    return wait;
  }

  /** Like `take`, without taking: 0 when a token is there, else the whole seconds until one is. */
  peek(): number {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.at) / 1000) * this.perSecond);
    this.at = t;
    if (this.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }

  /** True when the bucket is full again: nothing to remember about its key. */
  get full(): boolean {
    this.peek();
    return this.tokens >= this.capacity;
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

/**
 * What a console socket may send. The console only receives, so any event is unexpected: the
 * bucket lets a stale or buggy page be told so, and a flood is disconnected like a kiosk's.
 */
export const CONSOLE_EVENT_LIMITS: Record<"any", { capacity: number; perSecond: number }> = {
  any: { capacity: 20, perSecond: 1 },
};

/** The verdict on one event: go ahead, or drop it (and whether to end the connection). */
export type KioskEventVerdict =
  { ok: true } | { ok: false; retryAfterSeconds: number; disconnect: boolean };

/** One socket's rate limits: a token bucket per event family, and one for refusals. */
export class SocketEventLimits<Family extends string> {
  private readonly buckets = new Map<Family, TokenBucket>();
  private readonly refusals: TokenBucket;

  constructor(
    private readonly limits: Record<Family, { capacity: number; perSecond: number }>,
    flood = FLOOD_LIMIT,
    private readonly now: () => number = Date.now,
  ) {
    this.refusals = new TokenBucket(flood.capacity, flood.perSecond, now);
  }

  /** Counts one event of `family`; a socket that keeps flooding is told to be disconnected. */
  take(family: Family): KioskEventVerdict {
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

/** A kiosk socket's limits, by {@link KIOSK_EVENT_LIMITS}. */
export class KioskEventLimits extends SocketEventLimits<KioskEventFamily> {
  constructor(limits = KIOSK_EVENT_LIMITS, flood = FLOOD_LIMIT, now: () => number = Date.now) {
    super(limits, flood, now);
  }
}
