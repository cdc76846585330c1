import type { ConsoleTopic } from "../../shared/schemas/consoleChanged";

/**
 * Tells the open consoles that something they show changed, at most once per `everyMs` per
 * topic (10,000 screens reconnecting is one notice a second, not 10,000): the first change is
 * sent at once, later ones within the window are folded into one at its end.
 */
export class ConsoleNotifier {
  private readonly last = new Map<ConsoleTopic, number>();
  private readonly pending = new Map<ConsoleTopic, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly send: (topic: ConsoleTopic) => void,
    private readonly everyMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Something of `topic` changed. */
  changed(topic: ConsoleTopic): void {
    if (this.pending.has(topic)) return;
    const wait = (this.last.get(topic) ?? -Infinity) + this.everyMs - this.now();
    if (wait <= 0) {
      this.fire(topic);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(topic);
      this.fire(topic);
    }, wait);
    timer.unref();
    this.pending.set(topic, timer);
  }

  /** Drops notices still waiting (the server is stopping). */
  close(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private fire(topic: ConsoleTopic): void {
    this.last.set(topic, this.now());
    this.send(topic);
  }
}
