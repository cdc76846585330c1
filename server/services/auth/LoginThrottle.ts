/** How the per-account sign-in delay grows. */
export const LOGIN_DELAY = {
  /** Failures allowed before any wait. */
  freeFailures: 5,
  /** The longest wait between two attempts, in seconds (15 minutes). */
  maxSeconds: 15 * 60,
  /** Failures older than this (since the last one) are forgotten. */
  forgetAfterMs: 24 * 60 * 60 * 1000,
} as const;

/** Accounts remembered at most; beyond, the longest quiet are forgotten first. */
const MAX_ACCOUNTS = 100_000;

/** The wait after `failures` failures: none for the first five, then 1, 2, 4 … s, at most 15 min. */
export function delaySeconds(failures: number): number {
  if (failures < LOGIN_DELAY.freeFailures) return 0;
  return Math.min(LOGIN_DELAY.maxSeconds, 2 ** (failures - LOGIN_DELAY.freeFailures));
}

/** "1 second", "45 seconds", "2 minutes", "2 minutes 8 seconds": a wait said in words. */
export function describeWait(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  const part = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (m === 0) return part(s, "second");
  return s === 0 ? part(m, "minute") : `${part(m, "minute")} ${part(s, "second")}`;
}

interface Failures {
  count: number;
  /** When the latest attempt was let through (ms). */
  lastAt: number;
  /** A fingerprint of the password the attempts were made against. */
  password: string;
}

/**
 * A progressive delay per account instead of a lock: after five failures each further attempt
 * must wait twice as long as the one before (1 s, 2 s, 4 s … 15 min). Guessing becomes hopeless,
 * yet the owner is never locked out for longer than the current wait, and a new password (an
 * admin's reset from the server's command line) clears it at once. Attempts are counted when they
 * are let through, before the slow hash, so guesses sent together cannot slip past the count.
 */
export class LoginThrottle {
  private readonly accounts = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Lets an attempt on `account` through (and counts it) or returns the seconds to wait.
   * `password` fingerprints the account's current password: when it changed, the count restarts.
   */
  attempt(account: string, password: string): number {
    const now = this.now();
    let f = this.accounts.get(account);
    if (f && (f.password !== password || now - f.lastAt > LOGIN_DELAY.forgetAfterMs)) f = undefined;
    if (f) {
      const wait = Math.ceil((f.lastAt + delaySeconds(f.count) * 1000 - now) / 1000);
      if (wait > 0) return wait;
    }
    this.accounts.delete(account);
    this.accounts.set(account, { count: (f?.count ?? 0) + 1, lastAt: now, password });
    if (this.accounts.size > MAX_ACCOUNTS) {
      const oldest = this.accounts.keys().next();
      if (oldest.done !== true) this.accounts.delete(oldest.value);
    }
    return 0;
  }

  /** The attempt was right: the account's failures are forgotten. */
  succeeded(account: string): void {
    this.accounts.delete(account);
  }
}
