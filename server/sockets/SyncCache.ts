/**
 * Shares one sync computation among the kiosks that ask the same question at the same time:
 * every screen of a district at the same applied version gets the same answer, so a takedown
 * fanned out to 10,000 screens costs one computation per district, not one per screen.
 * Entries live `ttlMs` at most and are dropped whenever content changes in this process.
 */
export class SyncCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached answer for `key`, or the one `compute` gives (shared while it runs). */
  get(key: string, compute: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value;
    const value = compute();
    this.entries.set(key, { at: t, value });
    // A failed computation is not remembered: the next kiosk tries again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    if (this.entries.size > 10_000) this.prune(t);
    return value;
  }

  /** Forgets every answer (content, a schedule or an emergency changed). */
  clear(): void {
    this.entries.clear();
  }

  private prune(t: number): void {
    for (const [key, e] of this.entries) if (t - e.at >= this.ttlMs) this.entries.delete(key);
  }
}
