import SqliteDatabase from "better-sqlite3";
import { Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { BatchedWrites } from "../../../../server/services/screens/ScreenPresence";
import { RollbackSafeSqliteDialect } from "../../../../server/store/sqliteDialect";
import type { Database } from "../../../../server/store/schema";

interface Db {
  t: { id: number; v: string };
}

/** A real in-memory SQLite with a table, counting the transactions begun. */
function open(): { db: Kysely<Db>; transactions: () => number } {
  const sqlite = new SqliteDatabase(":memory:");
  sqlite.exec("create table t (id integer primary key, v text not null check (v <> 'bad'))");
  const db = new Kysely<Db>({ dialect: new RollbackSafeSqliteDialect(sqlite) });
  let begun = 0;
  const transaction = db.transaction.bind(db);
  db.transaction = () => {
    begun += 1;
    return transaction();
  };
  return { db, transactions: () => begun };
}

let opened: Kysely<Db> | undefined;
afterEach(async () => {
  await opened?.destroy();
  opened = undefined;
});

const as = (db: Kysely<Db>) => db as unknown as Kysely<Database>;
const insert = (id: number, v: string) => (db: Kysely<Database>) =>
  (db as unknown as Kysely<Db>)
    .insertInto("t")
    .values({ id, v })
    .execute()
    .then(() => undefined);

/** A write for the queue: a closure, and the screen it is of. */
interface Op {
  screenId: string;
  write: (db: Kysely<Database>) => Promise<void>;
}
const writeEach = async (db: Kysely<Database>, ops: readonly Op[]): Promise<void> => {
  for (const { write } of ops) await write(db);
};
const batched = (db: Kysely<Db>, most: number, gatherMs = 0) =>
  new BatchedWrites<Op>(as(db), most, gatherMs, writeEach);
let screens = 0;
/** A write of a screen of its own. */
const op = (write: Op["write"]): Op => ({ screenId: `s${(screens += 1)}`, write });

describe("BatchedWrites", () => {
  it("writes what was asked within one turn in one transaction per batch, in order", async () => {
    const { db, transactions } = open();
    opened = db;
    const writes = batched(db, 100);
    const order: number[] = [];
    const done = Array.from({ length: 250 }, (_, i) =>
      writes
        .run(
          op(async (trx) => {
            order.push(i);
            await insert(i, `v${i}`)(trx);
          }),
        )
        .then(() => i),
    );
    expect(await Promise.all(done)).toHaveLength(250);
    expect(order).toEqual(Array.from({ length: 250 }, (_, i) => i));
    // 250 writes at most 100 to a transaction: three, not 250.
    expect(transactions()).toBe(3);
    expect((await db.selectFrom("t").select(db.fn.countAll().as("n")).executeTakeFirst())?.n).toBe(
      250,
    );
    await writes.settled();
  });

  it("gathers writes asked a few milliseconds apart into one transaction when told to wait", async () => {
    const { db, transactions } = open();
    opened = db;
    const writes = batched(db, 100, 50);
    const first = writes.run(op(insert(1, "one")));
    await new Promise((r) => setTimeout(r, 5));
    const second = writes.run(op(insert(2, "two")));
    await Promise.all([first, second]);
    expect(transactions()).toBe(1);
  });

  it("a write that fails fails alone: the others of its batch are written", async () => {
    const { db } = open();
    opened = db;
    const writes = batched(db, 100);
    const results = await Promise.allSettled([
      writes.run(op(insert(1, "one"))),
      writes.run(op(insert(2, "bad"))),
      writes.run(op(insert(3, "three"))),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await db.selectFrom("t").select("id").orderBy("id").execute()).toEqual([
      { id: 1 },
      { id: 3 },
    ]);
  });

  it("settles once every write asked for, including those asked while writing, is done", async () => {
    const { db } = open();
    opened = db;
    const writes = batched(db, 2);
    void writes.run(
      op(async (trx) => {
        await insert(1, "one")(trx);
        // Asked while a batch is being written: written before settled() resolves.
        void writes.run(op(insert(2, "two")));
      }),
    );
    await writes.settled();
    expect(await db.selectFrom("t").select("id").orderBy("id").execute()).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
  });

  it("hands a batch over in layers, each screen once in each, its writes in the order asked", async () => {
    const { db, transactions } = open();
    opened = db;
    const parts: string[][] = [];
    const writes = new BatchedWrites<{ screenId: string }>(as(db), 100, 0, (_db, ops) => {
      parts.push(ops.map((o) => o.screenId));
      return Promise.resolve();
    });
    await Promise.all(["a", "b", "a", "c", "c", "b"].map((screenId) => writes.run({ screenId })));
    // Each screen's first write, then each one's second: grouping a layer by kind keeps each
    // screen's writes in order.
    expect(parts).toEqual([
      ["a", "b", "c"],
      ["a", "c", "b"],
    ]);
    expect(transactions()).toBe(1);
  });
});
