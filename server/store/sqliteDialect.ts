import type SqliteDatabase from "better-sqlite3";
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from "kysely";

/** Prepared statements kept per database, by their SQL (least recently used dropped first). */
export const STATEMENTS_KEPT = 500;

/**
 * Kysely's SQLite dialect with a driver of our own (`SqliteStoreDriver`), for three reasons.
 *
 * Speed under load. Kysely's driver hands its one connection on through a mutex that wakes every
 * waiter at each release (each re-checks and all but one wait again) and prepares every query's
 * statement afresh. With a few hundred queries waiting, as when thousands of screens reconnect
 * after a restart, that alone took most of the server's main thread (a profile of bench:storm:
 * two thirds of the time in Kysely's lock and better-sqlite3's prepare). Here waiters queue in
 * order and each release wakes exactly one, and statements are kept by their SQL.
 *
 * A rollback finding no transaction open is skipped. On a full or failing disk (SQLITE_FULL,
 * SQLITE_IOERR…) SQLite rolls the transaction back itself; a ROLLBACK then fails with "cannot
 * rollback - no transaction is active", and that error would replace the one that says what
 * happened (https://sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction").
 *
 * And transactions begin IMMEDIATE: one that reads before it writes would otherwise fail at once
 * with SQLITE_BUSY (snapshot), not wait out busy_timeout, when another process (a command beside
 * the server: rotate-key --online, import) committed in between
 * (https://sqlite.org/lang_transaction.html, "Read transactions", and isolation.html).
 */
export class RollbackSafeSqliteDialect extends SqliteDialect {
  readonly #sqlite: SqliteDatabase.Database;

  constructor(sqlite: SqliteDatabase.Database) {
    super({ database: sqlite });
    this.#sqlite = sqlite;
  }

  override createDriver(): Driver {
    return new SqliteStoreDriver(this.#sqlite);
  }
}

/** The one connection of a SQLite database, lent to one query or transaction at a time. */
export class SqliteStoreDriver implements Driver {
  readonly #sqlite: SqliteDatabase.Database;
  readonly #connection: SqliteStoreConnection;
  #busy = false;
  /** Who waits for the connection, first come first served. */
  readonly #waiting: (() => void)[] = [];
  #head = 0;

  constructor(sqlite: SqliteDatabase.Database) {
    this.#sqlite = sqlite;
    this.#connection = new SqliteStoreConnection(sqlite);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(this.#connection);
    }
    return new Promise((resolve) => {
      this.#waiting.push(() => resolve(this.#connection));
    });
  }

  releaseConnection(): Promise<void> {
    if (this.#head < this.#waiting.length) {
      // Handed straight on: the connection stays busy for the next in line.
      const next = this.#waiting[this.#head];
      this.#waiting[this.#head] = noop;
      this.#head += 1;
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting.splice(0, this.#head);
        this.#head = 0;
      }
      next?.();
    } else {
      this.#busy = false;
      this.#waiting.length = 0;
      this.#head = 0;
    }
    return Promise.resolve();
  }

  /** How many wait for the connection now (for tests and metrics). */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.#sqlite.inTransaction) return;
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoted(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoted(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoted(name)}`));
  }

  destroy(): Promise<void> {
    this.#connection.forget();
    this.#sqlite.close();
    return Promise.resolve();
  }
}

const noop = (): void => undefined;

/** An SQL identifier in double quotes. */
const quoted = (name: string): string => `"${name.replaceAll('"', '""')}"`;

class SqliteStoreConnection implements DatabaseConnection {
  readonly #sqlite: SqliteDatabase.Database;
  /** Insertion order is use order: a hit moves its statement to the end. */
  readonly #statements = new Map<string, SqliteDatabase.Statement>();

  constructor(sqlite: SqliteDatabase.Database) {
    this.#sqlite = sqlite;
  }

  #statement(sql: string): SqliteDatabase.Statement {
    const kept = this.#statements.get(sql);
    if (kept) {
      this.#statements.delete(sql);
      this.#statements.set(sql, kept);
      return kept;
    }
    const made = this.#sqlite.prepare(sql);
    this.#statements.set(sql, made);
    if (this.#statements.size > STATEMENTS_KEPT) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    return made;
  }

  forget(): void {
    this.#statements.clear();
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const stmt = this.#statement(sql);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const { sql, parameters, query } = compiledQuery;
    if (!SelectQueryNode.is(query))
      throw new Error("The SQLite driver streams only select queries.");
    // Its own statement: a kept one may be needed again while this one is still iterating.
    const rows = this.#sqlite.prepare(sql).iterate(parameters);
    return (async function* () {
      for (const row of rows) yield await Promise.resolve({ rows: [row as R] });
    })();
  }
}
