import { request, type IncomingHttpHeaders } from "node:http";
import { io } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { namespaces } from "../../shared/protocol/namespaces";
import { ApiErrorSchema } from "../../shared/schemas/apiError";
import { LOGIN_LIMITS } from "../../server/services/auth/UserAccounts";
import { PAIRING_CODE_REQUESTS } from "../../server/services/screens/ScreenPairing";
import {
  api,
  namespaceUrl,
  requestPairingCode,
  setupTokenFromLog,
  TEST_ADMIN,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

const PUBLIC = "https://signage.city.gov";
const PUBLIC_HOST = "signage.city.gov";

/** An answer read from the wire. */
interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * One HTTP request with every header under the test's control (fetch will not set Host), as a
 * reverse proxy on this machine sends it: from 127.0.0.1, naming the public host.
 */
function raw(
  baseUrl: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Raw> {
  const url = new URL(path, baseUrl);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: opts.method ?? "GET",
        headers: {
          ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The headers nginx sends for a browser at `client` using the public address. */
function viaProxy(client: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Host: PUBLIC_HOST,
    Origin: PUBLIC,
    "X-Forwarded-For": client,
    "X-Forwarded-Proto": "https",
    ...extra,
  };
}

function codeOf(a: Raw): string {
  return ApiErrorSchema.parse(a.body).error.code;
}

describe("behind a reverse proxy with a public https address", () => {
  const server = useTestServer({
    env: { SIGNAGE_PUBLIC_URL: PUBLIC, SIGNAGE_TRUST_PROXY: "loopback" },
    signIn: false,
  });

  it("no longer trusts 'from this machine': a remote client through the proxy cannot set up without the token", async () => {
    const { baseUrl } = server();
    const remote = viaProxy("203.0.113.50");
    const admin = { email: "remote@example.test", displayName: "Remote", password: "x".repeat(16) };
    const without = await raw(baseUrl, "/api/setup", {
      method: "POST",
      headers: remote,
      body: admin,
    });
    expect(without.status).toBe(400);
    const wrong = await raw(baseUrl, "/api/setup", {
      method: "POST",
      headers: remote,
      body: { ...admin, setupToken: "guessed" },
    });
    expect(wrong.status).toBe(403);
    expect(codeOf(wrong)).toBe("setup_token_invalid");
    const needed = await raw(baseUrl, "/api/setup", { headers: remote });
    expect(needed.body).toEqual({ needed: true });
  });

  it("sets up with the token from the log, with a Secure cookie and HSTS", async () => {
    const { baseUrl, logLines } = server();
    const setupToken = setupTokenFromLog(logLines);
    expect(setupToken).toBeDefined();
    const a = await raw(baseUrl, "/api/setup", {
      method: "POST",
      // The proxy speaks plain HTTP to the server; the public address says https.
      headers: viaProxy("198.51.100.7", { "X-Forwarded-Proto": "http" }),
      body: { ...TEST_ADMIN, setupToken },
    });
    expect(a.status).toBe(201);
    const cookie = (a.headers["set-cookie"] ?? []).find((c) => c.startsWith("signage_session="));
    expect(cookie?.split(";").map((s) => s.trim().toLowerCase())).toContain("secure");
    expect(a.headers["strict-transport-security"]).toMatch(/^max-age=\d+/);
  });

  it("refuses a Host that is not the public address, even where the Origin agrees with it (DNS rebinding)", async () => {
    const { baseUrl } = server();
    const rebound = await raw(baseUrl, "/api/auth/login", {
      method: "POST",
      headers: viaProxy("203.0.113.51", {
        Host: "attacker.example",
        Origin: "http://attacker.example",
      }),
      body: { email: TEST_ADMIN.email, password: TEST_ADMIN.password },
    });
    expect(rebound.status).toBe(421);
    expect(codeOf(rebound)).toBe("misdirected_request");
    expect(rebound.headers["set-cookie"]).toBeUndefined();
    const page = await raw(baseUrl, "/console/", { headers: { Host: "attacker.example" } });
    expect(page.status).toBe(421);
    // Health probes may use any name.
    expect((await raw(baseUrl, "/healthz", { headers: { Host: "127.0.0.1" } })).status).toBe(200);
  });

  it("checks the Origin against the public address's origin", async () => {
    const { baseUrl } = server();
    const body = { email: TEST_ADMIN.email, password: TEST_ADMIN.password };
    for (const origin of ["http://signage.city.gov", "https://attacker.example", "null"]) {
      const a = await raw(baseUrl, "/api/auth/login", {
        method: "POST",
        headers: viaProxy("203.0.113.52", { Origin: origin }),
        body,
      });
      expect(a.status, origin).toBe(403);
      expect(codeOf(a)).toBe("forbidden");
    }
    const ok = await raw(baseUrl, "/api/auth/login", {
      method: "POST",
      headers: viaProxy("203.0.113.52"),
      body,
    });
    expect(ok.status).toBe(200);
  });

  it(`keys sign-in limits on the real client: ${LOGIN_LIMITS.perAddress} failures from other addresses do not stop a valid user`, async () => {
    const { baseUrl } = server();
    // One attacker at one address, spraying emails: that address is stopped...
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) {
      const a = await raw(baseUrl, "/api/auth/login", {
        method: "POST",
        headers: viaProxy("203.0.113.66"),
        body: { email: `spray-${i}@example.test`, password: "a sprayed password" },
      });
      expect(a.status).toBe(401);
    }
    const stopped = await raw(baseUrl, "/api/auth/login", {
      method: "POST",
      headers: viaProxy("203.0.113.66"),
      body: { email: TEST_ADMIN.email, password: TEST_ADMIN.password },
    });
    expect(stopped.status).toBe(429);
    expect(Number(stopped.headers["retry-after"])).toBeGreaterThan(0);
    // ...and the valid user at another address, through the same proxy, is not.
    const valid = await raw(baseUrl, "/api/auth/login", {
      method: "POST",
      headers: viaProxy("198.51.100.20"),
      body: { email: TEST_ADMIN.email, password: TEST_ADMIN.password },
    });
    expect(valid.status).toBe(200);
  });

  it("refuses a socket handshake naming another Host, and a console socket from another origin", async () => {
    const { baseUrl } = server();
    const refusal = (headers: Record<string, string>, namespace: string = namespaces.kiosk) =>
      new Promise<unknown>((resolve, reject) => {
        const socket = io(namespaceUrl(baseUrl, namespace), {
          transports: ["websocket"],
          reconnection: false,
          forceNew: true,
          extraHeaders: headers,
        });
        socket.once("connect", () => {
          socket.disconnect();
          reject(new Error("the handshake was accepted"));
        });
        socket.once("connect_error", (err: Error & { data?: unknown }) => resolve(err.data));
      });
    for (const namespace of Object.values(namespaces))
      expect(await refusal({ Host: "attacker.example" }, namespace)).toMatchObject({
        code: "misdirected_request",
      });
    // Same host, but not the public origin (plain http): refused before the session is looked at.
    expect(
      await refusal({ Host: PUBLIC_HOST, Origin: "http://signage.city.gov" }, namespaces.console),
    ).toEqual({
      code: "unauthenticated",
      message: "Console sockets are accepted only from the console served by this server.",
    });
  });
});

describe("behind a trusted proxy without a public address", () => {
  const server = useTestServer({ env: { SIGNAGE_TRUST_PROXY: "loopback" } });

  /** An unpaired kiosk connecting through the proxy from `client`. */
  async function kioskFrom(baseUrl: string, client: string): Promise<KioskSocket> {
    const socket: KioskSocket = io(namespaceUrl(baseUrl, namespaces.kiosk), {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      extraHeaders: { "X-Forwarded-For": client },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    return socket;
  }

  it("keys pairing-code limits on the screen's address, not the proxy's", async () => {
    const { baseUrl } = server();
    const sockets: KioskSocket[] = [];
    try {
      // Several sockets, as each has its own small bucket; together they use up one address.
      let given = 0;
      while (given < PAIRING_CODE_REQUESTS.perAddress) {
        const s = await kioskFrom(baseUrl, "203.0.113.80");
        sockets.push(s);
        for (let i = 0; i < 8 && given < PAIRING_CODE_REQUESTS.perAddress; i++) {
          await requestPairingCode(s);
          given++;
        }
      }
      const sameAddress = await kioskFrom(baseUrl, "203.0.113.80");
      sockets.push(sameAddress);
      await expect(requestPairingCode(sameAddress)).rejects.toThrow(/Too many pairing codes/);
      const otherScreen = await kioskFrom(baseUrl, "198.51.100.81");
      sockets.push(otherScreen);
      expect(await requestPairingCode(otherScreen)).toMatch(/\S/);
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });

  it("records the real client address of a failed sign-in in the audit log", async () => {
    const { baseUrl } = server();
    const a = await api(`${baseUrl}/api/auth/login`, {
      method: "POST",
      anonymous: true,
      headers: { "Content-Type": "application/json", "X-Forwarded-For": "192.0.2.99" },
      body: JSON.stringify({ email: "nobody-here@example.test", password: "wrong password" }),
    });
    expect(a.status).toBe(401);
    const log = await api(`${baseUrl}/api/audit?action=auth.login_failed`);
    expect(await log.text()).toContain("192.0.2.99");
  });
});

describe("with no trusted proxy (the default)", () => {
  const server = useTestServer();

  it("ignores X-Forwarded-For: a client cannot dodge the per-address limit by inventing addresses", async () => {
    const { baseUrl } = server();
    const login = (client: string, email: string, password: string) =>
      api(`${baseUrl}/api/auth/login`, {
        method: "POST",
        anonymous: true,
        headers: { "Content-Type": "application/json", "X-Forwarded-For": client },
        body: JSON.stringify({ email, password }),
      });
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++)
      expect((await login(`203.0.113.${i + 1}`, `forger-${i}@example.test`, "guess")).status).toBe(
        401,
      );
    const limited = await login("198.51.100.200", TEST_ADMIN.email, TEST_ADMIN.password);
    expect(limited.status).toBe(429);
  });
});
