import { afterAll, beforeAll } from "vitest";
import { createTempDatabase, type TempDatabase } from "./postgres";
import { removeDataDir, startTestServer, type TestServer } from "./testServer";

/** A database the server runs on, for suites that run once on each (`describe.each`). */
export interface DatabaseBackend {
  name: "SQLite" | "PostgreSQL";
}

/** SQLite (the default) and PostgreSQL (a fresh database on the test server per suite). */
export const databaseBackends: readonly DatabaseBackend[] = [
  { name: "SQLite" },
  { name: "PostgreSQL" },
];

/** The server's environment for a backend: a fresh PostgreSQL database, or none for SQLite. */
export async function backendDatabase(
  backend: DatabaseBackend,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (backend.name === "SQLite") return { env: {}, drop: () => Promise.resolve() };
  const temp: TempDatabase = await createTempDatabase();
  return { env: { DATABASE_URL: temp.url }, drop: () => temp.drop() };
}

/**
 * `useTestServer` on a backend: a fresh server (and, for PostgreSQL, a fresh database) for a
 * describe block, prepared before its tests and removed afterwards.
 */
export function useTestServerOn(
  backend: DatabaseBackend,
  opts: { env?: Record<string, string>; signIn?: boolean } = {},
  prepare?: (t: TestServer) => Promise<void>,
): () => TestServer {
  let server: TestServer | undefined;
  let database: Awaited<ReturnType<typeof backendDatabase>> | undefined;
  beforeAll(async () => {
    database = await backendDatabase(backend);
    server = await startTestServer({ ...opts, env: { ...opts.env, ...database.env } });
    await prepare?.(server);
  }, 120_000);
  afterAll(async () => {
    if (server) {
      await server.stop();
      removeDataDir(server.dataDir);
    }
    await database?.drop();
    // Stopping waits for redactions in flight, which share two cores with everything else.
  }, 180_000);
  return () => {
    if (!server) throw new Error("the test server has not started");
    return server;
  };
}
