import { describe, expect, it } from "vitest";
import { rotateSlides } from "../../../shared/schedule/rotateSlides";

describe("rotateSlides", () => {
  it.each([
    { count: 3, now: 0, index: 0, next: 10_000 },
    { count: 3, now: 9_999, index: 0, next: 10_000 },
    { count: 3, now: 10_000, index: 1, next: 20_000 },
    { count: 3, now: 35_000, index: 0, next: 40_000 },
    { count: 1, now: 123_456, index: 0, next: 130_000 },
  ])("shows slide $index of $count at t=$now until $next", ({ count, now, index, next }) => {
    expect(rotateSlides(count, 10_000, now)).toEqual({ index, nextChangeAt: next });
  });

  it("shows nothing when there is nothing to show", () => {
    expect(rotateSlides(0, 10_000, 5)).toBeNull();
  });

  it("refuses a dwell of zero or less", () => {
    expect(() => rotateSlides(2, 0, 5)).toThrow(RangeError);
    expect(() => rotateSlides(2, -1, 5)).toThrow(RangeError);
  });

  it("gives every screen the same slide at the same instant and always an index in range", () => {
    for (let now = 0; now < 200_000; now += 777) {
      const a = rotateSlides(7, 8_000, now);
      const b = rotateSlides(7, 8_000, now);
      expect(a).toEqual(b);
      expect(a?.index).toBeGreaterThanOrEqual(0);
      expect(a?.index).toBeLessThan(7);
      expect(a?.nextChangeAt).toBeGreaterThan(now);
    }
  });
});
