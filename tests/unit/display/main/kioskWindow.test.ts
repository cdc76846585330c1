import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  STABLE_AFTER_MS,
  nextBackoffMs,
  superviseRenderer,
} from "../../../../display/main/kioskWindow";
import type { SupervisedContents } from "../../../../display/main/kioskWindow";

describe("nextBackoffMs", () => {
  it("doubles from one second", () => {
    expect([0, 1, 2, 3, 4, 5].map(nextBackoffMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000,
    ]);
  });

  it("never waits longer than a minute", () => {
    expect(nextBackoffMs(6)).toBe(BACKOFF_MAX_MS);
    expect(nextBackoffMs(1_000)).toBe(BACKOFF_MAX_MS);
    expect(nextBackoffMs(Number.POSITIVE_INFINITY)).toBe(BACKOFF_MAX_MS);
  });

  it("treats nonsense attempts as the first", () => {
    expect(nextBackoffMs(-3)).toBe(BACKOFF_BASE_MS);
    expect(nextBackoffMs(Number.NaN)).toBe(BACKOFF_BASE_MS);
  });
});

class FakeContents extends EventEmitter implements SupervisedContents {
  reloads = 0;
  kills = 0;
  destroyed = false;
  reload(): void {
    this.reloads += 1;
  }
  forcefullyCrashRenderer(): void {
    this.kills += 1;
    this.emit("render-process-gone", {}, { reason: "killed", exitCode: 9 });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  crash(): void {
    this.emit("render-process-gone", {}, { reason: "crashed", exitCode: 139 });
  }
}

describe("superviseRenderer", () => {
  let contents = new FakeContents();

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    contents = new FakeContents();
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("reloads a crashed renderer after the first backoff", () => {
    superviseRenderer(contents);
    contents.crash();
    vi.advanceTimersByTime(BACKOFF_BASE_MS - 1);
    expect(contents.reloads).toBe(0);
    vi.advanceTimersByTime(1);
    expect(contents.reloads).toBe(1);
  });

  it("waits longer after each crash in a row", () => {
    superviseRenderer(contents);
    contents.crash();
    vi.advanceTimersByTime(nextBackoffMs(0));
    contents.crash();
    vi.advanceTimersByTime(nextBackoffMs(1) - 1);
    expect(contents.reloads).toBe(1);
    vi.advanceTimersByTime(1);
    expect(contents.reloads).toBe(2);
  });

  it("starts the backoff over once a page has stayed up", () => {
    superviseRenderer(contents);
    contents.crash();
    vi.advanceTimersByTime(nextBackoffMs(0));
    contents.emit("did-finish-load");
    vi.advanceTimersByTime(STABLE_AFTER_MS);
    contents.crash();
    vi.advanceTimersByTime(nextBackoffMs(0));
    expect(contents.reloads).toBe(2);
  });

  it("schedules one reload however many failures arrive meanwhile", () => {
    superviseRenderer(contents);
    contents.crash();
    contents.crash();
    contents.emit("unresponsive");
    vi.advanceTimersByTime(BACKOFF_MAX_MS);
    expect(contents.reloads).toBe(1);
  });

  it("kills a renderer that stays hung, then reloads it once", () => {
    superviseRenderer(contents);
    contents.emit("unresponsive");
    vi.advanceTimersByTime(BACKOFF_BASE_MS);
    expect(contents.kills).toBe(1);
    expect(contents.reloads).toBe(1);
    vi.advanceTimersByTime(BACKOFF_MAX_MS);
    expect(contents.reloads).toBe(1);
  });

  it("leaves a renderer alone that recovers from a hang by itself", () => {
    superviseRenderer(contents);
    contents.emit("unresponsive");
    contents.emit("responsive");
    vi.advanceTimersByTime(BACKOFF_MAX_MS);
    expect(contents.kills).toBe(0);
    expect(contents.reloads).toBe(0);
  });

  it("does nothing once stopped or destroyed", () => {
    const stop = superviseRenderer(contents);
    contents.crash();
    stop();
    vi.advanceTimersByTime(BACKOFF_MAX_MS);
    expect(contents.reloads).toBe(0);

    const other = new FakeContents();
    superviseRenderer(other);
    other.crash();
    other.destroyed = true;
    vi.advanceTimersByTime(BACKOFF_MAX_MS);
    expect(other.reloads).toBe(0);
  });
});
