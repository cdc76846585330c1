import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { ApiErrorSchema, type ApiError } from "../../shared/schemas/apiError";
import { UserViewSchema, type RoleGrant, type UserView } from "../../shared/schemas/account";
import type { AuditRecord } from "../../shared/schemas/auditRecord";
import {
  hashSessionToken,
  LOGIN_LIMITS,
  SESSION_MAX_MS,
} from "../../server/services/auth/UserAccounts";
import type * as PasswordHash from "../../server/services/auth/passwordHash";
import { createTempDatabase, postgresAdminUrl } from "../support/postgres";
import {
  api,
  createDistrict,
  makeDataDir,
  removeDataDir,
  sessionCookieOf,
  setupTokenFromLog,
  signIn,
  startTestServer,
  TEST_ADMIN,
  useTestServer,
  type TestServer,
} from "../support/testServer";

/** The cost ("scrypt$N$r$p") of each stored hash a sign-in checked a password against. */
const passwordChecks = vi.hoisted((): string[] => []);
vi.mock("../../server/services/auth/passwordHash", async (importOriginal) => {
  const real = await importOriginal<typeof PasswordHash>();
  return {
    ...real,
    verifyPassword: (password: string, stored: string) => {
      passwordChecks.push(stored.split("$").slice(0, 4).join("$"));
      return real.verifyPassword(password, stored);
    },
  };
});

// The brief names the districts "a" and "b"; district ids need at least two characters.
const DISTRICT_A = "district-a";
const DISTRICT_B = "district-b";
const SQL_PAYLOAD = "'; DROP TABLE users; --";
const SCRIPT_PAYLOAD = "<script>alert(1)</script>";

/** Every plain password handed to a server in this file; none may reach the audit log. */
const passwordsUsed = new Set<string>([TEST_ADMIN.password]);

/** A parsed answer: status, JSON body (or undefined), raw text and headers. */
interface Answer {
  status: number;
  body: unknown;
  text: string;
  res: Response;
}

/**
 * Calls the API as the console does (Origin set), as the default admin unless `cookie` names
 * another session, or as nobody with `cookie: ""`.
 */
async function call(
  url: string,
  init: { method?: string; body?: unknown; cookie?: string } = {},
): Promise<Answer> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = {};
  // As the console does: every POST, PUT and PATCH says JSON, even with no body.
  if (method !== "GET") headers["Content-Type"] = "application/json";
  if (init.cookie) headers["Cookie"] = init.cookie;
  const res = await api(url, {
    method,
    headers,
    anonymous: init.cookie === "",
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, res };
}

/** The error of an error answer (fails the test if the body is not an ApiError). */
function errorOf(a: Answer): ApiError["error"] {
  return ApiErrorSchema.parse(a.body).error;
}

/** Signs in without the helper's throw, so refusals can be inspected. */
function login(baseUrl: string, email: string, password: string): Promise<Answer> {
  return call(`${baseUrl}/api/auth/login`, {
    method: "POST",
    body: { email, password },
    cookie: "",
  });
}

/** Creates a user as the default admin (or `cookie`); fails the test on refusal. */
async function createUser(
  baseUrl: string,
  input: { email: string; displayName?: string; roles?: RoleGrant[]; password?: string },
  cookie?: string,
): Promise<{ user: UserView; oneTimePassword?: string }> {
  if (input.password !== undefined) passwordsUsed.add(input.password);
  const a = await call(`${baseUrl}/api/users`, {
    method: "POST",
    body: { displayName: input.email, roles: [], ...input },
    ...(cookie !== undefined ? { cookie } : {}),
  });
  if (a.status !== 201) throw new Error(`creating ${input.email}: ${a.status} ${a.text}`);
  const body = a.body as { user: unknown; oneTimePassword?: string };
  if (body.oneTimePassword !== undefined) passwordsUsed.add(body.oneTimePassword);
  return {
    user: UserViewSchema.parse(body.user),
    ...(body.oneTimePassword !== undefined ? { oneTimePassword: body.oneTimePassword } : {}),
  };
}

/** The default admin's own user record. */
async function adminView(baseUrl: string): Promise<UserView> {
  const me = await call(`${baseUrl}/api/auth/me`);
  return UserViewSchema.parse((me.body as { user: unknown }).user);
}

/** How many rows the users table holds. */
async function userCount(t: TestServer): Promise<number> {
  const row = await t.server.store.db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The session token inside a "signage_session=TOKEN" cookie. */
function tokenOf(cookie: string): string {
  return decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
}

/** Every object key anywhere in a JSON value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A password long enough for the rules, unique per call. */
let passwordSeq = 0;
function newPassword(label: string): string {
  const p = `pw ${label} ${++passwordSeq} ${Math.random().toString(36).slice(2)}`;
  passwordsUsed.add(p);
  return p;
}

describe("first-run set-up", () => {
  const server = useTestServer({ signIn: false });

  it("has no default credentials: a fresh server refuses admin/admin like any wrong sign-in", async () => {
    const { baseUrl } = server();
    for (const [email, password] of [
      ["admin", "admin"],
      ["admin@example.com", "admin"],
      ["admin@localhost", "password"],
      ["root", "root"],
    ] as const) {
      const a = await login(baseUrl, email, password);
      expect(a.status).toBe(401);
      expect(errorOf(a).code).toBe("invalid_credentials");
      expect(sessionCookieOf(a.res)).toBeUndefined();
    }
    expect(await userCount(server())).toBe(0);
  });

  it("says set-up is needed while no user exists", async () => {
    const a = await call(`${server().baseUrl}/api/setup`, { cookie: "" });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ needed: true });
  });

  it("refuses set-up without the set-up token, or with a wrong one, and creates nobody", async () => {
    const { baseUrl } = server();
    const without = await call(`${baseUrl}/api/setup`, {
      method: "POST",
      body: TEST_ADMIN,
      cookie: "",
    });
    expect(without.status).toBe(400);
    expect(errorOf(without).code).toBe("validation_failed");
    const wrong = await call(`${baseUrl}/api/setup`, {
      method: "POST",
      body: { ...TEST_ADMIN, setupToken: "not-the-token-the-server-printed" },
      cookie: "",
    });
    expect(wrong.status).toBe(403);
    expect(errorOf(wrong).code).toBe("setup_token_invalid");
    expect(errorOf(wrong).message).toMatch(/signage setup-token/);
    expect(sessionCookieOf(wrong.res)).toBeUndefined();
    expect(await userCount(server())).toBe(0);
  });

  it("prints the set-up token in one log line and keeps it in the data folder, private", () => {
    const t = server();
    const lines = t.logLines.filter((l) => l.includes("set-up token"));
    expect(lines).toHaveLength(1);
    const token = setupTokenFromLog(t.logLines);
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(readFileSync(join(t.dataDir, "setup-token"), "utf8").trim()).toBe(token);
    expect(statSync(join(t.dataDir, "setup-token")).mode & 0o777).toBe(0o600);
  });

  it("creates the first admin of the whole city with the set-up token, signs them in, and deletes the token", async () => {
    const { baseUrl, logLines, dataDir } = server();
    const setupToken = setupTokenFromLog(logLines);
    const a = await call(`${baseUrl}/api/setup`, {
      method: "POST",
      body: { ...TEST_ADMIN, setupToken },
      cookie: "",
    });
    expect(a.status).toBe(201);
    expect(existsSync(join(dataDir, "setup-token"))).toBe(false);
    const user = UserViewSchema.parse((a.body as { user: unknown }).user);
    expect(user).toMatchObject({
      email: TEST_ADMIN.email,
      displayName: TEST_ADMIN.displayName,
      roles: [{ role: "admin", scope: "*" }],
      mustChangePassword: false,
      disabled: false,
    });
    const cookie = sessionCookieOf(a.res);
    expect(cookie).toMatch(/^signage_session=.+/);
    const me = await call(`${baseUrl}/api/auth/me`, { cookie: cookie ?? "" });
    expect(me.status).toBe(200);
    expect((me.body as { user: { id: string } }).user.id).toBe(user.id);
    const after = await call(`${baseUrl}/api/setup`, { cookie: "" });
    expect(after.body).toEqual({ needed: false });
  });

  it("refuses a second set-up with 409 and keeps the single user", async () => {
    const t = server();
    expect(await userCount(t)).toBe(1);
    const a = await call(`${t.baseUrl}/api/setup`, {
      method: "POST",
      body: {
        email: "intruder@example.test",
        displayName: "Intruder",
        password: "intruder password",
        setupToken: "a guessed set-up token",
      },
      cookie: "",
    });
    expect(a.status).toBe(409);
    expect(errorOf(a).code).toBe("conflict");
    expect(sessionCookieOf(a.res)).toBeUndefined();
    expect(await userCount(t)).toBe(1);
    expect((await login(t.baseUrl, "intruder@example.test", "intruder password")).status).toBe(401);
  });
});

/** Audit log writes held up by another connection. */
interface Stall {
  /** Resolves once `n` transactions wait on the held lock (or after 5 s). */
  blocked(n: number): Promise<void>;
  release(): Promise<void>;
}

/**
 * A database the server can run on, for the set-up race. `stall` holds the next writes to the
 * audit log (every set-up appends a record before it commits), so set-ups sent together are all
 * in flight at once; SQLite serialises writers anyway, so there it holds nothing.
 */
const backends: {
  name: string;
  start: () => Promise<{
    t: TestServer;
    stall: () => Promise<Stall>;
    close: () => Promise<void>;
  }>;
}[] = [
  {
    name: "SQLite",
    start: async () => {
      const t = await startTestServer({ signIn: false });
      return {
        t,
        stall: () =>
          Promise.resolve({ blocked: () => Promise.resolve(), release: () => Promise.resolve() }),
        close: async () => {
          await t.stop();
          removeDataDir(t.dataDir);
        },
      };
    },
  },
  {
    name: "PostgreSQL",
    start: async () => {
      const temp = await createTempDatabase();
      const t = await startTestServer({
        dataDir: makeDataDir(),
        signIn: false,
        env: { DATABASE_URL: temp.url },
      });
      return {
        t,
        stall: async () => {
          const other = new pg.Client({ connectionString: temp.url });
          await other.connect();
          await other.query("begin");
          await other.query("lock table audit_log in exclusive mode");
          return {
            blocked: (n) =>
              pollPostgres(
                temp.url,
                "select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'",
                n,
              ),
            release: async () => {
              await other.query("commit");
              await other.end();
            },
          };
        },
        close: async () => {
          await t.stop();
          removeDataDir(t.dataDir);
          await temp.drop();
        },
      };
    },
  },
];

/** Polls `query` (returning n, given the database name) until n is `want`, for up to 5 s. */
async function pollPostgres(url: string, query: string, want: number): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const res = await admin.query<{ n: number }>(query, [name]);
      if (res.rows[0]?.n === want) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await admin.end();
  }
}

describe.each(backends)("first-run set-up sent several times at once ($name)", (backend) => {
  it("creates exactly one admin", async () => {
    const { t, stall, close } = await backend.start();
    const setupToken = setupTokenFromLog(t.logLines);
    try {
      // Fewer than the server's 10 pooled connections, so every set-up can be in flight.
      const racers = 8;
      const stalled = await stall();
      let answers: Promise<Answer[]>;
      try {
        answers = Promise.all(
          Array.from({ length: racers }, (_, i) =>
            call(`${t.baseUrl}/api/setup`, {
              method: "POST",
              cookie: "",
              body: {
                email: `racer-${i}@example.test`,
                displayName: `Racer ${i}`,
                password: "racing to be the first admin",
                setupToken,
              },
            }),
          ),
        );
        await stalled.blocked(racers);
      } finally {
        await stalled.release();
      }
      const statuses = (await answers).map((a) => a.status);
      // Without a lock, PostgreSQL's READ COMMITTED lets set-ups in flight together each see
      // zero users and each create a global admin (this held all 8 before the fix).
      expect(await userCount(t), statuses.join(",")).toBe(1);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("signing in", () => {
  const server = useTestServer();

  it("sets an HttpOnly, SameSite=Strict session cookie for the whole site, not Secure over http", async () => {
    const a = await login(server().baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    expect(a.status).toBe(200);
    const setCookie = a.res.headers.getSetCookie().find((c) => c.startsWith("signage_session="));
    expect(setCookie).toBeDefined();
    const attributes = (setCookie ?? "").split(";").map((s) => s.trim());
    expect(attributes).toContain("HttpOnly");
    expect(attributes).toContain("SameSite=Strict");
    expect(attributes).toContain("Path=/");
    expect(attributes.map((s) => s.toLowerCase())).not.toContain("secure");
  });

  it("answers /api/auth/me with the user and never a password or its hash", async () => {
    const { baseUrl } = server();
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const me = await call(`${baseUrl}/api/auth/me`, { cookie });
    expect(me.status).toBe(200);
    expect((me.body as { user: unknown }).user).toMatchObject({
      email: TEST_ADMIN.email,
      roles: [{ role: "admin", scope: "*" }],
    });
    expect(keysOf(me.body).filter((k) => /^password(_?hash)?$/i.test(k))).toEqual([]);
    expect(me.text).not.toContain("scrypt$");
    expect(me.text).not.toContain(TEST_ADMIN.password);
    const anonymous = await call(`${baseUrl}/api/auth/me`, { cookie: "" });
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous).code).toBe("unauthenticated");
  });

  it("answers a wrong password and an unknown email alike", async () => {
    const { baseUrl } = server();
    const wrong = await login(baseUrl, TEST_ADMIN.email, "not the right password");
    const unknown = await login(baseUrl, "nobody@example.test", TEST_ADMIN.password);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(errorOf(wrong)).toEqual(errorOf(unknown));
    expect(errorOf(wrong).code).toBe("invalid_credentials");
    expect(sessionCookieOf(wrong.res)).toBeUndefined();
    expect(sessionCookieOf(unknown.res)).toBeUndefined();
  });

  // How long either takes is a speed figure no benchmark measures; what makes them alike is
  // that both pay for one scrypt check of equal cost, and that is what this pins.
  it("checks an unknown email against a hash as costly as a real one, as for a wrong password", async () => {
    // A server of its own: failures from one address would eat the shared server's budget.
    const t = await startTestServer();
    try {
      const email = "timing@example.test";
      await createUser(t.baseUrl, { email, password: newPassword("timing") });
      const checksFor = async (who: string): Promise<string[]> => {
        passwordChecks.length = 0;
        const a = await login(t.baseUrl, who, "a wrong password for timing");
        expect(a.status).toBe(401);
        return passwordChecks.splice(0);
      };
      const unknown = await checksFor("ghost@example.test");
      const known = await checksFor(email);
      expect(known).toEqual([expect.stringMatching(/^scrypt\$\d+\$\d+\$\d+$/)]);
      expect(unknown).toEqual(known);
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });
});

describe("sign-in delay per account", () => {
  const server = useTestServer();

  it(`slows an account down after ${LOGIN_LIMITS.perAccount} failures with a growing Retry-After, never a lock`, async () => {
    const { baseUrl } = server();
    const password = newPassword("victim");
    await createUser(baseUrl, { email: "victim@example.test", password });
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
      const a = await login(baseUrl, "victim@example.test", `guess number ${i}`);
      expect(a.status).toBe(401);
    }
    // Case and spaces do not make a new account for the limiter.
    const limited = await login(baseUrl, " Victim@Example.test ", password);
    expect(limited.status).toBe(429);
    expect(errorOf(limited).code).toBe("rate_limited");
    expect(limited.res.headers.get("retry-after")).toBe("1");
    expect(errorOf(limited).message).toBe(
      "Too many failed sign-ins for this account; try again in 1 second.",
    );
    expect(sessionCookieOf(limited.res)).toBeUndefined();

    // Another account from the same address is not slowed down.
    expect((await login(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(200);

    // Once the announced wait is over the account answers again (no lock) and the next wait doubles.
    await sleep(1000);
    expect((await login(baseUrl, "victim@example.test", "guess after the wait")).status).toBe(401);
    const longer = await login(baseUrl, "victim@example.test", password);
    expect(longer.status).toBe(429);
    expect(longer.res.headers.get("retry-after")).toBe("2");
    expect(errorOf(longer).message).toMatch(/try again in 2 seconds\.$/);

    // The owner, with the right password, gets in after the wait.
    await sleep(2000);
    const owner = await login(baseUrl, "victim@example.test", password);
    expect(owner.status).toBe(200);
    // ...and a success forgets the failures: the next mistake is answered at once.
    expect((await login(baseUrl, "victim@example.test", "one more typo")).status).toBe(401);
  });
});

describe("sign-in rate limit per address", () => {
  const server = useTestServer();

  it(`refuses every sign-in from an address after ${LOGIN_LIMITS.perAddress} failures across emails`, async () => {
    const { baseUrl } = server();
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) {
      const a = await login(baseUrl, `spray-${i}@example.test`, "a sprayed password");
      expect(a.status).toBe(401);
    }
    const limited = await login(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    expect(limited.status).toBe(429);
    expect(errorOf(limited).code).toBe("rate_limited");
    expect(errorOf(limited).message).toMatch(
      /^Too many failed sign-ins from your address; try again in \d+ minutes?( \d+ seconds?)?\.$/,
    );
    expect(Number(limited.res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(sessionCookieOf(limited.res)).toBeUndefined();
  });
});

describe("sign-in rate limit under parallel guesses", () => {
  const server = useTestServer();

  it("counts guesses sent at once: no more than the limit get a real answer", async () => {
    const { baseUrl } = server();
    const password = newPassword("parallel");
    await createUser(baseUrl, { email: "parallel@example.test", password });
    const answers = await Promise.all(
      Array.from({ length: 3 * LOGIN_LIMITS.perAccount }, (_, i) =>
        login(baseUrl, "parallel@example.test", `parallel guess ${i}`),
      ),
    );
    const statuses = answers.map((a) => a.status);
    // Counting only after the slow password check let all 15 parallel guesses through.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LOGIN_LIMITS.perAccount);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });
});

describe("sessions, CSRF and users", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, DISTRICT_A);
    await createDistrict(t.baseUrl, DISTRICT_B);
  });

  describe("ending a session", () => {
    it("signs out with 204 and the old cookie then gets 401", async () => {
      const { baseUrl } = server();
      const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
      expect((await call(`${baseUrl}/api/auth/me`, { cookie })).status).toBe(200);
      const out = await call(`${baseUrl}/api/auth/logout`, { method: "POST", cookie });
      expect(out.status).toBe(204);
      const me = await call(`${baseUrl}/api/auth/me`, { cookie });
      expect(me.status).toBe(401);
      expect(errorOf(me).code).toBe("unauthenticated");
      expect((await call(`${baseUrl}/api/districts`, { cookie })).status).toBe(401);
    });

    it("refuses a session past its idle deadline", async () => {
      const t = server();
      const cookie = await signIn(t.baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
      expect((await call(`${t.baseUrl}/api/auth/me`, { cookie })).status).toBe(200);
      const updated = await t.server.store.db
        .updateTable("sessions")
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where("id_hash", "=", hashSessionToken(tokenOf(cookie)))
        .executeTakeFirst();
      expect(Number(updated.numUpdatedRows)).toBe(1);
      expect((await call(`${t.baseUrl}/api/auth/me`, { cookie })).status).toBe(401);
    });

    it("refuses a session older than its maximum age, however active", async () => {
      const t = server();
      const cookie = await signIn(t.baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
      const updated = await t.server.store.db
        .updateTable("sessions")
        .set({ created_at: new Date(Date.now() - SESSION_MAX_MS - 60_000).toISOString() })
        .where("id_hash", "=", hashSessionToken(tokenOf(cookie)))
        .executeTakeFirst();
      expect(Number(updated.numUpdatedRows)).toBe(1);
      expect((await call(`${t.baseUrl}/api/auth/me`, { cookie })).status).toBe(401);
    });
  });

  describe("CSRF", () => {
    /** POSTs a new district with the admin's cookie and the given Origin (or none). */
    async function postDistrict(id: string, origin?: string): Promise<Answer> {
      const { baseUrl } = server();
      const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
      const res = await fetch(`${baseUrl}/api/districts`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Cookie: cookie,
          ...(origin !== undefined ? { Origin: origin } : {}),
        },
        body: JSON.stringify({ id, parentId: null, nameZh: "伪造区", nameEn: "Forged" }),
      });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as unknown, text, res };
    }

    async function districtExists(id: string): Promise<boolean> {
      const a = await call(`${server().baseUrl}/api/districts/${id}`);
      return a.status === 200;
    }

    it("refuses a signed-in POST without an Origin header and creates nothing", async () => {
      const a = await postDistrict("csrf-no-origin");
      expect(a.status).toBe(403);
      expect(errorOf(a).code).toBe("forbidden");
      expect(await districtExists("csrf-no-origin")).toBe(false);
    });

    it("refuses a signed-in POST from another origin and creates nothing", async () => {
      for (const [id, origin] of [
        ["csrf-evil", "http://evil.example"],
        ["csrf-null", "null"],
        ["csrf-port", "http://127.0.0.1:1"],
      ] as const) {
        const a = await postDistrict(id, origin);
        expect(a.status).toBe(403);
        expect(errorOf(a).code).toBe("forbidden");
        expect(await districtExists(id)).toBe(false);
      }
    });

    it("accepts the same POST from this server's own origin (the control)", async () => {
      const a = await postDistrict("csrf-same-origin", server().baseUrl);
      expect(a.status).toBe(201);
      expect(await districtExists("csrf-same-origin")).toBe(true);
    });

    it("needs no Origin on GET", async () => {
      const { baseUrl } = server();
      const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
      const res = await fetch(`${baseUrl}/api/districts`, { headers: { Cookie: cookie } });
      expect(res.status).toBe(200);
      const me = await fetch(`${baseUrl}/api/auth/me`, { headers: { Cookie: cookie } });
      expect(me.status).toBe(200);
    });
  });

  describe("users (admin API)", () => {
    it("gives a one-time password that must be changed before anything else", async () => {
      const { baseUrl } = server();
      const created = await createUser(baseUrl, {
        email: "newcomer@example.test",
        roles: [{ role: "operator", scope: DISTRICT_A }],
      });
      const oneTime = created.oneTimePassword ?? "";
      expect(oneTime.length).toBeGreaterThanOrEqual(12);
      expect(created.user.mustChangePassword).toBe(true);

      const first = await login(baseUrl, "newcomer@example.test", oneTime);
      expect(first.status).toBe(200);
      expect(
        (first.body as { user: { mustChangePassword: boolean } }).user.mustChangePassword,
      ).toBe(true);
      const cookie = sessionCookieOf(first.res) ?? "";
      for (const path of [
        "/api/districts",
        `/api/districts/${DISTRICT_A}`,
        "/api/entries",
        "/api/screens",
        "/api/announcements",
        "/api/emergencies",
        "/api/users",
        "/api/audit",
      ]) {
        const a = await call(`${baseUrl}${path}`, { cookie });
        expect(a.status, path).toBe(403);
        expect(errorOf(a).code, path).toBe("password_change_required");
      }
      const post = await call(`${baseUrl}/api/districts`, {
        method: "POST",
        cookie,
        body: { id: "sneaky", parentId: DISTRICT_A, nameZh: "偷", nameEn: "Sneaky" },
      });
      expect(post.status).toBe(403);
      expect(errorOf(post).code).toBe("password_change_required");
      expect((await call(`${baseUrl}/api/auth/me`, { cookie })).status).toBe(200);

      const next = newPassword("newcomer");
      const change = await call(`${baseUrl}/api/auth/password`, {
        method: "POST",
        cookie,
        body: { currentPassword: oneTime, newPassword: next },
      });
      expect(change.status).toBe(204);
      expect((await call(`${baseUrl}/api/districts/${DISTRICT_A}`, { cookie })).status).toBe(200);
      const me = await call(`${baseUrl}/api/auth/me`, { cookie });
      expect((me.body as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(
        false,
      );

      const old = await login(baseUrl, "newcomer@example.test", oneTime);
      expect(old.status).toBe(401);
      expect(errorOf(old).code).toBe("invalid_credentials");
      expect((await login(baseUrl, "newcomer@example.test", next)).status).toBe(200);
    });

    it("ends the user's sessions at once on an admin reset and hands out a new one-time password", async () => {
      const { baseUrl } = server();
      const password = newPassword("reset");
      const { user } = await createUser(baseUrl, {
        email: "forgetful@example.test",
        roles: [{ role: "operator", scope: DISTRICT_A }],
        password,
      });
      const cookie = await signIn(baseUrl, "forgetful@example.test", password);
      expect((await call(`${baseUrl}/api/auth/me`, { cookie })).status).toBe(200);

      const reset = await call(`${baseUrl}/api/users/${user.id}/reset-password`, {
        method: "POST",
      });
      expect(reset.status).toBe(200);
      const oneTime = (reset.body as { oneTimePassword: string }).oneTimePassword;
      passwordsUsed.add(oneTime);
      expect(oneTime.length).toBeGreaterThanOrEqual(12);

      expect((await call(`${baseUrl}/api/auth/me`, { cookie })).status).toBe(401);
      expect((await login(baseUrl, "forgetful@example.test", password)).status).toBe(401);
      const again = await login(baseUrl, "forgetful@example.test", oneTime);
      expect(again.status).toBe(200);
      expect(
        (again.body as { user: { mustChangePassword: boolean } }).user.mustChangePassword,
      ).toBe(true);
      const gated = await call(`${baseUrl}/api/districts`, {
        cookie: sessionCookieOf(again.res) ?? "",
      });
      expect(errorOf(gated).code).toBe("password_change_required");
    });

    it("applies changed roles on the very next request, without signing in again", async () => {
      const { baseUrl } = server();
      const password = newPassword("operator");
      const { user } = await createUser(baseUrl, {
        email: "operator-a@example.test",
        roles: [{ role: "operator", scope: DISTRICT_A }],
        password,
      });
      const cookie = await signIn(baseUrl, "operator-a@example.test", password);
      expect((await call(`${baseUrl}/api/districts/${DISTRICT_A}`, { cookie })).status).toBe(200);
      const before = await call(`${baseUrl}/api/districts/${DISTRICT_B}`, { cookie });
      expect(before.status).toBe(403);
      expect(errorOf(before).code).toBe("forbidden");

      const grant = await call(`${baseUrl}/api/users/${user.id}`, {
        method: "PATCH",
        body: {
          roles: [
            { role: "operator", scope: DISTRICT_A },
            { role: "operator", scope: DISTRICT_B },
          ],
        },
      });
      expect(grant.status).toBe(200);
      expect((await call(`${baseUrl}/api/districts/${DISTRICT_B}`, { cookie })).status).toBe(200);

      const revoke = await call(`${baseUrl}/api/users/${user.id}`, {
        method: "PATCH",
        body: { roles: [{ role: "operator", scope: DISTRICT_B }] },
      });
      expect(revoke.status).toBe(200);
      expect((await call(`${baseUrl}/api/districts/${DISTRICT_A}`, { cookie })).status).toBe(403);
    });

    it("ends a disabled user's sessions at once and refuses their sign-in like a wrong password", async () => {
      const { baseUrl } = server();
      const password = newPassword("leaver");
      const { user } = await createUser(baseUrl, {
        email: "leaver@example.test",
        roles: [{ role: "moderator", scope: DISTRICT_A }],
        password,
      });
      const cookie = await signIn(baseUrl, "leaver@example.test", password);
      const wrong = await login(baseUrl, "leaver@example.test", "definitely not it");

      const disable = await call(`${baseUrl}/api/users/${user.id}`, {
        method: "PATCH",
        body: { disabled: true },
      });
      expect(disable.status).toBe(200);
      expect(UserViewSchema.parse((disable.body as { user: unknown }).user).disabled).toBe(true);

      expect((await call(`${baseUrl}/api/auth/me`, { cookie })).status).toBe(401);
      expect((await call(`${baseUrl}/api/districts`, { cookie })).status).toBe(401);
      const refused = await login(baseUrl, "leaver@example.test", password);
      expect(refused.status).toBe(401);
      expect(errorOf(refused)).toEqual(errorOf(wrong));
      expect(sessionCookieOf(refused.res)).toBeUndefined();
    });

    it("keeps a district admin inside their district", async () => {
      const { baseUrl } = server();
      const password = newPassword("district admin");
      await createUser(baseUrl, {
        email: "admin-a@example.test",
        roles: [{ role: "admin", scope: DISTRICT_A }],
        password,
      });
      const cookie = await signIn(baseUrl, "admin-a@example.test", password);
      const globalAdmin = await adminView(baseUrl);

      // The control: inside their district they may create a user.
      const inside = await createUser(
        baseUrl,
        { email: "helper-a@example.test", roles: [{ role: "operator", scope: DISTRICT_A }] },
        cookie,
      );
      expect(inside.user.roles).toEqual([{ role: "operator", scope: DISTRICT_A }]);

      for (const scope of [DISTRICT_B, "*"]) {
        const a = await call(`${baseUrl}/api/users`, {
          method: "POST",
          cookie,
          body: {
            email: `over-${scope === "*" ? "city" : scope}@example.test`,
            displayName: "Overreach",
            roles: [{ role: "operator", scope }],
          },
        });
        expect(a.status, scope).toBe(403);
        expect(errorOf(a).code).toBe("forbidden");
      }
      const seeGlobal = await call(`${baseUrl}/api/users/${globalAdmin.id}`, { cookie });
      expect(seeGlobal.status).toBe(403);
      const patchGlobal = await call(`${baseUrl}/api/users/${globalAdmin.id}`, {
        method: "PATCH",
        cookie,
        body: { disabled: true },
      });
      expect(patchGlobal.status).toBe(403);
      const list = await call(`${baseUrl}/api/users`, { cookie });
      expect(list.status).toBe(200);
      const emails = (list.body as { users: UserView[] }).users.map((u) => u.email);
      expect(emails).toContain("helper-a@example.test");
      expect(emails).not.toContain(TEST_ADMIN.email);
      // The global admin is untouched and still signed in.
      expect((await adminView(baseUrl)).disabled).toBe(false);
      expect(await userCount(server())).toBeGreaterThan(0);
      const dbAdmin = await server()
        .server.store.db.selectFrom("users")
        .select("state")
        .where("id", "=", globalAdmin.id)
        .executeTakeFirstOrThrow();
      expect(dbAdmin.state).toBe("active");
    });

    it("does not let an admin disable themselves", async () => {
      const { baseUrl } = server();
      const me = await adminView(baseUrl);
      const a = await call(`${baseUrl}/api/users/${me.id}`, {
        method: "PATCH",
        body: { disabled: true },
      });
      expect(a.status).toBe(409);
      expect(errorOf(a).code).toBe("conflict");
      expect((await adminView(baseUrl)).disabled).toBe(false);
      expect((await call(`${baseUrl}/api/districts`)).status).toBe(200);
    });
  });

  describe("audit", () => {
    it("records failed sign-ins and role changes, and never a password", async () => {
      const { baseUrl } = server();
      const probe = await login(baseUrl, "audit-probe@example.test", newPassword("probe"));
      expect(probe.status).toBe(401);
      const { user } = await createUser(baseUrl, {
        email: "audited@example.test",
        roles: [{ role: "moderator", scope: DISTRICT_A }],
        password: newPassword("audited"),
      });
      const patch = await call(`${baseUrl}/api/users/${user.id}`, {
        method: "PATCH",
        body: { roles: [{ role: "moderator", scope: DISTRICT_B }] },
      });
      expect(patch.status).toBe(200);

      const failed = await call(`${baseUrl}/api/audit?action=auth.login_failed`);
      expect(failed.status).toBe(200);
      const failedRecords = (failed.body as { records: AuditRecord[] }).records;
      expect(failedRecords.every((r) => r.action === "auth.login_failed")).toBe(true);
      expect(failedRecords).toContainEqual(
        expect.objectContaining({
          actor: expect.objectContaining({ type: "anonymous" }) as unknown,
          target: { type: "email", id: "audit-probe@example.test" },
          details: expect.objectContaining({ reason: "unknown_email" }) as unknown,
        }),
      );
      // The earlier tests' wrong passwords are there too, against the user's id.
      expect(failedRecords.some((r) => r.target?.type === "user")).toBe(true);

      const roles = await call(`${baseUrl}/api/audit?action=user.roles_changed`);
      const roleRecords = (roles.body as { records: AuditRecord[] }).records;
      expect(roleRecords).toContainEqual(
        expect.objectContaining({
          target: { type: "user", id: user.id },
          details: {
            before: [{ role: "moderator", scope: DISTRICT_A }],
            after: [{ role: "moderator", scope: DISTRICT_B }],
          },
        }),
      );

      const all = await call(`${baseUrl}/api/audit?limit=500`);
      expect(all.status).toBe(200);
      expect((all.body as { records: unknown[] }).records.length).toBeGreaterThan(10);
      expect(passwordsUsed.size).toBeGreaterThan(5);
      for (const password of passwordsUsed) expect(all.text).not.toContain(password);
      expect(all.text).not.toContain("scrypt$");
    });
  });
});

describe("hostile input", () => {
  const server = useTestServer();

  it("answers SQL and script payloads at sign-in with a 4xx, never a 500", async () => {
    const t = server();
    for (const [email, password] of [
      [SQL_PAYLOAD, SQL_PAYLOAD],
      [SCRIPT_PAYLOAD, SCRIPT_PAYLOAD],
      [TEST_ADMIN.email, SQL_PAYLOAD],
      [`${TEST_ADMIN.email}' OR '1'='1`, "anything at all"],
      [TEST_ADMIN.email, "' OR '1'='1"],
    ] as const) {
      const a = await login(t.baseUrl, email, password);
      expect(a.status, `${email} / ${password}`).toBe(401);
      expect(sessionCookieOf(a.res)).toBeUndefined();
    }
    const notStrings = await call(`${t.baseUrl}/api/auth/login`, {
      method: "POST",
      cookie: "",
      body: { email: { $ne: null }, password: { $ne: null } },
    });
    expect(notStrings.status).toBe(400);
    expect(await userCount(t)).toBe(1);
  });

  it("treats a malformed session cookie as no session, not as a server error", async () => {
    const t = server();
    for (const cookie of [
      "signage_session=%",
      "signage_session=%E0%A4%A",
      "signage_session=abc%zz",
    ]) {
      // A bad %-escape once made decodeURIComponent throw, and every /api route answer 500.
      const me = await fetch(`${t.baseUrl}/api/auth/me`, { headers: { Cookie: cookie } });
      expect(me.status, cookie).toBe(401);
      const res = await fetch(`${t.baseUrl}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: t.baseUrl, Cookie: cookie },
        body: JSON.stringify({ email: TEST_ADMIN.email, password: TEST_ADMIN.password }),
      });
      expect(res.status, cookie).toBe(200);
    }
  });

  it("refuses payloads as a set-up email and stores them verbatim as a first admin's name", async () => {
    const t = await startTestServer({ signIn: false });
    const setupToken = setupTokenFromLog(t.logLines);
    try {
      for (const email of [SQL_PAYLOAD, SCRIPT_PAYLOAD]) {
        const bad = await call(`${t.baseUrl}/api/setup`, {
          method: "POST",
          cookie: "",
          body: { email, displayName: "Setter", password: "long enough password", setupToken },
        });
        expect(bad.status).toBe(400);
        expect(errorOf(bad).code).toBe("validation_failed");
      }
      expect(await userCount(t)).toBe(0);
      passwordsUsed.add(SQL_PAYLOAD);
      const ok = await call(`${t.baseUrl}/api/setup`, {
        method: "POST",
        cookie: "",
        body: {
          email: "setter@example.test",
          displayName: SCRIPT_PAYLOAD,
          password: SQL_PAYLOAD,
          setupToken,
        },
      });
      expect(ok.status).toBe(201);
      expect(ok.res.headers.get("content-type")).toMatch(/^application\/json/);
      expect((ok.body as { user: { displayName: string } }).user.displayName).toBe(SCRIPT_PAYLOAD);
      // The SQL payload works as a password, i.e. it was only ever data.
      const cookie = await signIn(t.baseUrl, "setter@example.test", SQL_PAYLOAD);
      const me = await call(`${t.baseUrl}/api/auth/me`, { cookie });
      expect((me.body as { user: { displayName: string } }).user.displayName).toBe(SCRIPT_PAYLOAD);
      expect(await userCount(t)).toBe(1);
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });

  it("refuses payloads as a new user's email and keeps them as data in names and passwords", async () => {
    const t = server();
    for (const email of [SQL_PAYLOAD, SCRIPT_PAYLOAD]) {
      const bad = await call(`${t.baseUrl}/api/users`, {
        method: "POST",
        body: { email, displayName: "Someone", roles: [] },
      });
      expect(bad.status).toBe(400);
      expect(errorOf(bad).code).toBe("validation_failed");
    }
    const before = await userCount(t);
    const sql = await createUser(t.baseUrl, {
      email: "sql-name@example.test",
      displayName: SQL_PAYLOAD,
      password: SQL_PAYLOAD,
    });
    const script = await createUser(t.baseUrl, {
      email: "script-name@example.test",
      displayName: SCRIPT_PAYLOAD,
      password: SCRIPT_PAYLOAD,
    });
    expect(sql.user.displayName).toBe(SQL_PAYLOAD);
    expect(script.user.displayName).toBe(SCRIPT_PAYLOAD);

    const got = await call(`${t.baseUrl}/api/users/${script.user.id}`);
    expect(got.res.headers.get("content-type")).toMatch(/^application\/json/);
    expect((got.body as { user: UserView }).user.displayName).toBe(SCRIPT_PAYLOAD);

    const cookie = await signIn(t.baseUrl, "sql-name@example.test", SQL_PAYLOAD);
    const me = await call(`${t.baseUrl}/api/auth/me`, { cookie });
    expect((me.body as { user: UserView }).user.displayName).toBe(SQL_PAYLOAD);
    await signIn(t.baseUrl, "script-name@example.test", SCRIPT_PAYLOAD);

    // The users table still works: listed, counted, and a new user can still be added.
    expect(await userCount(t)).toBe(before + 2);
    const list = await call(`${t.baseUrl}/api/users`);
    expect(list.status).toBe(200);
    const names = (list.body as { users: UserView[] }).users.map((u) => u.displayName);
    expect(names).toEqual(expect.arrayContaining([SQL_PAYLOAD, SCRIPT_PAYLOAD]));
    await createUser(t.baseUrl, { email: "after-payloads@example.test" });
    expect(await userCount(t)).toBe(before + 3);
  });
});
