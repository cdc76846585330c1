/** How a PeriodicTask runs its rounds. */
export interface PeriodicTaskOptions {
  /**
   * A round never starts while the previous one runs: a tick that finds one under way is
   * skipped (the alert checks and webhook rounds, which may take longer than their period).
   */
  noOverlap?: boolean;
}

/**
 * Runs a task now and then every `everyMs` until stopped (the expiry, retention and
 * announcement-end sweeps, the alert checks and webhook rounds). A failed run is reported and
 * the next one tried on time; the timer never keeps the process up. `stop()` resolves once the
 * rounds under way have ended, so what they use (the database) may be closed after it.
 */
export class PeriodicTask {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly failed: (err: unknown) => void,
    private readonly options: PeriodicTaskOptions = {},
  ) {}

  /** Runs now and then every `everyMs`. */
  start(everyMs: number): void {
    this.stopped = false;
    this.tick();
    this.timer = setInterval(() => this.tick(), everyMs);
    this.timer.unref();
  }

  /** Stops the timer; resolves when the rounds under way have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.running]);
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.options.noOverlap && this.running.size > 0) return;
    const round = this.safely().finally(() => this.running.delete(round));
    this.running.add(round);
  }

  private async safely(): Promise<void> {
    try {
      await this.run();
    } catch (err) {
      this.failed(err);
    }
  }
}
