import { afterEach, describe, expect, it } from "vitest";
import { migrateToLatest, openStore } from "../../server/store/database";
import { publishAnnouncement } from "../support/announcements";
import { buildAnnouncementInput } from "../support/factories";
import { buildEntryInput } from "../support/entryFactory";
import { createTempDatabase } from "../support/postgres";
import {
  api,
  createDistrict,
  makeDataDir,
  postJson,
  removeDataDir,
  startTestServer,
} from "../support/testServer";
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
    await publishAnnouncement(first, buildAnnouncementInput({ title: "重启后仍在" }));
    await first.stop();

    const second = await startTestServer({ dataDir: dir });
    try {
      const list = (await (await api(`${second.baseUrl}/api/announcements`)).json()) as {
        announcements: { title: string; version: number }[];
      };
      expect(list.announcements.map((a) => a.title)).toEqual(["重启后仍在"]);
      const again = await publishAnnouncement(second, buildAnnouncementInput());
      expect(again.version).toBe((list.announcements[0]?.version ?? 0) + 1);
    } finally {
      await second.stop();
    }
  });
});

describe("PostgreSQL", () => {
  it("migrates a fresh PostgreSQL database and is a no-op the second time", async () => {
    const temp = await createTempDatabase();
    const store = openStore({ kind: "postgres", url: temp.url });
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
      await temp.drop();
    }
  });

  it("serves announcements and entries from PostgreSQL exactly as from SQLite", async () => {
    const temp = await createTempDatabase();
    const t = await startTestServer({ env: { DATABASE_URL: temp.url } });
    try {
      expect((await publishAnnouncement(t, buildAnnouncementInput())).state).toBe("published");
      await createDistrict(t.baseUrl, "dongcheng");
      const entry = buildEntryInput({ fullName: "诸葛亮", caseNumber: "（2026）PG执1号" });
      const created = await postJson(`${t.baseUrl}/api/entries`, entry);
      expect(created.body).toMatchObject({ entry: { maskedName: "诸葛某" } });
      expect(created.status).toBe(201);
      expect((await postJson(`${t.baseUrl}/api/entries`, entry)).status).toBe(409);
      // Concurrent creates of one case: exactly one wins, the rest are 409s, never a 500.
      const racing = buildEntryInput({ caseNumber: "（2026）PG执2号" });
      const statuses = await Promise.all(
        Array.from(
          { length: 6 },
          async () => (await postJson(`${t.baseUrl}/api/entries`, racing)).status,
        ),
      );
      expect(statuses.sort()).toEqual([201, 409, 409, 409, 409, 409]);
      const res = await api(`${t.baseUrl}/api/entries?q=${encodeURIComponent("PG执1")}`);
      const body = (await res.json()) as {
        entries: { maskedName: string; hasIdNumber: boolean }[];
      };
      expect(body.entries).toEqual([
        expect.objectContaining({ maskedName: "诸葛某", hasIdNumber: true }),
      ]);
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
      await temp.drop();
    }
  });
});
