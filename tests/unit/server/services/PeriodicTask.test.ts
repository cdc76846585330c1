import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PeriodicTask } from "../../../../server/services/PeriodicTask";

/** A round the test ends when it wants, and a record of how many rounds began. */
function controlledRounds() {
  const ends: (() => void)[] = [];
  let started = 0;
  return {
    run: () =>
      new Promise<void>((resolve) => {
        started += 1;
        ends.push(resolve);
      }),
    started: () => started,
    /** Ends the oldest round still running. */
    endOne: () => ends.shift()?.(),
  };
}

/** Lets pending promise callbacks run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe("PeriodicTask", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("with noOverlap, starts no round while the previous one runs, and goes on after it ends", async () => {
    const rounds = controlledRounds();
    const task = new PeriodicTask(rounds.run, () => undefined, { noOverlap: true });
    task.start(1_000);
    expect(rounds.started()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(rounds.started()).toBe(1);
    rounds.endOne();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rounds.started()).toBe(2);
    rounds.endOne();
    await task.stop();
  });

  it("without noOverlap, starts every round on time, as the sweeps always did", async () => {
    const rounds = controlledRounds();
    const task = new PeriodicTask(rounds.run, () => undefined);
    task.start(1_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(rounds.started()).toBe(4);
    for (let i = 0; i < 4; i += 1) rounds.endOne();
    await task.stop();
  });

  it("stop() resolves only once the round under way has ended, and no round starts after it", async () => {
    const rounds = controlledRounds();
    const task = new PeriodicTask(rounds.run, () => undefined, { noOverlap: true });
    task.start(1_000);
    let stopped = false;
    const stopping = task.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    rounds.endOne();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(rounds.started()).toBe(1);
  });

  it("reports a failed round and tries the next one on time", async () => {
    const failures: unknown[] = [];
    let calls = 0;
    const task = new PeriodicTask(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error("database away")) : Promise.resolve();
      },
      (err) => failures.push(err),
      { noOverlap: true },
    );
    task.start(1_000);
    await settle();
    expect(failures).toEqual([new Error("database away")]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    await task.stop();
  });
});
