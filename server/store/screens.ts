import type { Kysely, Transaction, Updateable } from "kysely";
import type { Database, ScreenRow, ScreenTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** All screens, by district then name. */
export async function listScreens(db: Db): Promise<ScreenRow[]> {
  return db.selectFrom("screens").selectAll().orderBy("district_id").orderBy("name").execute();
}

/** One screen. */
export async function getScreen(db: Db, id: string): Promise<ScreenRow | undefined> {
  return db.selectFrom("screens").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The active screen holding a token (looked up by the token's hash). */
export async function screenByTokenHash(db: Db, tokenHash: string): Promise<ScreenRow | undefined> {
  return db
    .selectFrom("screens")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .where("state", "=", "active")
    .executeTakeFirst();
}

/** Changes some columns of a screen. */
export async function updateScreen(
  db: Db,
  id: string,
  set: Updateable<ScreenTable>,
): Promise<void> {
  await db.updateTable("screens").set(set).where("id", "=", id).execute();
}
