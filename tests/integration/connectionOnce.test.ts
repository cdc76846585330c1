import { join } from "node:path";
import { Migrator, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { ScreenPresence } from "../../server/services/screens/ScreenPresence";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import { migrationProvider } from "../../server/store/migrations";
import { closeConnection, openConnection } from "../../server/store/screenHistory";
import { databaseBackends } from "../support/databases";
import { createTempDatabase } from "../support/postgres";
import { insertDistrictWithScreens } from "../support/storeRows";
import { makeDataDir, removeDataDir } from "../support/testServer";

const AT = "2026-03-02T08:00:00.000Z";
const LATER = "2026-03-02T08:05:00.000Z";

describe.each(databaseBackends)("a screen connection is written once on $name", (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A fresh, unmigrated store of this backend, removed after the test. */
  async function freshStore(): Promise<Store> {
    if (backend.name === "SQLite") {
      const dir = makeDataDir();
      cleanups.push(() => Promise.resolve(removeDataDir(dir)));
      const store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
      cleanups.push(() => store.db.destroy());
      return store;
    }
    const temp = await createTempDatabase();
    cleanups.push(() => temp.drop());
    const store = openStore({ kind: "postgres", url: temp.url });
    cleanups.push(() => store.db.destroy());
    return store;
  }

  const rowsOf = (store: Store, connectionId: string) =>
    store.db
      .selectFrom("screen_connections")
      .select(["id", "connected_at", "disconnected_at"])
      .where("connection_id", "=", connectionId)
      .execute();

  it("leaves one row when the same connection is opened twice, as a retried presence batch does", async () => {
    const store = await freshStore();
    await migrateToLatest(store);
    await insertDistrictWithScreens(store.db, "d1", ["s1"]);

    await openConnection(store.db, "s1", "c1", AT);
    await openConnection(store.db, "s1", "c1", LATER);
    expect(await rowsOf(store, "c1")).toEqual([
      { id: expect.any(String) as string, connected_at: AT, disconnected_at: null },
    ]);

    // The presence write itself, run again after its batch's COMMIT went through unanswered.
    const presence = new ScreenPresence({ db: store.db });
    await presence.connected("s1", "c2");
    await presence.connected("s1", "c2");
    await presence.settled();
    expect(await rowsOf(store, "c2")).toHaveLength(1);

    // A connection closed meanwhile stays closed: opening it again is no reopening.
    await closeConnection(store.db, "c1", LATER);
    await openConnection(store.db, "s1", "c1", LATER);
    expect(await rowsOf(store, "c1")).toEqual([
      { id: expect.any(String) as string, connected_at: AT, disconnected_at: LATER },
    ]);
  });

  it("keeps the oldest of the rows an earlier retry doubled when migrating (0025)", async () => {
    const store = await freshStore();
    const { error } = await new Migrator({
      db: store.db,
      provider: migrationProvider(store.kind),
    }).migrateTo("0024_poster_lease");
    if (error) throw error instanceof Error ? error : new Error("migrating to 0024 failed");
    // Rows as a server before 0025 left them: c1 written twice by a retried batch.
    const row = (id: string, connectionId: string) =>
      sql`insert into screen_connections
          (id, screen_id, connection_id, connected_at, last_seen_at, disconnected_at)
        values (${id}, 's1', ${connectionId}, ${AT}, ${AT}, null)`.execute(store.db);
    await row("b-second", "c1");
    await row("a-first", "c1");
    await row("c-other", "c2");

    await migrateToLatest(store);

    const left = await store.db
      .selectFrom("screen_connections")
      .select(["id", "connection_id"])
      .orderBy("id")
      .execute();
    expect(left).toEqual([
      { id: "a-first", connection_id: "c1" },
      { id: "c-other", connection_id: "c2" },
    ]);
    await openConnection(store.db, "s1", "c1", LATER);
    expect(await rowsOf(store, "c1")).toHaveLength(1);
  });
});
