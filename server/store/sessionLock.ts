import type { Kysely } from "kysely";
import type pg from "pg";
import { postgresPoolOf } from "./database";
import type { Database } from "./schema";
import { databaseKindOf } from "./transactionLocks";

/** A job that one server process does for all of them. */
export type SessionLockName = "alertMonitor";

// pg_try_advisory_lock keys: the ASCII bytes of "SIGNALRT" as a signed bigint (the transaction
// locks' keys, store/transactionLocks.ts, are spelled the same way and differ).
const POSTGRES_KEYS: Record<SessionLockName, string> = {
  alertMonitor: "6001406379876438612",
};

/** How long a question on the lock's connection may take before the connection counts as dead. */
const PROBE_TIMEOUT_MS = 5_000;

/** The connection a held lock lives on, and the session on the server's side. */
interface Holding {
  client: pg.PoolClient;
  /** The server process of that session and when it started (pids are reused). */
  pid: number;
  started: string;
}

/** The connection did not answer in time (a half-open connection, a stalled network). */
class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`The database did not answer on the lock's connection within ${String(ms)} ms.`);
    this.name = "ProbeTimeout";
  }
}

/**
 * Elects one process of several sharing a PostgreSQL database to do a job for all (the alert
 * checks): a session-level advisory lock (pg_try_advisory_lock), taken on a connection this
 * process keeps out of its pool while it holds the lock. The lock lives as long as that session:
 * a process that dies, or loses its connection, lets another take over at its next try; none
 * waits. A connection that stops answering (half-open: no error ever comes) is given up after
 * `probeTimeoutMs`: destroyed, its session ended on the server, and the lock taken again.
 * SQLite serves one process, which always holds it.
 */
export class SessionLock {
  private holding: Holding | undefined;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly name: SessionLockName,
    opts: { probeTimeoutMs?: number } = {},
  ) {
    this.probeTimeoutMs = opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  }

  /**
   * Whether this process holds the lock now: checks that the session holding it is still alive,
   * else tries to take it. Throws when the database cannot be reached.
   */
  async holds(): Promise<boolean> {
    if (databaseKindOf(this.db) === "sqlite") return true;
    const holding = this.holding;
    if (holding) {
      try {
        await this.ask(holding.client, "select 1");
        return true;
      } catch (err) {
        // The session ended (a database restart, a dropped connection), or the connection
        // stopped answering: the lock goes (or is made to go) with it.
        this.holding = undefined;
        // Out of the pool for good (a pool client released with an error is ended, not reused).
        holding.client.release(err instanceof Error ? err : new Error(String(err)));
        if (err instanceof ProbeTimeout) {
          // Ending it politely waits for an answer that never comes: close the socket here.
          destroySocket(holding.client);
          await this.endSession(holding);
        }
      }
    }
    return this.take();
  }

  /** Gives the lock up (and its connection back to the pool); another process may take it. */
  async release(): Promise<void> {
    const holding = this.holding;
    this.holding = undefined;
    if (!holding) return;
    const key = POSTGRES_KEYS[this.name];
    try {
      // Unlocked, so the pooled connection holds nothing.
      await this.ask(holding.client, `select pg_advisory_unlock(${key})`);
      holding.client.release();
    } catch (err) {
      holding.client.release(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private pool(): pg.Pool {
    const pool = postgresPoolOf(this.db);
    if (!pool) throw new Error("SessionLock needs a PostgreSQL store opened by openStore.");
    return pool;
  }

  private async take(): Promise<boolean> {
    const client = await this.pool().connect();
    try {
      const r = await this.ask<{ got: boolean; pid: number; started: string | null }>(
        client,
        `select pg_try_advisory_lock(${POSTGRES_KEYS[this.name]}) as got, pg_backend_pid() as pid,
           (select backend_start::text from pg_stat_activity where pid = pg_backend_pid()) as started`,
      );
      const row = r.rows[0];
      if (row?.got !== true) {
        client.release();
        return false;
      }
      this.holding = { client, pid: row.pid, started: row.started ?? "" };
      return true;
    } catch (err) {
      client.release(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  /**
   * Ends the session of a connection that stopped answering, from another connection: on the
   * server's side it would hold the lock until TCP keepalive gives up (hours). Best effort: the
   * database may be unreachable too, or the role not allowed to.
   */
  private async endSession(holding: Holding): Promise<void> {
    const client = await this.pool()
      .connect()
      .catch(() => undefined);
    if (!client) return;
    try {
      await this.ask(
        client,
        `select pg_terminate_backend(pid) from pg_stat_activity
           where pid = ${String(holding.pid)} and backend_start::text = $1`,
        [holding.started],
      );
      client.release();
    } catch (err) {
      client.release(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** A query on `client` that fails with ProbeTimeout when no answer comes in time. */
  private ask<R extends pg.QueryResultRow>(
    client: pg.PoolClient,
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeTimeout(this.probeTimeoutMs)), this.probeTimeoutMs);
    });
    const answer = client.query<R>(text, values);
    // A late failure, once the timeout won, is nobody's to hear.
    answer.catch(() => undefined);
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  }
}

/** Closes a pg client's socket at once (node-postgres keeps it as `connection.stream`). */
function destroySocket(client: pg.PoolClient): void {
  (
    client as { connection?: { stream?: { destroy?: () => void } } }
  ).connection?.stream?.destroy?.();
}
