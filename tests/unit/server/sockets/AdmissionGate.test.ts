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

  it("spreads retry hints over 1–2 s while the server keeps up", () => {
    expect(new AdmissionGate(1, () => 0).retryAfterSeconds()).toBe(1);
    expect(new AdmissionGate(1, () => 0.999).retryAfterSeconds()).toBe(2);
  });

  it("widens the spread while more kiosks knock than it serves, and narrows it once they stop", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(
      10,
      () => 0.999,
      () => t,
    );
    // Each second: 10 served, 30 refused (40 knocked for 10 served: the spread doubles).
    const second = (refusals: number): void => {
      for (let i = 0; i < 10; i += 1) gate.tryEnter();
      for (let i = 0; i < refusals; i += 1) expect(gate.tryEnter()).toBe(false);
      for (let i = 0; i < 10; i += 1) gate.leave();
      t += 1_000;
    };
    const spreads: number[] = [];
    for (let s = 0; s < 6; s += 1) {
      second(30);
      spreads.push(gate.retryAfterSeconds());
    }
    expect(spreads).toEqual([4, 8, 16, 30, 30, 30]);
    // About as many knock as it serves: the spread holds.
    second(1);
    expect(gate.retryAfterSeconds()).toBe(30);
    // Quiet seconds: back down to 2 s.
    for (let s = 0; s < 8; s += 1) second(0);
    expect(gate.retryAfterSeconds()).toBe(2);
    expect(gate.stats.spreadSeconds).toBe(2);
  });

  it("counts idle seconds as quiet ones", () => {
    let t = 1_000_000;
    const gate = new AdmissionGate(
      1,
      () => 0.999,
      () => t,
    );
    gate.tryEnter();
    for (let s = 0; s < 5; s += 1) {
      gate.tryEnter();
      t += 1_000;
      gate.retryAfterSeconds();
    }
    expect(gate.stats.spreadSeconds).toBeGreaterThan(2);
    t += 60_000;
    expect(gate.retryAfterSeconds()).toBe(2);
  });
});
