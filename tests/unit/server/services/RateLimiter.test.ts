import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../../server/services/RateLimiter";

describe("RateLimiter", () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it("lets `limit` events through per window, then says how long to wait", () => {
    const time = clock();
    const limiter = new RateLimiter(2, 60_000, time.now);
    limiter.hit("a");
    expect(limiter.retryAfterSeconds("a")).toBe(0);
    limiter.hit("a");
    expect(limiter.retryAfterSeconds("a")).toBe(60);
    time.advance(59_500);
    expect(limiter.retryAfterSeconds("a")).toBe(1);
    time.advance(500);
    expect(limiter.retryAfterSeconds("a")).toBe(0);
  });

  it("counts each key on its own", () => {
    const limiter = new RateLimiter(1, 60_000, clock().now);
    limiter.hit("a");
    expect(limiter.retryAfterSeconds("a")).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds("b")).toBe(0);
  });

  it("takes back a forgiven event, so a success does not count against the key", () => {
    const limiter = new RateLimiter(1, 60_000, clock().now);
    limiter.hit("a");
    limiter.forgive("a");
    expect(limiter.retryAfterSeconds("a")).toBe(0);
  });
});
