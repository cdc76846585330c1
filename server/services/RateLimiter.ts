/** A sliding-window counter per key: "at most `limit` events per `windowMs`". */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may act again; 0 when it may act now. */
  retryAfterSeconds(key: string): number {
    const list = this.prune(key);
    if (list.length < this.limit) return 0;
    const oldest = list[0] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  /** Events of `key` within the window. */
  count(key: string): number {
    return this.prune(key).length;
  }

  /** Counts one event for `key`. */
  hit(key: string): void {
    const list = this.prune(key);
    list.push(this.now());
    this.hits.set(key, list);
    // Keep memory bounded under a flood of distinct keys.
    if (this.hits.size > 100_000) {
      for (const k of this.hits.keys()) {
        this.prune(k);
        if (this.hits.size <= 50_000) break;
      }
    }
  }

  /** Takes back the latest event of `key` (an attempt counted up front that succeeded). */
  forgive(key: string): void {
    const list = this.prune(key);
    list.pop();
    if (list.length === 0) this.hits.delete(key);
  }

  private prune(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    return list;
  }
}
