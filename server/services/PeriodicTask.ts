/**
 * Runs a task now and then every `everyMs` until stopped (the expiry and retention sweeps). A
 * failed run is reported and the next one tried on time; the timer never keeps the process up.
 */
export class PeriodicTask {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly failed: (err: unknown) => void,
  ) {}

  /** Runs now and then every `everyMs`. */
  start(everyMs: number): void {
    void this.safely();
    this.timer = setInterval(() => void this.safely(), everyMs);
    this.timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async safely(): Promise<void> {
    try {
      await this.run();
    } catch (err) {
      this.failed(err);
    }
  }
}
