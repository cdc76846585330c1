import { said } from "../../../shared/messages/errorMessages";
import { RateLimitedError } from "../../errors";

/**
 * Bounds the imports running at once, per user and for the whole server: each holds its upload
 * (up to 50 MB of export and 200 MB of photos) in memory while it runs, so parallel imports
 * would otherwise add up without limit. A slot is taken before the upload is read and given back
 * however the import ends; one over the bound is refused at once with 429 and Retry-After.
 */
export class ImportSlots {
  private readonly byUser = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly limits: { perUser: number; total: number } = { perUser: 1, total: 2 },
  ) {}

  /** Takes a slot for `userId`, or throws 429; returns the function that gives it back once. */
  acquire(userId: string): () => void {
    const mine = this.byUser.get(userId) ?? 0;
    if (mine >= this.limits.perUser) throw new RateLimitedError(30, said("import.oneRunning"));
    if (this.total >= this.limits.total)
      throw new RateLimitedError(30, said("import.serverBusy", { count: this.total }));
    this.byUser.set(userId, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byUser.get(userId) ?? 1) - 1;
      if (left > 0) this.byUser.set(userId, left);
      else this.byUser.delete(userId);
    };
  }

  /** Imports running now (for tests and metrics). */
  running(): number {
    return this.total;
  }
}
