/** The longest a refused kiosk is told to wait, in seconds. */
export const MAX_WAIT_SECONDS = 30;

/**
 * Bounds the sync work a server takes on at once. When a whole city of screens comes back
 * together, the ones beyond the bound are told at once to come back shortly (a cheap answer)
 * instead of queueing database work that would slow every other answer, the console included.
 *
 * The hint paces the fleet by what this server actually gets through: it measures the work it
 * finishes each second and books each refused kiosk into the first coming second that still has
 * room at that rate, so the refused return at about the rate the server serves, the last of N
 * after about N ÷ rate seconds (at most 30), and no later: a fixed or widening spread either
 * brought them back together or kept the last waiting long after the server was idle (a move
 * of 9,500 kiosks between processes once took 50 s, the last ones told 30 s).
 */
export class AdmissionGate {
  private inFlight = 0;
  private refused = 0;
  /** The current second's work finished, from `start` (ms). */
  private window = { start: 0, finished: 0, busy: false };
  /** Work finished per second, as measured while there was work (first guess: the limit). */
  private rate: number;
  /** Kiosks told to come back in each coming second (by whole second since the epoch). */
  private readonly booked = new Map<number, number>();

  constructor(
    /** Work items allowed at once. */
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {
    this.rate = Math.max(1, limit);
  }

  /** Takes a slot, or returns false when all are taken (the caller answers "overloaded"). */
  tryEnter(): boolean {
    this.roll();
    this.window.busy = true;
    if (this.inFlight >= this.limit) {
      this.refused += 1;
      return false;
    }
    this.inFlight += 1;
    return true;
  }

  /** Gives a slot back (the work finished, or failed). */
  leave(): void {
    this.roll();
    if (this.inFlight > 0) this.window.finished += 1;
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /**
   * A retry hint in whole seconds: the first coming second with room at the measured rate (1 s
   * while it keeps up), booked for the one asking; 30 s when every second up to it is full.
   */
  retryAfterSeconds(): number {
    this.roll();
    const second = Math.floor(this.now() / 1_000);
    const room = Math.max(1, Math.round(this.rate));
    for (let wait = 1; wait <= MAX_WAIT_SECONDS; wait += 1) {
      const taken = this.booked.get(second + wait) ?? 0;
      if (taken < room) {
        this.booked.set(second + wait, taken + 1);
        return wait;
      }
    }
    return MAX_WAIT_SECONDS;
  }

  /** Work in flight, refusals so far, the measured rate and the furthest second booked. */
  get stats(): { inFlight: number; refused: number; ratePerSecond: number; bookedAhead: number } {
    const second = Math.floor(this.now() / 1_000);
    const furthest = Math.max(second, ...this.booked.keys());
    return {
      inFlight: this.inFlight,
      refused: this.refused,
      ratePerSecond: Math.round(this.rate),
      bookedAhead: furthest - second,
    };
  }

  /**
   * Closes the last second: a second with work in it (admitted, refused or in flight) updates
   * the measured rate (half the old, half the new), an idle one leaves it; bookings of seconds
   * gone are dropped.
   */
  private roll(): void {
    const t = this.now();
    const w = this.window;
    if (w.start === 0) w.start = t;
    if (t - w.start < 1_000) return;
    if (w.busy || this.inFlight > 0) this.rate = Math.max(1, (this.rate + w.finished) / 2);
    this.window = { start: t, finished: 0, busy: false };
    const second = Math.floor(t / 1_000);
    for (const s of this.booked.keys()) if (s <= second) this.booked.delete(s);
  }
}
