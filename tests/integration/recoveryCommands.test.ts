import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserViewSchema } from "../../shared/schemas/account";
import { LOGIN_LIMITS } from "../../server/services/auth/UserAccounts";
import { runCli } from "../support/runCli";
import {
  removeDataDir,
  setupTokenFromLog,
  startTestServer,
  TEST_ADMIN,
  type TestServer,
} from "../support/testServer";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const t of servers.splice(0)) {
    await t.stop();
    removeDataDir(t.dataDir);
  }
});

async function serverOf(opts: { signIn: boolean }): Promise<TestServer> {
  const t = await startTestServer(opts);
  servers.push(t);
  return t;
}

/** The last line a command printed: the token or password it announced on the line before. */
function lastLine(stdout: string): string {
  return stdout.trim().split("\n").at(-1)?.trim() ?? "";
}

function post(t: TestServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${t.baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: t.baseUrl },
    body: JSON.stringify(body),
  });
}

describe("signage setup-token", () => {
  it("prints the token the server logged, replaces it with --new, and has none once set-up is done", async () => {
    const t = await serverOf({ signIn: false });
    const env = { SIGNAGE_DATA_DIR: t.dataDir };
    const logged = setupTokenFromLog(t.logLines);
    const shown = await runCli(["setup-token"], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(lastLine(shown.stdout)).toBe(logged);

    const renewed = await runCli(["setup-token", "--new"], env);
    expect(renewed.code, renewed.stderr).toBe(0);
    const fresh = lastLine(renewed.stdout);
    expect(fresh).not.toBe(logged);
    // The running server follows the data folder: the old token stopped working.
    expect((await post(t, "/api/setup", { ...TEST_ADMIN, setupToken: logged })).status).toBe(403);
    expect((await post(t, "/api/setup", { ...TEST_ADMIN, setupToken: fresh })).status).toBe(201);

    const after = await runCli(["setup-token"], env);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/set-up is done/);
    expect(existsSync(join(t.dataDir, "setup-token"))).toBe(false);
  });
});

describe("signage reset-password", () => {
  it("lets an admin whose account is under attack back in from the server machine", async () => {
    const t = await serverOf({ signIn: true });
    const login = (password: string) =>
      post(t, "/api/auth/login", { email: TEST_ADMIN.email, password });
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++)
      expect((await login(`an attacker's guess ${i}`)).status).toBe(401);
    const slowed = await login(TEST_ADMIN.password);
    expect(slowed.status).toBe(429);

    const reset = await runCli(["reset-password", "--email", TEST_ADMIN.email], {
      SIGNAGE_DATA_DIR: t.dataDir,
    });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/One-time password/);
    const oneTime = lastLine(reset.stdout);
    expect(oneTime.length).toBeGreaterThanOrEqual(12);

    // The delay is gone: the account starts afresh, with its free attempts back...
    for (let i = 0; i < LOGIN_LIMITS.perAccount - 1; i++)
      expect((await login(`a typo after the reset ${i}`)).status).toBe(401);
    // ...and the one-time password lets the admin in, to be changed before anything else.
    const back = await login(oneTime);
    expect(back.status).toBe(200);
    const { user } = (await back.json()) as { user: unknown };
    expect(UserViewSchema.parse(user).mustChangePassword).toBe(true);
    expect((await login(TEST_ADMIN.password)).status).toBe(401);
  });

  it("refuses an unknown email and a missing one with a sentence", async () => {
    const t = await serverOf({ signIn: true });
    const env = { SIGNAGE_DATA_DIR: t.dataDir };
    const unknown = await runCli(["reset-password", "--email", "nobody@example.test"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no user has the email nobody@example\.test/);
    const missing = await runCli(["reset-password"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--email/);
  });
});
