import { ConsoleTopicSchema, type ConsoleTopic } from "../../shared/schemas/consoleChanged";
import { throttled, type Throttled } from "./throttled";

/**
 * Tells the open consoles that something they show changed, at most once per `everyMs` per
 * topic (10,000 screens reconnecting is one notice a second, not 10,000): the first change is
 * sent at once, later ones within the window are folded into one at its end.
 */
export class ConsoleNotifier {
  private readonly topics: ReadonlyMap<ConsoleTopic, Throttled>;

  constructor(send: (topic: ConsoleTopic) => void, everyMs = 1_000) {
    this.topics = new Map(
      ConsoleTopicSchema.options.map((topic) => [
        topic,
        throttled(everyMs, () => Promise.resolve(send(topic))),
      ]),
    );
  }

  /** Something of `topic` changed. */
  changed(topic: ConsoleTopic): void {
    void this.topics.get(topic)?.();
  }

  /** Drops notices still waiting (the server is stopping). */
  close(): void {
    for (const t of this.topics.values()) t.cancel();
  }
}
