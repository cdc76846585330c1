/**
 * Bounds the sync work a server takes on at once. When a whole city of screens comes back
 * together, the ones beyond the bound are told at once to come back shortly (a cheap answer)
 * instead of queueing database work that would slow every other answer, the console included.
 */
export class AdmissionGate {
  private inFlight = 0;
  private refused = 0;

  constructor(
    /** Work items allowed at once. */
    readonly limit: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Takes a slot, or returns false when all are taken (the caller answers "overloaded"). */
  tryEnter(): boolean {
    if (this.inFlight >= this.limit) {
      this.refused += 1;
      return false;
    }
    this.inFlight += 1;
    return true;
  }

  /** Gives a slot back. */
  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** A retry hint in whole seconds, spread over 2–6 s so the refused do not return together. */
  retryAfterSeconds(): number {
    return 2 + Math.floor(this.random() * 5);
  }

  /** Work in flight and refusals so far (for logs and tests). */
  get stats(): { inFlight: number; refused: number } {
    return { inFlight: this.inFlight, refused: this.refused };
  }
}
