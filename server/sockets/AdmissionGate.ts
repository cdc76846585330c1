/** The shortest and longest spread of the retry hints, in seconds. */
export const MIN_SPREAD_SECONDS = 2;
export const MAX_SPREAD_SECONDS = 30;

/**
 * Bounds the sync work a server takes on at once. When a whole city of screens comes back
 * together, the ones beyond the bound are told at once to come back shortly (a cheap answer)
 * instead of queueing database work that would slow every other answer, the console included.
 *
 * The hint paces the fleet by what this server actually gets through: each second it compares
 * the kiosks that knocked (admitted and refused) with the work it finished, and widens the window
 * the refused are spread over when more knock than it can serve (to at most 30 s), narrowing it
 * again as the crowd thins (to 2 s). A hint is uniform over 1 s … that window, so the refused
 * return at about the rate the server serves instead of together.
 */
export class AdmissionGate {
  private inFlight = 0;
  private refused = 0;
  /** The current second's counts. */
  private window = { start: 0, admitted: 0, refusedNow: 0, finished: 0 };
  /** Seconds the refused are spread over now. */
  private spread = MIN_SPREAD_SECONDS;

  constructor(
    /** Work items allowed at once. */
    readonly limit: number,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot, or returns false when all are taken (the caller answers "overloaded"). */
  tryEnter(): boolean {
    this.roll();
    if (this.inFlight >= this.limit) {
      this.refused += 1;
      this.window.refusedNow += 1;
      return false;
    }
    this.inFlight += 1;
    this.window.admitted += 1;
    return true;
  }

  /** Gives a slot back (the work finished, or failed). */
  leave(): void {
    this.roll();
    if (this.inFlight > 0) this.window.finished += 1;
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** A retry hint in whole seconds, uniform over 1 s … the current spread. */
  retryAfterSeconds(): number {
    this.roll();
    return 1 + Math.floor(this.random() * this.spread);
  }

  /** Work in flight, refusals so far and the current spread (for logs, metrics and tests). */
  get stats(): { inFlight: number; refused: number; spreadSeconds: number } {
    return { inFlight: this.inFlight, refused: this.refused, spreadSeconds: this.spread };
  }

  /**
   * Closes the last second (and any idle ones since) and adjusts the spread: multiplied by how
   * many more knocked than were served (at most doubled, at least halved in one step) while it
   * refused; shrunk by a third for each second without a refusal.
   */
  private roll(): void {
    const t = this.now();
    const w = this.window;
    if (w.start === 0) w.start = t;
    if (t - w.start < 1_000) return;
    if (w.refusedNow > 0) {
      const knocked = w.admitted + w.refusedNow;
      const served = Math.max(1, w.finished);
      const factor = Math.min(2, Math.max(0.5, knocked / served));
      this.spread = clampSpread(this.spread * factor);
    } else this.spread = clampSpread(this.spread * (2 / 3));
    // Idle seconds since count as quiet ones.
    const idle = Math.floor((t - w.start) / 1_000) - 1;
    for (let i = 0; i < Math.min(idle, 20); i += 1)
      this.spread = clampSpread(this.spread * (2 / 3));
    this.window = { start: t, admitted: 0, refusedNow: 0, finished: 0 };
  }
}

function clampSpread(s: number): number {
  return Math.min(MAX_SPREAD_SECONDS, Math.max(MIN_SPREAD_SECONDS, s));
}
