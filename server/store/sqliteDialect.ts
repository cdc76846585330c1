import type SqliteDatabase from "better-sqlite3";
import { CompiledQuery, SqliteDialect, type Driver } from "kysely";

/**
 * Kysely's SQLite dialect, except that a rollback finding no transaction open is skipped. On a
 * full or failing disk (SQLITE_FULL, SQLITE_IOERR…) SQLite rolls the transaction back itself;
 * Kysely's own ROLLBACK then fails with "cannot rollback - no transaction is active", and that
 * error would replace the one that says what happened (https://sqlite.org/lang_transaction.html,
 * "Response To Errors Within A Transaction").
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
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    const sqlite = this.#sqlite;
    driver.rollbackTransaction = (connection) =>
      sqlite.inTransaction ? rollback(connection) : Promise.resolve();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    return driver;
  }
}
