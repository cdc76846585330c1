/** The longest a refused kiosk is told to wait, in seconds. */
export const MAX_WAIT_SECONDS = 30;

/** How far back the gate's measured seconds count, in ms (the rate is their best). */
const MEMORY_MS = 10_000;

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
 *
 * The rate is the best of the last 10 s, not an average: a kiosk told to come back too early
 * costs one cheap refusal and is booked again with a better-known rate, while one told too late
 * waits with the server idle. An average dragged down by the first, slowest seconds of a crowd
 * (every process on the machine busy at once) booked the rest of the crowd at that pace (a move
 * of 9,500 once told kiosks up to 21 s while the server soon served 1,000 a second).
 */
export class AdmissionGate {
  private inFlight = 0;
  private refused = 0;
  /** The current second's work finished, from `start` (ms), and whether it refused any. */
  private window = { start: 0, finished: 0, full: false };
  /**
   * Work finished per second: the best of the recent `samples`, kept when there are none. First
   * guess: the limit.
   */
  private rate: number;
  /**
   * What recent seconds got through, from their end (ms): every second it was full (refusing),
   * the only ones that show what it can do, and a quieter one only when it did more than the
   * rate (a quiet second shows demand, not capacity). Kept for `MEMORY_MS`.
   */
  private samples: { at: number; perSecond: number }[] = [];
  /** Kiosks told to come back in each coming second (by whole second since the epoch). */
  private readonly booked = new Map<number, number>();

  constructor(
    /** Work items allowed at once. */
    readonly limit: number,
    /** A monotonic clock in ms (a stepped wall clock would freeze the rate). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.rate = Math.max(1, limit);
  }

  /** Takes a slot, or returns false when all are taken (the caller answers "overloaded"). */
  tryEnter(): boolean {
    this.roll();
    if (this.inFlight >= this.limit) {
      this.refused += 1;
      this.window.full = true;
      return false;
    }
    this.inFlight += 1;
    return true;
  }

  /**
   * Gives a slot back. Only work that `finished` counts towards the rate: failing fast (the
   * database down) is not serving, and counted it would tell a crowd to come back at once.
   */
  leave(finished = true): void {
    this.roll();
    if (finished && this.inFlight > 0) this.window.finished += 1;
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /**
   * A retry hint in whole seconds: the first coming second with room at the measured rate (1 s
   * while it keeps up), booked for the one asking. When every second up to 30 s is full, the
   * least booked of them (the earliest of those), so even more than 30 s' worth spread evenly.
   */
  retryAfterSeconds(): number {
    this.roll();
    const second = Math.floor(this.now() / 1_000);
    const room = Math.max(1, Math.round(this.rate));
    let least = 1;
    for (let wait = 1; wait <= MAX_WAIT_SECONDS; wait += 1) {
      const taken = this.booked.get(second + wait) ?? 0;
      if (taken < room) {
        this.booked.set(second + wait, taken + 1);
        return wait;
      }
      if (taken < (this.booked.get(second + least) ?? 0)) least = wait;
    }
    this.booked.set(second + least, (this.booked.get(second + least) ?? 0) + 1);
    return least;
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
   * Closes the last window (a second or more): its work finished per second becomes a sample
   * when the gate was full in it, or when it beat the rate; the rate is the best sample of the
   * last `MEMORY_MS` (kept when none is that recent); bookings of seconds gone are dropped.
   */
  private roll(): void {
    const t = this.now();
    const w = this.window;
    if (w.start === 0) w.start = t;
    if (t - w.start < 1_000) return;
    const perSecond = (w.finished * 1_000) / (t - w.start);
    if (w.full || perSecond > this.rate) this.samples.push({ at: t, perSecond });
    this.samples = this.samples.filter((sample) => t - sample.at <= MEMORY_MS);
    if (this.samples.length > 0)
      this.rate = Math.max(1, ...this.samples.map((sample) => sample.perSecond));
    this.window = { start: t, finished: 0, full: false };
    const second = Math.floor(t / 1_000);
    for (const s of this.booked.keys()) if (s <= second) this.booked.delete(s);
  }
}
