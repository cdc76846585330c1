import { sql, type RawBuilder } from "kysely";

/**
 * `(values (…), (…))` of these rows, to join in `update … from` (one statement for many rows,
 * each with its own values). Its columns are `column1`, `column2`, … on SQLite and PostgreSQL
 * alike; PostgreSQL reads every one as text (parameters carry no type), so a caller casts the
 * others where it uses them.
 */
export function valuesTable(rows: readonly (readonly unknown[])[]): RawBuilder<unknown> {
  return sql`(values ${sql.join(rows.map((row) => sql`(${sql.join(row)})`))})`;
}

/** `v.columnN` of a `valuesTable` joined as `v` (n from 1). */
export function valuesColumn(n: number): RawBuilder<unknown> {
  return sql.ref(`v.column${n}`);
}
