import { afterEach, describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../shared/schemas/apiError";
import { UserViewSchema } from "../../shared/schemas/account";
import {
  makeDataDir,
  removeDataDir,
  signIn,
  startTestServer,
  type TestServer,
} from "../support/testServer";
import { runCli } from "../support/runCli";

const dirs: string[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) removeDataDir(d);
});

function dataDir(): string {
  const d = makeDataDir();
  dirs.push(d);
  return d;
}

/** Starts the server on a data directory the command wrote to, with nobody signed in. */
async function serverOn(dir: string): Promise<TestServer> {
  const t = await startTestServer({ dataDir: dir, signIn: false });
  servers.push(t);
  return t;
}

/** The one-time password in create-admin's output: the line after the announcement. */
function oneTimePasswordIn(stdout: string): string {
  const lines = stdout.trim().split("\n");
  expect(lines[0]).toMatch(/One-time password/);
  const password = lines[1]?.trim() ?? "";
  expect(password.length).toBeGreaterThanOrEqual(12);
  return password;
}

/** GETs `path` with a session cookie; status and parsed body. */
async function get(t: TestServer, path: string, cookie: string) {
  const res = await fetch(`${t.baseUrl}${path}`, { headers: { Cookie: cookie } });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe("signage create-admin", () => {
  it("creates a city admin with a one-time password the server accepts once, to be changed", async () => {
    const dir = dataDir();
    const run = await runCli(["create-admin", "--email", "ops@example.test"], {
      SIGNAGE_DATA_DIR: dir,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("ops@example.test");
    const oneTime = oneTimePasswordIn(run.stdout);

    const t = await serverOn(dir);
    const setup = await fetch(`${t.baseUrl}/api/setup`);
    expect(await setup.json()).toEqual({ needed: false });
    const cookie = await signIn(t.baseUrl, "ops@example.test", oneTime);
    const me = await get(t, "/api/auth/me", cookie);
    expect(me.status).toBe(200);
    expect(UserViewSchema.parse((me.body as { user: unknown }).user)).toMatchObject({
      email: "ops@example.test",
      displayName: "ops@example.test",
      roles: [{ role: "admin", scope: "*" }],
      mustChangePassword: true,
    });

    const gated = await get(t, "/api/districts", cookie);
    expect(gated.status).toBe(403);
    expect(ApiErrorSchema.parse(gated.body).error.code).toBe("password_change_required");

    const change = await fetch(`${t.baseUrl}/api/auth/password`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: t.baseUrl, Cookie: cookie },
      body: JSON.stringify({ currentPassword: oneTime, newPassword: "ops chose this passphrase" }),
    });
    expect(change.status).toBe(204);
    expect((await get(t, "/api/districts", cookie)).status).toBe(200);
    await expect(signIn(t.baseUrl, "ops@example.test", oneTime)).rejects.toThrow(/401/);

    // The command wrote to the same hash chain the server keeps, as the command line.
    const created = await get(t, "/api/audit?action=user.created", cookie);
    expect(created.body).toMatchObject({
      records: [{ actor: { type: "cli" }, details: { email: "ops@example.test" } }],
    });
    expect(JSON.stringify(created.body)).not.toContain(oneTime);
    const verify = await get(t, "/api/audit/verify", cookie);
    expect(verify.body).toMatchObject({ verification: { ok: true } });
  });

  it("refuses an email that already has a user with exit 1 and one sentence", async () => {
    const dir = dataDir();
    const first = await runCli(["create-admin", "--email", "ops@example.test"], {
      SIGNAGE_DATA_DIR: dir,
    });
    expect(first.code).toBe(0);
    const again = await runCli(["create-admin", "--email", "OPS@example.test"], {
      SIGNAGE_DATA_DIR: dir,
    });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    const lines = again.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^signage create-admin: .*ops@example\.test.* already exists\.$/);
    expect(again.stderr).not.toMatch(/\n\s+at /);

    // The first admin's one-time password still works: nothing was overwritten.
    const t = await serverOn(dir);
    await signIn(t.baseUrl, "ops@example.test", oneTimePasswordIn(first.stdout));
  });

  it("refuses a password from stdin shorter than 12 characters with exit 2", async () => {
    const dir = dataDir();
    const run = await runCli(
      ["create-admin", "--email", "ops@example.test", "--password-stdin"],
      { SIGNAGE_DATA_DIR: dir },
      "short\n",
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/at least 12 characters/);
    const t = await serverOn(dir);
    expect(await (await fetch(`${t.baseUrl}/api/setup`)).json()).toEqual({ needed: true });
  });

  it("takes a good password from stdin, which then signs in with no forced change", async () => {
    const dir = dataDir();
    const password = "a long stdin passphrase";
    const run = await runCli(
      ["create-admin", "--email", "ops@example.test", "--name", "运维", "--password-stdin"],
      { SIGNAGE_DATA_DIR: dir },
      `${password}\n`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(password);
    expect(run.stdout).not.toMatch(/One-time password/);

    const t = await serverOn(dir);
    const cookie = await signIn(t.baseUrl, "ops@example.test", password);
    const me = await get(t, "/api/auth/me", cookie);
    expect(me.body).toMatchObject({
      user: {
        displayName: "运维",
        mustChangePassword: false,
        roles: [{ role: "admin", scope: "*" }],
      },
    });
    expect((await get(t, "/api/districts", cookie)).status).toBe(200);
  });

  it("refuses to run without --email, with exit 2 and the usage", async () => {
    const dir = dataDir();
    const run = await runCli(["create-admin"], { SIGNAGE_DATA_DIR: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/email/i);
    expect(run.stderr).toContain("Usage: signage create-admin --email EMAIL");
    const unknown = await runCli(["create-admin", "--emial", "ops@example.test"], {
      SIGNAGE_DATA_DIR: dir,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Usage: signage create-admin");
  });
});
