import { describe, expect, it } from "vitest";
import { AdmissionGate } from "../../../../server/sockets/AdmissionGate";

describe("AdmissionGate", () => {
  it("admits up to its limit, refuses beyond, and admits again once a slot is given back", () => {
    const gate = new AdmissionGate(2);
    expect([gate.tryEnter(), gate.tryEnter(), gate.tryEnter()]).toEqual([true, true, false]);
    expect(gate.stats).toEqual({ inFlight: 2, refused: 1 });
    gate.leave();
    expect(gate.tryEnter()).toBe(true);
    expect(gate.stats).toEqual({ inFlight: 2, refused: 1 });
  });

  it("never counts below zero when a slot is given back twice", () => {
    const gate = new AdmissionGate(1);
    gate.leave();
    expect(gate.tryEnter()).toBe(true);
    expect(gate.tryEnter()).toBe(false);
  });

  it("spreads retry hints over 2–6 s", () => {
    expect(new AdmissionGate(1, () => 0).retryAfterSeconds()).toBe(2);
    expect(new AdmissionGate(1, () => 0.999).retryAfterSeconds()).toBe(6);
  });
});
