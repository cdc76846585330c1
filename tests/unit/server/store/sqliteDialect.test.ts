import SqliteDatabase from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import {
  RollbackSafeSqliteDialect,
  SqliteStoreDriver,
  STATEMENTS_KEPT,
} from "../../../../server/store/sqliteDialect";

interface Db {
  t: { id: number; v: string };
}

/** An in-memory database whose prepares are counted, with a Kysely on our dialect. */
function open(): { db: Kysely<Db>; sqlite: SqliteDatabase.Database; prepared: () => number } {
  const sqlite = new SqliteDatabase(":memory:");
  sqlite.exec("create table t (id integer primary key, v text not null)");
  let prepared = 0;
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = (source: string) => {
    prepared += 1;
    return prepare(source);
  };
  return {
    db: new Kysely<Db>({ dialect: new RollbackSafeSqliteDialect(sqlite) }),
    sqlite,
    prepared: () => prepared,
  };
}

let opened: Kysely<Db> | undefined;
afterEach(async () => {
  await opened?.destroy();
  opened = undefined;
});

describe("the SQLite store driver", () => {
  it("lends its connection to one caller at a time, in the order they asked", async () => {
    const driver = new SqliteStoreDriver(new SqliteDatabase(":memory:"));
    const order: number[] = [];
    const first = await driver.acquireConnection();
    const waits = Array.from({ length: 2_000 }, (_, i) =>
      driver.acquireConnection().then(async (c) => {
        order.push(i);
        expect(c).toBe(first);
        // Still busy for the others until released.
        expect(driver.waiting).toBe(2_000 - i - 1);
        await driver.releaseConnection();
      }),
    );
    expect(driver.waiting).toBe(2_000);
    await driver.releaseConnection();
    await Promise.all(waits);
    expect(order).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(driver.waiting).toBe(0);
    // Free again: the next caller has it at once.
    let had = false;
    void driver.acquireConnection().then(() => (had = true));
    await Promise.resolve();
    expect(had).toBe(true);
    await driver.destroy();
  });

  it("keeps a transaction's connection until it ends: other queries wait and see only its commit", async () => {
    const { db } = open();
    opened = db;
    let release!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    const tx = db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ id: 1, v: "in the transaction" }).execute();
      await holding;
      await trx.updateTable("t").set({ v: "committed" }).where("id", "=", 1).execute();
    });
    // Asked while the transaction holds the connection: answered after its commit.
    await new Promise((r) => setTimeout(r, 10));
    const seen = db.selectFrom("t").select("v").where("id", "=", 1).executeTakeFirst();
    release();
    await tx;
    expect(await seen).toEqual({ v: "committed" });
  });

  it("prepares each statement once and keeps a bounded number of them", async () => {
    const { db, prepared } = open();
    opened = db;
    for (let i = 0; i < 50; i++)
      await db
        .insertInto("t")
        .values({ id: i, v: `v${i}` })
        .execute();
    const afterInserts = prepared();
    expect(afterInserts).toBe(1);
    // Answers stay right with the statement reused.
    for (let i = 0; i < 50; i++) {
      const row = await db.selectFrom("t").select("v").where("id", "=", i).executeTakeFirst();
      expect(row?.v).toBe(`v${i}`);
    }
    expect(prepared()).toBe(afterInserts + 1);
    // More distinct statements than are kept: the least recently used is dropped, one used
    // meanwhile is kept however long ago it was first made.
    const distinct = (n: number) => sql<{ n: number }>`select ${sql.lit(n)} as n`.execute(db);
    for (let n = 0; n < STATEMENTS_KEPT + 10; n++) {
      await distinct(n);
      if (n % 50 === 0) await distinct(1);
    }
    const before = prepared();
    await distinct(STATEMENTS_KEPT + 9);
    await distinct(1);
    expect(prepared()).toBe(before);
    await distinct(0);
    expect(prepared()).toBe(before + 1);
  });

  it("lets the first error stand when SQLite already rolled the transaction back", async () => {
    const { db, sqlite } = open();
    opened = db;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("t").values({ id: 1, v: "a" }).execute();
        // What SQLite does itself on SQLITE_FULL or SQLITE_IOERR.
        sqlite.exec("rollback");
        throw new Error("the disk is full");
      }),
    ).rejects.toThrow("the disk is full");
    expect(await db.selectFrom("t").selectAll().execute()).toEqual([]);
  });

  it("rolls back to a savepoint inside a transaction", async () => {
    const { db } = open();
    opened = db;
    await db
      .startTransaction()
      .execute()
      .then(async (trx) => {
        await trx.insertInto("t").values({ id: 1, v: "kept" }).execute();
        const sp = await trx.savepoint("before second").execute();
        await sp.insertInto("t").values({ id: 2, v: "undone" }).execute();
        await sp.rollbackToSavepoint("before second").execute();
        await trx.commit().execute();
      });
    expect(await db.selectFrom("t").select("v").execute()).toEqual([{ v: "kept" }]);
  });

  it("begins transactions immediate (holding the write lock from the start)", async () => {
    const { db, sqlite } = open();
    opened = db;
    const statements: string[] = [];
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = (source: string) => {
      statements.push(source);
      return prepare(source);
    };
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom("t").selectAll().execute();
    });
    expect(statements[0]).toBe("begin immediate");
  });
});
