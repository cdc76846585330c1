import { afterEach, describe, expect, it, vi } from "vitest";
import { ConsoleNotifier } from "../../../../server/sockets/ConsoleNotifier";
import type { ConsoleTopic } from "../../../../shared/schemas/consoleChanged";

describe("ConsoleNotifier", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends the first change at once and folds a burst into one more at the end of the second", () => {
    vi.useFakeTimers();
    const sent: [number, ConsoleTopic][] = [];
    const n = new ConsoleNotifier((topic) => sent.push([Date.now(), topic]), 1_000);
    const start = Date.now();
    for (let i = 0; i < 10_000; i += 1) n.changed("screens");
    n.changed("takedowns");
    expect(sent.map(([, t]) => t)).toEqual(["screens", "takedowns"]);
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toEqual([start + 1_000, "screens"]);
    vi.advanceTimersByTime(5_000);
    expect(sent).toHaveLength(3);
  });

  it("drops what is still waiting once closed", () => {
    vi.useFakeTimers();
    const sent: ConsoleTopic[] = [];
    const n = new ConsoleNotifier((topic) => sent.push(topic), 1_000);
    n.changed("entries");
    n.changed("entries");
    n.close();
    vi.advanceTimersByTime(2_000);
    expect(sent).toEqual(["entries"]);
  });
});
