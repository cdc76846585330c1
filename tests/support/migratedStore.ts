import { join } from "node:path";
import { Migrator } from "kysely";
import { afterEach } from "vitest";
import { openStore, type Store } from "../../server/store/database";
import { migrationProvider } from "../../server/store/migrations";
import { createTempDatabase } from "./postgres";
import { makeDataDir, removeDataDir } from "./testServer";

/**
 * A test's database as a server before `migration`'s successor left it: a fresh SQLite file (or,
 * with "postgres", a fresh PostgreSQL database) migrated up to `migration` only, so a test can
 * store rows as that release did and then run the rest. Closed and removed after each test of
 * the file that calls this.
 */
export function useStoreMigratedTo(): (
  migration: string,
  kind?: "sqlite" | "postgres",
) => Promise<Store> {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return async (migration, kind = "sqlite") => {
    let store: Store;
    if (kind === "postgres") {
      const temp = await createTempDatabase();
      cleanups.push(() => temp.drop());
      store = openStore({ kind: "postgres", url: temp.url });
    } else {
      const dir = makeDataDir();
      cleanups.push(() => removeDataDir(dir));
      store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
    }
    cleanups.push(() => store.db.destroy());
    const { error } = await new Migrator({
      db: store.db,
      provider: migrationProvider(kind),
    }).migrateTo(migration);
    if (error) throw error instanceof Error ? error : new Error(`migrating to ${migration} failed`);
    return store;
  };
}
