import { describe, expect, it } from "vitest";
import { SyncCache } from "../../../../server/sockets/SyncCache";

describe("SyncCache", () => {
  it("computes once for kiosks asking the same question at the same time", async () => {
    const cache = new SyncCache<number>(1_000, () => 0);
    let calls = 0;
    const compute = () => {
      calls += 1;
      return new Promise<number>((resolve) => setTimeout(() => resolve(42), 5));
    };
    const answers = await Promise.all(Array.from({ length: 100 }, () => cache.get("d:7", compute)));
    expect(answers.every((a) => a === 42)).toBe(true);
    expect(calls).toBe(1);
    await cache.get("d:8", compute);
    expect(calls).toBe(2);
  });

  it("computes again after the time to live or a clear", async () => {
    let now = 0;
    const cache = new SyncCache<number>(1_000, () => now);
    let calls = 0;
    const compute = () => Promise.resolve(++calls);
    expect(await cache.get("k", compute)).toBe(1);
    now = 999;
    expect(await cache.get("k", compute)).toBe(1);
    now = 1_000;
    expect(await cache.get("k", compute)).toBe(2);
    cache.clear();
    expect(await cache.get("k", compute)).toBe(3);
  });

  it("does not remember a failed computation", async () => {
    const cache = new SyncCache<number>(1_000, () => 0);
    await expect(cache.get("k", () => Promise.reject(new Error("db down")))).rejects.toThrow();
    expect(await cache.get("k", () => Promise.resolve(5))).toBe(5);
  });
});
