import pg from "pg";

/** Administrative connection for the scale-out tests; CI and the dev machine run PostgreSQL here. */
export const postgresAdminUrl =
  process.env["SIGNAGE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A throw-away PostgreSQL database; `drop()` removes it once its sessions have closed. */
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
        // pool.end() resolves before PostgreSQL has seen every Terminate; DROP … WITH (FORCE)
        // would then kill a closing client, which reports "terminating connection due to
        // administrator command" as an uncaught error. Wait (up to 5 s) for them to leave.
        for (let i = 0; i < 100; i++) {
          const res = await c.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where datname = $1",
            [name],
          );
          if (res.rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
