import pg from "pg";

/** Administrative connection for the scale-out tests; CI and the dev machine run PostgreSQL here. */
export const postgresAdminUrl =
  process.env["SIGNAGE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A throw-away PostgreSQL database; `drop()` removes it. */
export interface TempDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the test PostgreSQL server. */
export async function createTempDatabase(): Promise<TempDatabase> {
  const name = `signage_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresAdminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
