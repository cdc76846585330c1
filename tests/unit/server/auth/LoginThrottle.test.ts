import { describe, expect, it } from "vitest";
import {
  delaySeconds,
  describeWait,
  LOGIN_DELAY,
  LoginThrottle,
} from "../../../../server/services/auth/LoginThrottle";

/** Fails `n` times as soon as each wait allows, on a clock that only moves when told. */
function failNTimes(throttle: LoginThrottle, clock: { now: number }, n: number): number[] {
  const waits: number[] = [];
  for (let i = 0; i < n; i++) {
    const wait = throttle.attempt("victim@example.test", "pw-1");
    if (wait > 0) {
      waits.push(wait);
      clock.now += wait * 1000;
      expect(throttle.attempt("victim@example.test", "pw-1")).toBe(0);
    }
  }
  return waits;
}

describe("LoginThrottle", () => {
  it("lets five failures through, then doubles the wait up to 15 minutes", () => {
    const clock = { now: 1_000_000 };
    const throttle = new LoginThrottle(() => clock.now);
    const waits = failNTimes(throttle, clock, 18);
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
    expect(delaySeconds(LOGIN_DELAY.freeFailures - 1)).toBe(0);
  });

  it("clears the delay when the account's password changes (a reset from the command line)", () => {
    const clock = { now: 0 };
    const throttle = new LoginThrottle(() => clock.now);
    failNTimes(throttle, clock, 12);
    expect(throttle.attempt("victim@example.test", "pw-1")).toBeGreaterThan(60);
    expect(throttle.attempt("victim@example.test", "pw-2")).toBe(0);
  });

  it("forgets the failures after a success", () => {
    const clock = { now: 0 };
    const throttle = new LoginThrottle(() => clock.now);
    failNTimes(throttle, clock, 8);
    throttle.succeeded("victim@example.test");
    expect(throttle.attempt("victim@example.test", "pw-1")).toBe(0);
  });

  it("says the wait in minutes and seconds", () => {
    expect(describeWait(1)).toBe("1 second");
    expect(describeWait(45)).toBe("45 seconds");
    expect(describeWait(120)).toBe("2 minutes");
    expect(describeWait(128)).toBe("2 minutes 8 seconds");
    expect(describeWait(61)).toBe("1 minute 1 second");
  });
});
