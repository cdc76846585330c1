import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../shared/schemas/apiError";
import { createTempDatabase, postgresAdminUrl, type TempDatabase } from "../support/postgres";
import { removeDataDir, startTestServer, type TestServer } from "../support/testServer";

/** The database's name in its connection address. */
function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}

/**
 * Makes the server's PostgreSQL database unusable, as an outage does: new connections are
 * refused and the ones the server holds are closed. `false` lets connections in again.
 */
async function refuseConnections(database: TempDatabase, refuse: boolean): Promise<void> {
  const name = databaseName(database.url);
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${refuse ? "false" : "true"}`);
    if (refuse)
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1",
        [name],
      );
  } finally {
    await admin.end();
  }
}

describe("/healthz tells a probe whether the server can use its database", () => {
  let database: TempDatabase;
  let t: TestServer;

  beforeAll(async () => {
    database = await createTempDatabase();
    t = await startTestServer({ env: { DATABASE_URL: database.url } });
  });
  afterAll(async () => {
    await refuseConnections(database, false);
    await t.stop();
    removeDataDir(t.dataDir);
    await database.drop();
  });

  const health = async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("answers 200 while the database answers", async () => {
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", database: "ok" });
  });

  it("answers 503 with a code and a sentence while the database cannot be used, and 200 again once it can", async () => {
    await refuseConnections(database, true);
    await expect.poll(async () => (await health()).status, { timeout: 20_000 }).toBe(503);
    const down = await health();
    expect(down.body).toMatchObject({ status: "degraded", database: "unreachable" });
    const error = ApiErrorSchema.parse(down.body).error;
    expect(error.code).toBe("unavailable");
    expect(error.message).toMatch(/database/);
    // The operator's log says why.
    expect(t.logLines.some((l) => l.includes("health check: database unreachable"))).toBe(true);

    await refuseConnections(database, false);
    await expect.poll(async () => (await health()).status, { timeout: 20_000 }).toBe(200);
    expect((await health()).body).toMatchObject({ status: "ok", database: "ok" });
  });
});
