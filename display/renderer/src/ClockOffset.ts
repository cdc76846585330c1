/** One reading of the server's clock: what it said, and when the kiosk asked and heard back. */
export interface ClockSample {
  /** Server time minus the kiosk's clock at the round trip's midpoint (ms). */
  offsetMs: number;
  /** How long the question took to come back (ms): the offset is off by at most half of it. */
  roundTripMs: number;
  /** When the answer arrived, by the kiosk's clock (epoch ms). */
  receivedAt: number;
}

/** A round trip slower than this says too little about the server's clock to keep. */
export const MAX_ROUND_TRIP_MS = 5_000;

/** Slack for the two clocks drifting apart between samples (ms): 10 ppm over an hour. */
const DRIFT_SLACK_MS = 50;

/**
 * Whether two samples can both be true of one pair of clocks. A sample says the offset lies
 * within half its round trip of its midpoint guess; if the two ranges do not meet, one of the
 * clocks was stepped between them (an NTP correction, a kiosk set by hand, a virtual machine
 * resumed), and the older sample is of a clock that no longer exists.
 */
function agrees(older: ClockSample, newer: ClockSample): boolean {
  const reach = (older.roundTripMs + newer.roundTripMs) / 2 + DRIFT_SLACK_MS;
  return Math.abs(older.offsetMs - newer.offsetMs) <= reach;
}

/**
 * Estimates how far the kiosk's clock is from the server's, as NTP's clock filter does: of the
 * last few samples, the one with the shortest round trip is the best (its answer spent the
 * least time queued somewhere, so its midpoint guess is the tightest). A new sample that cannot
 * be true together with an older one (their ranges do not meet) means a clock was stepped: the
 * older goes, so a stepped clock is followed from the first answer after the step, however slow.
 * Samples older than `maxAgeMs` before the newest are dropped too, so drift is followed.
 */
export class ClockOffset {
  private samples: ClockSample[] = [];

  constructor(private readonly opts: { keep?: number; maxAgeMs?: number } = {}) {}

  /**
   * Adds a sample from an answer carrying `serverTime` (ISO), asked at `sentAt` and received at
   * `receivedAt` (the kiosk's clock). Returns false, keeping nothing, for an unreadable time, a
   * round trip that ends before it starts, or one slower than {@link MAX_ROUND_TRIP_MS}.
   */
  add(serverTime: string, sentAt: number, receivedAt: number): boolean {
    const server = Date.parse(serverTime);
    const roundTripMs = receivedAt - sentAt;
    if (!Number.isFinite(server) || roundTripMs < 0 || roundTripMs > MAX_ROUND_TRIP_MS)
      return false;
    const sample = { offsetMs: server - (sentAt + receivedAt) / 2, roundTripMs, receivedAt };
    const maxAge = this.opts.maxAgeMs ?? 3_600_000;
    this.samples = [...this.samples.filter((s) => agrees(s, sample)), sample]
      .filter((s) => Math.abs(receivedAt - s.receivedAt) <= maxAge)
      .slice(-(this.opts.keep ?? 8));
    return true;
  }

  /** The best sample held (shortest round trip; of equals, the newest), or null before any. */
  best(): ClockSample | null {
    let best: ClockSample | null = null;
    for (const s of this.samples) if (best === null || s.roundTripMs <= best.roundTripMs) best = s;
    return best;
  }

  /** The estimated offset (server minus kiosk, whole ms), or null before any sample. */
  offsetMs(): number | null {
    const best = this.best();
    return best === null ? null : Math.round(best.offsetMs);
  }
}
