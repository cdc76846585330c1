import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type {
  CreateUserInput,
  LoginInput,
  RoleGrant,
  SetupInput,
  UpdateUserInput,
  UserView,
} from "../../../shared/schemas/account";
import { AppError, RateLimitedError } from "../../errors";
import { presentUser } from "../../presenters/presentUser";
import { RateLimiter } from "../RateLimiter";
import type { Database } from "../../store/schema";
import { takeLock } from "../../store/transactionLocks";
import {
  countUsers,
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOf,
  findSession,
  getUser,
  getUserByEmail,
  insertSession,
  insertUser,
  listUsers,
  replaceRoles,
  rolesOf,
  touchSession,
  updateUser,
} from "../../store/users";
import type { AuditLog } from "../AuditLog";
import { LOGIN_DELAY, LoginThrottle } from "./LoginThrottle";
import { dummyPasswordHash, generatePassword, hashPassword, verifyPassword } from "./passwordHash";
import type { UserPrincipal } from "./principal";
import { said } from "../../../shared/messages/errorMessages";

/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
/** ...and after this long in any case (a working day). */
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/**
 * Sign-in limits: failures per account before the progressive delay starts (see LoginThrottle),
 * and failed sign-ins per client address in `windowMs`.
 */
export const LOGIN_LIMITS = {
  perAccount: LOGIN_DELAY.freeFailures,
  perAddress: 20,
  windowMs: 15 * 60 * 1000,
};

/** The SHA-256 under which a session cookie value is stored. */
export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Console sessions that just ended or lost the rights they were opened with: one session
 * (sign-out), or every session of a user but at most one (disable, role change, password change
 * or reset). Their open sockets must end too.
 */
export type SessionsEnded =
  { userId: string; session: string } | { userId: string; exceptSession?: string };

/** Who is acting, for the audit log. */
export type Actor = { type: "user"; id: string } | { type: "cli" } | { type: "anonymous" };

/**
 * Users, passwords and sessions. Sessions live in the database, so signing out, disabling a
 * user or changing roles takes effect on the next request; the console sockets of what ended are
 * ended at once through `sessionsEnded`. Sign-in failures slow an account down
 * progressively (never a lock: see LoginThrottle) and are limited per client address; they answer
 * the same sentence whether or not the email exists.
 */
export class UserAccounts {
  private readonly perAccount: LoginThrottle;
  private readonly perAddress: RateLimiter;
  /** Wrong current passwords per user when changing one's password. */
  private readonly passwordChecks: RateLimiter;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      /** PostgreSQL needs a lock so concurrent first-run set-ups make one admin. */
      kind?: "sqlite" | "postgres";
      audit: AuditLog;
      log: Logger;
      now?: () => Date;
      /** Told after the commit which sessions ended, so their console sockets end as well. */
      sessionsEnded?: (ended: SessionsEnded) => void;
    },
  ) {
    const clock = () => this.now().getTime();
    this.perAccount = new LoginThrottle(clock);
    this.passwordChecks = new RateLimiter(LOGIN_LIMITS.perAccount, LOGIN_LIMITS.windowMs, clock);
    this.perAddress = new RateLimiter(LOGIN_LIMITS.perAddress, LOGIN_LIMITS.windowMs, clock);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Whether no user exists yet (first-run setup is open). */
  async setupNeeded(): Promise<boolean> {
    return (await countUsers(this.deps.db)) === 0;
  }

  /** Creates the first admin (whole city); refused once any user exists. */
  async setupFirstAdmin(input: Omit<SetupInput, "setupToken">, actor: Actor): Promise<UserView> {
    const hash = await hashPassword(input.password);
    return this.deps.db.transaction().execute(async (trx) => {
      // SQLite serialises writers already; PostgreSQL's READ COMMITTED would let two
      // set-ups both count zero users.
      await takeLock(trx, "firstRunSetup", this.deps.kind ?? "sqlite");
      if ((await countUsers(trx)) > 0) throw new AppError(409, "conflict", said("auth.setupDone"));
      return this.insert(
        trx,
        { ...input, roles: [{ role: "admin", scope: "*" }] },
        hash,
        false,
        actor,
      );
    });
  }

  private async insert(
    db: Kysely<Database>,
    input: { email: string; displayName: string; roles: RoleGrant[] },
    passwordHash: string,
    mustChange: boolean,
    actor: Actor,
  ): Promise<UserView> {
    if (await getUserByEmail(db, input.email))
      throw new AppError(409, "conflict", said("user.emailTaken", { email: input.email }));
    const at = this.now().toISOString();
    const row = {
      id: randomUUID(),
      email: input.email.toLowerCase(),
      display_name: input.displayName,
      password_hash: passwordHash,
      state: "active" as const,
      must_change_password: mustChange ? 1 : 0,
      created_at: at,
      updated_at: at,
    };
    await insertUser(db, row, input.roles);
    await this.deps.audit.record(db, {
      actor: actorOf(actor),
      action: "user.created",
      target: { type: "user", id: row.id },
      details: { email: row.email, roles: input.roles },
    });
    this.deps.log.info({ userId: row.id, roles: input.roles }, "user created");
    return presentUser(row, (await rolesOf(db, [row.id])).get(row.id) ?? []);
  }

  /**
   * Creates a user. Without a password, a one-time password is generated, returned once and
   * must be changed at first sign-in.
   */
  async create(
    input: CreateUserInput,
    actor: Actor,
  ): Promise<{ user: UserView; oneTimePassword?: string }> {
    const oneTime = input.password === undefined ? generatePassword() : undefined;
    const hash = await hashPassword(input.password ?? oneTime ?? "");
    const user = await this.deps.db
      .transaction()
      .execute((trx) => this.insert(trx, input, hash, oneTime !== undefined, actor));
    return oneTime === undefined ? { user } : { user, oneTimePassword: oneTime };
  }

  /** All users with their roles. */
  async list(): Promise<UserView[]> {
    const rows = await listUsers(this.deps.db);
    const roles = await rolesOf(
      this.deps.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => presentUser(r, roles.get(r.id) ?? []));
  }

  /** One user, or a 404. */
  async get(id: string): Promise<UserView> {
    const row = await getUser(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", said("user.notFound", { id }));
    return presentUser(row, (await rolesOf(this.deps.db, [id])).get(id) ?? []);
  }

  /** Renames, re-roles, disables or enables a user; disabling ends their sessions at once. */
  async update(id: string, input: UpdateUserInput, actor: Actor): Promise<UserView> {
    if (actor.type === "user" && actor.id === id && (input.disabled === true || input.roles))
      throw new AppError(409, "conflict", said("user.notYourself"));
    const user = await this.deps.db.transaction().execute(async (trx) => {
      const before = await getUser(trx, id);
      if (!before) throw new AppError(404, "not_found", said("user.notFound", { id }));
      const rolesBefore = (await rolesOf(trx, [id])).get(id) ?? [];
      const at = this.now().toISOString();
      await updateUser(trx, id, {
        ...(input.displayName !== undefined ? { display_name: input.displayName } : {}),
        ...(input.disabled !== undefined ? { state: input.disabled ? "disabled" : "active" } : {}),
        updated_at: at,
      });
      if (input.roles) {
        await replaceRoles(trx, id, input.roles);
        await this.deps.audit.record(trx, {
          actor: actorOf(actor),
          action: "user.roles_changed",
          target: { type: "user", id },
          details: { before: rolesBefore, after: input.roles },
        });
      }
      if (input.disabled === true) {
        await deleteSessionsOf(trx, id);
        await this.deps.audit.record(trx, {
          actor: actorOf(actor),
          action: "user.disabled",
          target: { type: "user", id },
        });
      }
      if (input.displayName !== undefined || input.disabled === false) {
        await this.deps.audit.record(trx, {
          actor: actorOf(actor),
          action: "user.updated",
          target: { type: "user", id },
          details: {
            ...(input.displayName !== undefined
              ? { displayName: { before: before.display_name, after: input.displayName } }
              : {}),
            ...(input.disabled === false ? { enabled: true } : {}),
          },
        });
      }
      const row = await getUser(trx, id);
      if (!row) throw new AppError(404, "not_found", said("user.notFound", { id }));
      return presentUser(row, (await rolesOf(trx, [id])).get(id) ?? []);
    });
    // A socket keeps the rights it was admitted with; it must not outlive a change of them.
    if (input.disabled === true || input.roles) this.deps.sessionsEnded?.({ userId: id });
    return user;
  }

  /** An admin resets a password: a new one-time password, every session of the user ended. */
  async resetPassword(id: string, actor: Actor): Promise<string> {
    const oneTime = generatePassword();
    const hash = await hashPassword(oneTime);
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await getUser(trx, id)))
        throw new AppError(404, "not_found", said("user.notFound", { id }));
      await updateUser(trx, id, {
        password_hash: hash,
        must_change_password: 1,
        updated_at: this.now().toISOString(),
      });
      await deleteSessionsOf(trx, id);
      await this.deps.audit.record(trx, {
        actor: actorOf(actor),
        action: "user.password_reset",
        target: { type: "user", id },
      });
    });
    this.deps.sessionsEnded?.({ userId: id });
    return oneTime;
  }

  /** A user changes their own password; their other sessions end. */
  async changePassword(p: UserPrincipal, current: string, next: string): Promise<void> {
    // A stolen session must not be a way to guess the password without limit.
    const key = `password-change:${p.id}`;
    const wait = this.passwordChecks.retryAfterSeconds(key);
    if (wait > 0)
      throw new RateLimitedError(wait, said("auth.tooManyPasswordChecks", { waitSeconds: wait }));
    this.passwordChecks.hit(key);
    const row = await getUser(this.deps.db, p.id);
    if (!row || !(await verifyPassword(current, row.password_hash)))
      throw new AppError(400, "invalid_credentials", said("auth.wrongCurrentPassword"));
    this.passwordChecks.forgive(key);
    if (current === next) throw new AppError(400, "validation_failed", said("auth.samePassword"));
    const hash = await hashPassword(next);
    await this.deps.db.transaction().execute(async (trx) => {
      await updateUser(trx, p.id, {
        password_hash: hash,
        must_change_password: 0,
        updated_at: this.now().toISOString(),
      });
      await deleteSessionsOf(trx, p.id, p.sessionHash);
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "auth.password_changed",
        target: { type: "user", id: p.id },
      });
    });
    // The sessions that ended (a thief's, say) lose their sockets; this one goes on.
    this.deps.sessionsEnded?.({ userId: p.id, exceptSession: p.sessionHash });
  }

  /**
   * Signs in: returns the user and a new session token (for the cookie). Unknown email, wrong
   * password and disabled account all answer the same 401; repeated failures answer 429.
   */
  async login(input: LoginInput, address: string): Promise<{ user: UserView; token: string }> {
    const email = input.email.trim().toLowerCase();
    const row = await getUserByEmail(this.deps.db, email);
    // A new password (an admin's reset) starts the account's count afresh.
    const passwordStamp = row
      ? createHash("sha256").update(row.password_hash).digest("base64url")
      : "";
    const addressWait = this.perAddress.retryAfterSeconds(address);
    // Counted before the slow hash, so guesses sent at once cannot all slip under the limit;
    // a successful sign-in takes its count back.
    const accountWait = addressWait > 0 ? 0 : this.perAccount.attempt(email, passwordStamp);
    if (addressWait > 0 || accountWait > 0) {
      const wait = Math.max(addressWait, accountWait);
      await this.deps.audit.record(this.deps.db, {
        actor: { type: "anonymous" },
        action: "auth.login_failed",
        target: { type: "email", id: email },
        details: { reason: "rate_limited", address, retryAfterSeconds: wait },
      });
      throw new RateLimitedError(
        wait,
        said(addressWait > 0 ? "auth.tooManyFromAddress" : "auth.tooManyForAccount", {
          waitSeconds: wait,
        }),
      );
    }
    this.perAddress.hit(address);
    // Hash even for an unknown email, so the answer takes as long either way.
    const matches = await verifyPassword(
      input.password,
      row?.password_hash ?? (await dummyPasswordHash()),
    );
    if (!row || !matches || row.state !== "active") {
      await this.deps.audit.record(this.deps.db, {
        actor: { type: "anonymous" },
        action: "auth.login_failed",
        target: row ? { type: "user", id: row.id } : { type: "email", id: email },
        details: {
          reason: !row ? "unknown_email" : !matches ? "wrong_password" : "disabled",
          address,
        },
      });
      throw new AppError(401, "invalid_credentials", said("auth.wrongPassword"));
    }
    this.perAccount.succeeded(email);
    this.perAddress.forgive(address);
    const token = randomBytes(32).toString("base64url");
    const now = this.now();
    const at = now.toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await deleteExpiredSessions(trx, at);
      await insertSession(trx, {
        id_hash: hashSessionToken(token),
        user_id: row.id,
        created_at: at,
        last_seen_at: at,
        expires_at: new Date(now.getTime() + SESSION_IDLE_MS).toISOString(),
      });
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: row.id },
        action: "auth.login",
        target: { type: "user", id: row.id },
        details: { address },
      });
    });
    this.deps.log.info({ userId: row.id }, "signed in");
    return {
      user: presentUser(row, (await rolesOf(this.deps.db, [row.id])).get(row.id) ?? []),
      token,
    };
  }

  /** Ends a session. */
  async logout(p: UserPrincipal): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      await deleteSession(trx, p.sessionHash);
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "auth.logout",
        target: { type: "user", id: p.id },
      });
    });
    this.deps.sessionsEnded?.({ userId: p.id, session: p.sessionHash });
  }

  /**
   * The user behind a session cookie, with roles read now, or undefined when the session is
   * unknown, idle too long, past its maximum age, or its user is disabled.
   */
  async authenticate(token: string): Promise<UserPrincipal | undefined> {
    const idHash = hashSessionToken(token);
    const now = this.now();
    const s = await findSession(this.deps.db, idHash, now.toISOString());
    if (!s || s.state !== "active") return undefined;
    if (now.getTime() - Date.parse(s.created_at) > SESSION_MAX_MS) {
      await this.bestEffort(deleteSession(this.deps.db, idHash), s.user_id, "delete");
      return undefined;
    }
    // Slide the idle deadline, at most once a minute per session to spare the database.
    if (now.getTime() - Date.parse(s.last_seen_at) > 60_000) {
      await this.bestEffort(
        touchSession(
          this.deps.db,
          idHash,
          now.toISOString(),
          new Date(now.getTime() + SESSION_IDLE_MS).toISOString(),
        ),
        s.user_id,
        "refresh",
      );
    }
    return {
      kind: "user",
      id: s.user_id,
      email: s.email,
      displayName: s.display_name,
      roles: (await rolesOf(this.deps.db, [s.user_id])).get(s.user_id) ?? [],
      mustChangePassword: s.must_change_password === 1,
      sessionHash: idHash,
    };
  }

  /**
   * Waits for a write a read makes on the side (a session's idle deadline slid, an outlived
   * session dropped) and logs its failure instead of failing the read: on a disk gone read-only
   * the console keeps reading; the deadline slides on a later request.
   */
  private async bestEffort(write: Promise<void>, userId: string, what: string): Promise<void> {
    try {
      await write;
    } catch (err) {
      this.deps.log.warn({ err, userId, write: what }, "session write failed; the request goes on");
    }
  }
}

/** The audit actor for an Actor. */
export function actorOf(actor: Actor): { type: "user" | "cli" | "anonymous"; id?: string } {
  return actor.type === "user" ? { type: "user", id: actor.id } : { type: actor.type };
}
