import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ScreenPresence } from "../../server/services/screens/ScreenPresence";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import { backendDatabase, databaseBackends } from "../support/databases";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { insertDistrictWithScreens } from "../support/storeRows";
import {
  createDistrict,
  pairKiosk,
  removeDataDir,
  startTestServer,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const SCREENS = 200;
const idOf = (i: number): string => `s${String(i).padStart(3, "0")}`;
const STATUS = {
  width: 1920,
  height: 1080,
  appVersion: "1.0.0",
  appliedVersion: 0,
  currentSlide: null,
  uptimeSeconds: 1,
  memoryMb: null,
};

describe("presence written in batches on PostgreSQL", () => {
  let temp: TempDatabase | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.db.destroy();
    await temp?.drop();
    store = undefined;
    temp = undefined;
  });

  it("never deadlocks with another transaction writing the same screens in another order, and loses nothing", async () => {
    temp = await createTempDatabase();
    store = openStore({ kind: "postgres", url: temp.url });
    await migrateToLatest(store);
    const { db } = store;
    await insertDistrictWithScreens(
      db,
      "d1",
      Array.from({ length: SCREENS }, (_, i) => idOf(i)),
    );
    const presence = new ScreenPresence({ db });
    let failed = 0;
    let otherFailed = 0;
    for (let round = 1; round <= 5; round++) {
      // Screens report in ascending order (one presence batch)…
      const reports = Array.from({ length: SCREENS }, (_, i) =>
        presence.recordStatus(idOf(i), `c${i}`, STATUS).catch(() => (failed += 1)),
      );
      await new Promise((r) => setTimeout(r, 12));
      // …while another transaction (a move, another process's batch) writes them descending.
      const other = db
        .transaction()
        .execute(async (trx) => {
          for (let i = SCREENS - 1; i >= 0; i--)
            await trx
              .updateTable("screens")
              .set({ applied_version: round })
              .where("id", "=", idOf(i))
              .execute();
        })
        .catch(() => (otherFailed += 1));
      await Promise.all([...reports, other]);
    }
    await presence.settled();
    expect({ failed, otherFailed }).toEqual({ failed: 0, otherFailed: 0 });
    const reported = await db
      .selectFrom("screens")
      .select("id")
      .where("uptime_seconds", "=", 1)
      .where("applied_version", "=", 5)
      .execute();
    expect(reported).toHaveLength(SCREENS);
  }, 120_000);
});

describe.each(databaseBackends)("presence at shutdown on $name", (backend) => {
  let server: TestServer | undefined;
  let socket: KioskSocket | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    socket?.disconnect();
    await server?.stop().catch(() => undefined);
    if (server) removeDataDir(server.dataDir);
    await drop?.();
    server = undefined;
    socket = undefined;
    drop = undefined;
  });

  it("writes a screen's disconnect before the database closes", async () => {
    const database = await backendDatabase(backend);
    drop = () => database.drop();
    server = await startTestServer({ env: database.env });
    await createDistrict(server.baseUrl, "north");
    const paired = await pairKiosk(server.baseUrl, "north");
    socket = paired.socket;
    const { db } = server.server.store;
    await expect
      .poll(
        async () =>
          (
            await db
              .selectFrom("screens")
              .select("connection_id")
              .where("id", "=", paired.screenId)
              .executeTakeFirst()
          )?.connection_id ?? null,
        { timeout: 10_000 },
      )
      .not.toBeNull();
    // Stopped at once: the disconnect is written on the way out, not lost with the process.
    await server.stop();
    const config =
      backend.name === "SQLite"
        ? ({ kind: "sqlite", file: join(server.dataDir, "signage.db") } as const)
        : ({ kind: "postgres", url: database.env["DATABASE_URL"] ?? "" } as const);
    const after = openStore(config);
    try {
      const row = await after.db
        .selectFrom("screens")
        .select("connection_id")
        .where("id", "=", paired.screenId)
        .executeTakeFirstOrThrow();
      expect(row.connection_id).toBeNull();
      const open = await after.db
        .selectFrom("screen_connections")
        .select("id")
        .where("screen_id", "=", paired.screenId)
        .where("disconnected_at", "is", null)
        .execute();
      expect(open).toEqual([]);
    } finally {
      await after.db.destroy();
    }
  });
});
