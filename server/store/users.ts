import type { Kysely, Transaction } from "kysely";
import type { RoleGrant } from "../../shared/schemas/account";
import type { Database, SessionTable, UserRow, UserTable } from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** How many users exist (first-run setup works only at zero). */
export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A user by id. */
export async function getUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A user by (lower-cased) email. */
export async function getUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where("email", "=", email.toLowerCase())
    .executeTakeFirst();
}

/** All users, by email. */
export async function listUsers(db: Db): Promise<UserRow[]> {
  return db.selectFrom("users").selectAll().orderBy("email").execute();
}

/** Inserts a user with its roles. */
export async function insertUser(
  db: Db,
  row: UserTable,
  roles: readonly RoleGrant[],
): Promise<void> {
  await db.insertInto("users").values(row).execute();
  await replaceRoles(db, row.id, roles);
}

/** Updates a user's columns. */
export async function updateUser(
  db: Db,
  id: string,
  set: Partial<Omit<UserTable, "id" | "created_at">>,
): Promise<void> {
  await db.updateTable("users").set(set).where("id", "=", id).execute();
}

/** Replaces a user's roles as a whole. */
export async function replaceRoles(
  db: Db,
  userId: string,
  roles: readonly RoleGrant[],
): Promise<void> {
  await db.deleteFrom("user_roles").where("user_id", "=", userId).execute();
  const unique = new Map(roles.map((r) => [`${r.role} ${r.scope}`, r]));
  if (unique.size > 0)
    await db
      .insertInto("user_roles")
      .values([...unique.values()].map((r) => ({ user_id: userId, role: r.role, scope: r.scope })))
      .execute();
}

/** The roles of some users, by user id. */
export async function rolesOf(
  db: Db,
  userIds: readonly string[],
): Promise<Map<string, RoleGrant[]>> {
  const out = new Map<string, RoleGrant[]>();
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom("user_roles")
    .select(["user_id", "role", "scope"])
    .where("user_id", "in", [...userIds])
    .orderBy("role")
    .orderBy("scope")
    .execute();
  for (const r of rows)
    out.set(r.user_id, [...(out.get(r.user_id) ?? []), { role: r.role, scope: r.scope }]);
  return out;
}

/** Stores a new session. */
export async function insertSession(db: Db, row: SessionTable): Promise<void> {
  await db.insertInto("sessions").values(row).execute();
}

/** A live session with its user, or undefined. */
export async function findSession(db: Db, idHash: string, now: string) {
  return db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select([
      "sessions.id_hash",
      "sessions.created_at",
      "sessions.last_seen_at",
      "sessions.expires_at",
      "users.id as user_id",
      "users.email",
      "users.display_name",
      "users.state",
      "users.must_change_password",
    ])
    .where("sessions.id_hash", "=", idHash)
    .where("sessions.expires_at", ">", now)
    .executeTakeFirst();
}

/** Moves a session's idle deadline. */
export async function touchSession(
  db: Db,
  idHash: string,
  lastSeen: string,
  expires: string,
): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ last_seen_at: lastSeen, expires_at: expires })
    .where("id_hash", "=", idHash)
    .execute();
}

/** Ends one session. */
export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
}

/** Ends every session of a user (disabled, reset or password changed), except `keep`. */
export async function deleteSessionsOf(db: Db, userId: string, keep?: string): Promise<void> {
  let q = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (keep !== undefined) q = q.where("id_hash", "!=", keep);
  await q.execute();
}

/** Drops sessions past their deadline. */
export async function deleteExpiredSessions(db: Db, now: string): Promise<void> {
  await db.deleteFrom("sessions").where("expires_at", "<=", now).execute();
}
