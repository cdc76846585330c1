import { describe, expect, it } from "vitest";
import {
  KIOSK_EVENT_LIMITS,
  KioskEventLimits,
  TokenBucket,
} from "../../../../server/sockets/KioskEventLimits";

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("TokenBucket", () => {
  it("lets a burst of its capacity through, then says how long until the next token", () => {
    const clock = manualClock();
    const bucket = new TokenBucket(3, 0.5, clock.now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(2);
    clock.advance(1_000);
    expect(bucket.take()).toBe(1);
    clock.advance(1_000);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(2);
  });

  it("never holds more than its capacity however long it rested", () => {
    const clock = manualClock();
    const bucket = new TokenBucket(2, 10, clock.now);
    clock.advance(3_600_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 1]);
  });
});

describe("KioskEventLimits", () => {
  const tight = {
    ...KIOSK_EVENT_LIMITS,
    plays: { capacity: 2, perSecond: 1 },
  };

  it("limits each family on its own", () => {
    const clock = manualClock();
    const limits = new KioskEventLimits(tight, { capacity: 10, perSecond: 1 }, clock.now);
    expect(limits.take("plays")).toEqual({ ok: true });
    expect(limits.take("plays")).toEqual({ ok: true });
    expect(limits.take("plays")).toEqual({ ok: false, retryAfterSeconds: 1, disconnect: false });
    // Another family still has its whole bucket.
    expect(limits.take("sync")).toEqual({ ok: true });
    clock.advance(1_000);
    expect(limits.take("plays")).toEqual({ ok: true });
  });

  it("says to disconnect a socket that keeps flooding once its refusals run out", () => {
    const clock = manualClock();
    const limits = new KioskEventLimits(tight, { capacity: 3, perSecond: 1 }, clock.now);
    limits.take("plays");
    limits.take("plays");
    const verdicts = Array.from({ length: 4 }, () => limits.take("plays"));
    expect(verdicts.map((v) => (v.ok ? "ok" : v.disconnect))).toEqual([false, false, false, true]);
  });
});
