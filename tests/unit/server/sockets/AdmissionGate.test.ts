import { describe, expect, it } from "vitest";
import { AdmissionGate } from "../../../../server/sockets/AdmissionGate";

describe("AdmissionGate", () => {
  it("admits up to its limit, refuses beyond, and admits again once a slot is given back", () => {
    const gate = new AdmissionGate(2);
    expect([gate.tryEnter(), gate.tryEnter(), gate.tryEnter()]).toEqual([true, true, false]);
    expect(gate.stats).toMatchObject({ inFlight: 2, refused: 1 });
    gate.leave();
    expect(gate.tryEnter()).toBe(true);
    expect(gate.stats).toMatchObject({ inFlight: 2, refused: 1 });
  });

  it("never counts below zero when a slot is given back twice", () => {
    const gate = new AdmissionGate(1);
    gate.leave();
    expect(gate.tryEnter()).toBe(true);
    expect(gate.tryEnter()).toBe(false);
  });

  it("tells the refused to come back in 1 s while that second has room at its rate", () => {
    const gate = new AdmissionGate(10, () => 1_000_000);
    // No second measured yet: the first guess is the limit, 10 a second.
    const hints = Array.from({ length: 12 }, () => gate.retryAfterSeconds());
    expect(hints).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2]);
  });

  it("books the refused into the coming seconds at the rate it measures itself serving", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(10, () => t);
    // A slow server: all 10 slots taken, 4 finished (and 4 admitted again) each second.
    for (let i = 0; i < 10; i += 1) gate.tryEnter();
    for (let s = 0; s < 8; s += 1) {
      for (let i = 0; i < 4; i += 1) gate.leave();
      for (let i = 0; i < 4; i += 1) expect(gate.tryEnter()).toBe(true);
      expect(gate.tryEnter()).toBe(false);
      t += 1_000;
    }
    expect(gate.stats.ratePerSecond).toBe(4);
    // 20 refused now come back 4 a second, the last after 5 s, not all at once nor after 30 s.
    const hints = Array.from({ length: 20 }, () => gate.retryAfterSeconds());
    expect(hints).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5]);
    expect(gate.stats.bookedAhead).toBe(5);
  });

  it("never asks for more than 30 s: with every second full, the rest spread evenly over 1–30 s", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(1, () => t);
    gate.tryEnter();
    // Full seconds (refusing) with nothing finished: the rate falls to its floor, one a second.
    for (let s = 0; s < 10; s += 1) {
      gate.tryEnter();
      t += 1_000;
    }
    expect(gate.stats.ratePerSecond).toBe(1);
    const hints = Array.from({ length: 40 }, () => gate.retryAfterSeconds());
    expect(hints.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(hints.slice(30)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it("books at the best of its last 10 s: one slow full second does not slow the crowd", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(10, () => t);
    for (let i = 0; i < 10; i += 1) gate.tryEnter();
    /** One full second in which `n` finished (and as many were admitted again). */
    const second = (n: number): void => {
      for (let i = 0; i < n; i += 1) gate.leave();
      for (let i = 0; i < n; i += 1) gate.tryEnter();
      expect(gate.tryEnter()).toBe(false);
      t += 1_000;
    };
    for (const n of [8, 8, 2]) second(n);
    // Rolled by the next look: the slow second is not what it can do.
    expect(gate.retryAfterSeconds()).toBe(1);
    expect(gate.stats.ratePerSecond).toBe(8);
    // Ten full seconds of 3 a second: the fast ones are forgotten, and it books at 3.
    for (let s = 0; s < 11; s += 1) second(3);
    gate.retryAfterSeconds();
    expect(gate.stats.ratePerSecond).toBe(3);
  });

  it("does not count work that failed as served: a fast-failing database books no crowd at once", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(10, () => t);
    // Full seconds in which 10 a second came and failed at once, and 2 were served.
    for (let s = 0; s < 3; s += 1) {
      for (let i = 0; i < 10; i += 1) gate.tryEnter();
      expect(gate.tryEnter()).toBe(false);
      for (let i = 0; i < 8; i += 1) gate.leave(false);
      for (let i = 0; i < 2; i += 1) gate.leave();
      t += 1_000;
    }
    gate.retryAfterSeconds();
    expect(gate.stats.ratePerSecond).toBe(2);
  });

  it("learns its rate only when full: a quiet stretch of little demand does not lower it", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(10, () => t);
    // A minute of two syncs a second, never refusing: demand, not what it can do.
    for (let s = 0; s < 60; s += 1) {
      for (let i = 0; i < 2; i += 1) gate.tryEnter();
      for (let i = 0; i < 2; i += 1) gate.leave();
      t += 1_000;
    }
    expect(gate.stats.ratePerSecond).toBe(10);
    // Then a crowd: booked at the limit's pace, not two a second.
    const hints = Array.from({ length: 30 }, () => gate.retryAfterSeconds());
    expect(hints).toEqual([
      ...Array.from({ length: 10 }, () => 1),
      ...Array.from({ length: 10 }, () => 2),
      ...Array.from({ length: 10 }, () => 3),
    ]);
  });

  it("books from the next second on after a quiet minute, its rate kept through the idle seconds", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(2, () => t);
    expect([gate.retryAfterSeconds(), gate.retryAfterSeconds(), gate.retryAfterSeconds()]).toEqual([
      1, 1, 2,
    ]);
    t += 60_000;
    expect(gate.retryAfterSeconds()).toBe(1);
    expect(gate.stats.ratePerSecond).toBe(2);
  });
});
