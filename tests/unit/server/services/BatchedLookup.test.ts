import { describe, expect, it } from "vitest";
import { BatchedLookup, sharedRead } from "../../../../server/services/BatchedLookup";

/** A table of rows by key, counting the queries made of it and the keys each asked for. */
function table(rows: Map<string, number>) {
  const queries: string[][] = [];
  const lookUpMany = (keys: string[]): Promise<Map<string, number>> => {
    queries.push(keys);
    return Promise.resolve(
      new Map(keys.flatMap((k) => (rows.has(k) ? [[k, rows.get(k) ?? 0] as const] : []))),
    );
  };
  return { queries, lookUpMany };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe("BatchedLookup", () => {
  it("answers the look-ups of one turn with one query per 500 keys, each caller its own row", async () => {
    const rows = new Map<string, number>(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, i]));
    const { queries, lookUpMany } = table(rows);
    const lookup = new BatchedLookup(lookUpMany);
    // 1,200 distinct keys (200 unknown), each asked twice.
    const keys = Array.from({ length: 1_200 }, (_, i) => `k${i}`);
    const answers = await Promise.all([...keys, ...keys].map((k) => lookup.get(k)));
    expect(answers).toEqual(
      [...keys, ...keys].map((k) => (rows.has(k) ? Number(k.slice(1)) : undefined)),
    );
    expect(queries.map((q) => q.length)).toEqual([500, 500, 200]);
  });

  it("reads after it was asked: a look-up asked while a query is on its way waits for the next", async () => {
    const rows = new Map([["a", 1]]);
    const { queries, lookUpMany } = table(rows);
    const lookup = new BatchedLookup(lookUpMany);
    const first = lookup.get("a");
    await turn();
    // The first query has been sent; the row changes; a look-up asked now sees the change.
    rows.set("a", 2);
    const second = lookup.get("a");
    expect([await first, await second]).toEqual([1, 2]);
    expect(queries).toEqual([["a"], ["a"]]);
  });

  it("while a query runs, what is asked waits and is answered by one next query for all of it", async () => {
    let release: () => void = () => undefined;
    const queries: string[][] = [];
    const lookup = new BatchedLookup<string, string>(async (keys) => {
      queries.push(keys);
      if (queries.length === 1) await new Promise<void>((r) => (release = r));
      return new Map(keys.map((k) => [k, k.toUpperCase()]));
    });
    const first = lookup.get("a");
    await turn();
    // Asked over several turns while the first query is out: none is sent alone.
    const later: Promise<string | undefined>[] = [];
    for (const k of ["b", "c", "d", "e"]) {
      later.push(lookup.get(k));
      await turn();
    }
    expect(queries).toEqual([["a"]]);
    release();
    expect(await first).toBe("A");
    expect(await Promise.all(later)).toEqual(["B", "C", "D", "E"]);
    expect(queries).toEqual([["a"], ["b", "c", "d", "e"]]);
  });

  it("a failed query fails the look-ups it answered, not those of another", async () => {
    const lookup = new BatchedLookup<string, number>(
      (keys) =>
        keys.includes("bad")
          ? Promise.reject(new Error("database gone"))
          : Promise.resolve(new Map(keys.map((k) => [k, 1]))),
      2,
    );
    const results = await Promise.allSettled(["a", "bad", "c"].map((k) => lookup.get(k)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "fulfilled"]);
  });
});

describe("BatchedLookup when a query misbehaves", () => {
  it("a look-up that throws at once fails its callers, and the next round is answered", async () => {
    let calls = 0;
    const lookup = new BatchedLookup<string, number>((keys) => {
      calls += 1;
      if (calls === 1) throw new Error("thrown before any promise");
      return Promise.resolve(new Map(keys.map((k) => [k, 1])));
    });
    await expect(lookup.get("x")).rejects.toThrow("thrown before any promise");
    expect(await lookup.get("y")).toBe(1);
  });

  it("a query that never answers fails its callers after the timeout, and the next round runs", async () => {
    let calls = 0;
    const lookup = new BatchedLookup<string, number>(
      (keys) => {
        calls += 1;
        if (calls === 1) return new Promise<Map<string, number>>(() => undefined);
        return Promise.resolve(new Map(keys.map((k) => [k, 2])));
      },
      500,
      50,
    );
    const stuck = lookup.get("x");
    await turn();
    const after = lookup.get("y");
    await expect(stuck).rejects.toThrow("no answer in 50 ms");
    expect(await after).toBe(2);
  });
});

describe("sharedRead", () => {
  it("a read that never answers fails its callers after the timeout, and the next read runs", async () => {
    let reads = 0;
    const read = sharedRead(() => {
      reads += 1;
      return reads === 1 ? new Promise<number>(() => undefined) : Promise.resolve(reads);
    }, 50);
    const stuck = read();
    while (reads === 0) await turn();
    const after = read();
    await expect(stuck).rejects.toThrow("no answer in 50 ms");
    expect(await after).toBe(2);
  });

  it("callers asking while a read runs share the next one, begun after it", async () => {
    let release: () => void = () => undefined;
    let reads = 0;
    const read = sharedRead(async () => {
      reads += 1;
      if (reads === 1) await new Promise<void>((r) => (release = r));
      return reads;
    });
    const first = read();
    // Until the first read has begun (a caller before that joins it).
    while (reads === 0) await turn();
    const waiting: Promise<number>[] = [];
    for (let i = 0; i < 3; i++) {
      waiting.push(read());
      await turn();
    }
    expect(reads).toBe(1);
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(waiting)).toEqual([2, 2, 2]);
    expect(reads).toBe(2);
  });

  it("makes one read for the callers of one turn, and a new one for a caller after it began", async () => {
    let reads = 0;
    let value = 10;
    const read = sharedRead(() => {
      reads += 1;
      return Promise.resolve(value);
    });
    const firstTurn = await Promise.all(Array.from({ length: 50 }, () => read()));
    expect(firstTurn).toEqual(Array.from({ length: 50 }, () => 10));
    expect(reads).toBe(1);
    value = 11;
    expect(await read()).toBe(11);
    expect(reads).toBe(2);
  });
});
