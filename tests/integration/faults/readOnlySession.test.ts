import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../../shared/schemas/apiError";
import {
  api,
  createDistrict,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../../support/testServer";

/**
 * A console session's idle deadline slides on a request (a write, at most once a minute per
 * session). On a database that refuses writes the way a read-only disk does (SQLite's
 * SQLITE_READONLY, here from `query_only` on the server's own connection, so nothing else about
 * the disk changes), that write fails: the read it rode on must answer all the same.
 */
describe("a console session whose idle refresh cannot be written", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "da");
  });
  afterAll(async () => {
    await sql`pragma query_only = OFF`.execute(t.server.store.db);
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("still answers reads on a read-only database, logs the failed refresh, and still refuses writes", async () => {
    const { db } = t.server.store;
    // Last used two minutes ago: the next request slides the deadline.
    await db
      .updateTable("sessions")
      .set({ last_seen_at: new Date(Date.now() - 2 * 60_000).toISOString() })
      .execute();
    await sql`pragma query_only = ON`.execute(db);

    const list = await api(`${t.baseUrl}/api/districts`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { districts: { id: string }[] }).districts).toEqual([
      expect.objectContaining({ id: "da" }),
    ]);
    expect(t.logLines.some((l) => l.includes("session write failed; the request goes on"))).toBe(
      true,
    );
    // A write is refused as a read-only disk refuses it; nothing else changed.
    const create = await api(`${t.baseUrl}/api/districts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "db", parentId: null, nameZh: "db区", nameEn: "db district" }),
    });
    expect(create.status).toBe(503);
    expect(ApiErrorSchema.parse(await create.json()).error.reason).toBe("storage.unwritable");

    // Writable again: the deadline slides on the next request.
    await sql`pragma query_only = OFF`.execute(db);
    expect((await api(`${t.baseUrl}/api/districts`)).status).toBe(200);
    const [session] = await db.selectFrom("sessions").select("last_seen_at").execute();
    expect(Date.now() - Date.parse(session?.last_seen_at ?? "")).toBeLessThan(60_000);
  });
});
