import { afterEach, describe, expect, it } from "vitest";
import pg from "pg";
import { migrateToLatest, openStore } from "../../server/store/database";
import { buildAnnouncementInput } from "../support/factories";
import { makeDataDir, postJson, removeDataDir, startTestServer } from "../support/testServer";
import { join } from "node:path";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDataDir(d);
});

describe("storage", () => {
  it("runs migrations once; a second run applies nothing", async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const store = openStore({ kind: "sqlite", file: join(dir, "m.db") });
    try {
      const first = await migrateToLatest(store);
      expect(first.length).toBeGreaterThan(0);
      expect(first.every((r) => r.status === "Success")).toBe(true);
      expect(await migrateToLatest(store)).toEqual([]);
    } finally {
      await store.db.destroy();
    }
  });

  it("keeps its data when the server restarts on the same data directory", async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const first = await startTestServer({ dataDir: dir });
    const res = await postJson(
      `${first.baseUrl}/api/announcements`,
      buildAnnouncementInput({ title: "重启后仍在" }),
    );
    expect(res.status).toBe(201);
    await first.stop();

    const second = await startTestServer({ dataDir: dir });
    try {
      const list = (await (await fetch(`${second.baseUrl}/api/announcements`)).json()) as {
        announcements: { title: string; version: number }[];
      };
      expect(list.announcements.map((a) => a.title)).toEqual(["重启后仍在"]);
      const again = await postJson(`${second.baseUrl}/api/announcements`, buildAnnouncementInput());
      const v = (again.body as { announcement: { version: number } }).announcement.version;
      expect(v).toBe((list.announcements[0]?.version ?? 0) + 1);
    } finally {
      await second.stop();
    }
  });
});

describe("PostgreSQL", () => {
  const admin =
    process.env["SIGNAGE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const dbName = `signage_test_${process.pid}_${Date.now()}`;

  it("migrates a fresh PostgreSQL database and is a no-op the second time", async () => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE ${dbName}`);
    const store = openStore({
      kind: "postgres",
      url: Object.assign(new URL(admin), { pathname: `/${dbName}` }).toString(),
    });
    try {
      expect((await migrateToLatest(store)).length).toBeGreaterThan(0);
      expect(await migrateToLatest(store)).toEqual([]);
      const row = await store.db
        .insertInto("change_log")
        .values({ kind: "announcement.published", entity_id: "x", at: new Date().toISOString() })
        .returning("version")
        .executeTakeFirstOrThrow();
      expect(row.version).toBe(1);
    } finally {
      await store.db.destroy();
      await client.query(`DROP DATABASE IF EXISTS ${dbName}`);
      await client.end();
    }
  });
});
