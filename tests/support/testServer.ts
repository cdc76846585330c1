import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll } from "vitest";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { PairingOfferSchema, type DisplayInfo } from "../../shared/schemas/screen";
import type { TimeWindow } from "../../shared/schemas/schedule";
import { SyncDeltaSchema, type SyncDelta } from "../../shared/schemas/sync";
import { io, type Socket } from "socket.io-client";
import type { KioskClientEvents, KioskServerEvents } from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";
import { loadConfig } from "../../server/config";
import { startServer, type RunningServer } from "../../server/index";

/** A real server on 127.0.0.1, port 0, with its own data directory. */
export interface TestServer {
  server: RunningServer;
  baseUrl: string;
  dataDir: string;
  /** The server's log lines at warn and above (JSON), as its operator would see them. */
  logLines: string[];
  stop(): Promise<void>;
}

/** Makes a fresh temporary data directory; removed by the caller's cleanup. */
export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), "signage-test-"));
}

/** The admin every test server is set up with (first-run set-up), unless told not to. */
export const TEST_ADMIN = {
  email: "admin@example.test",
  displayName: "测试管理员",
  password: "correct horse battery staple",
} as const;

/** Session cookies of the default admin, by server origin; `api()` sends them. */
const adminSessions = new Map<string, string>();

/** The "name=value" session cookie from a response's Set-Cookie, or undefined. */
export function sessionCookieOf(res: Response): string | undefined {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    if (pair?.startsWith("signage_session=")) return pair;
  }
  return undefined;
}

/**
 * fetch as the console does: an Origin header naming the server (the CSRF check), and the
 * default admin's session cookie unless the caller sets its own Cookie header (or `anonymous`).
 */
export function api(
  url: string,
  init: RequestInit & { anonymous?: boolean } = {},
): Promise<Response> {
  const { anonymous, ...rest } = init;
  const origin = new URL(url).origin;
  const headers = new Headers(rest.headers);
  if (!headers.has("Origin")) headers.set("Origin", origin);
  const cookie = adminSessions.get(origin);
  if (!anonymous && cookie && !headers.has("Cookie")) headers.set("Cookie", cookie);
  return fetch(url, { ...rest, headers });
}

/** The default admin's session cookie value for a server, to hand to a browser context. */
export function adminSessionValue(baseUrl: string): string {
  const cookie = adminSessions.get(new URL(baseUrl).origin);
  if (!cookie) throw new Error(`no admin session for ${baseUrl}`);
  return cookie.slice(cookie.indexOf("=") + 1);
}

/** Signs in and returns the session cookie; throws with the server's answer when refused. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: baseUrl },
    body: JSON.stringify({ email, password }),
  });
  const cookie = sessionCookieOf(res);
  if (res.status !== 200 || !cookie)
    throw new Error(`sign-in of ${email} refused: ${res.status} ${await res.text()}`);
  return cookie;
}

/**
 * The first-run set-up token as an admin reads it in the server's log (JSON lines), or undefined
 * when the server printed none (a user exists).
 */
export function setupTokenFromLog(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const m = /set-up token (\S+) to create the first admin/.exec(line);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** A pino logger that keeps the server's warnings in memory, as an operator's terminal shows them. */
export function capturingLogger(lines: string[], level = "warn"): pino.Logger {
  return pino({ level }, { write: (line: string) => void lines.push(line) });
}

/**
 * Makes the default admin (first run, with the set-up token from the server's log) or signs it in
 * again (a restart, no token printed), for `api()`.
 */
export async function signInAdmin(baseUrl: string, setupToken?: string): Promise<void> {
  let cookie: string | undefined;
  if (setupToken !== undefined) {
    const setup = await fetch(`${baseUrl}/api/setup`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: baseUrl },
      body: JSON.stringify({ ...TEST_ADMIN, setupToken }),
    });
    if (setup.status !== 201)
      throw new Error(`set-up refused: ${setup.status} ${await setup.text()}`);
    cookie = sessionCookieOf(setup);
  } else cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
  if (!cookie) throw new Error("set-up gave no session");
  adminSessions.set(new URL(baseUrl).origin, cookie);
}

/** Starts the real server the way `signage serve` does, on a free port, with the admin signed in. */
export async function startTestServer(
  opts: {
    dataDir?: string;
    env?: Record<string, string>;
    signIn?: boolean;
    /** A fixed port (a restart where kiosks expect the server); 0, any free port, by default. */
    port?: number;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? makeDataDir();
  const config = loadConfig({
    PORT: String(opts.port ?? 0),
    HOST: "127.0.0.1",
    SIGNAGE_DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...opts.env,
  });
  const logLines: string[] = [];
  const server = await startServer(config, capturingLogger(logLines), "test");
  const baseUrl = `http://127.0.0.1:${server.port}`;
  if (opts.signIn !== false) await signInAdmin(baseUrl, setupTokenFromLog(logLines));
  return {
    server,
    dataDir,
    baseUrl,
    logLines,
    stop: () => {
      adminSessions.delete(new URL(baseUrl).origin);
      return server.stop();
    },
  };
}

/** Removes a data directory made by makeDataDir. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A typed kiosk socket, websocket transport only, as the display connects. */
export type KioskSocket = Socket<KioskServerEvents, KioskClientEvents>;

/** A namespace a kiosk connects to: its own, or "/" as kiosks of the previous release do. */
export type KioskNamespacePath = typeof namespaces.kiosk | typeof namespaces.legacyKiosk;

/** The address a socket.io-client opens for one namespace of the server at `baseUrl`. */
export function namespaceUrl(baseUrl: string, namespace: string): string {
  return new URL(namespace, baseUrl).href;
}

/** Connects a real socket.io-client the way the kiosk does (with a device token when given). */
export async function connectKiosk(
  baseUrl: string,
  token?: string,
  namespace: KioskNamespacePath = namespaces.kiosk,
): Promise<KioskSocket> {
  const socket: KioskSocket = io(namespaceUrl(baseUrl, namespace), {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    ...(token ? { auth: { token } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = { "Content-Type": "application/json" },
): Promise<{ status: number; body: unknown }> {
  const res = await api(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** Creates a district through the API (the parent must exist); fails the test on refusal. */
export async function createDistrict(
  baseUrl: string,
  id: string,
  parentId: string | null = null,
): Promise<void> {
  const res = await postJson(`${baseUrl}/api/districts`, {
    id,
    parentId,
    nameZh: `${id}区`,
    nameEn: `${id} district`,
  });
  if (res.status !== 201)
    throw new Error(`creating district ${id}: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Gives a district a schedule of one window through the API; the window is every day, all day,
 * unless `window` says otherwise. Fails the test on refusal.
 */
export async function putSchedule(
  baseUrl: string,
  districtId: string,
  window: Partial<TimeWindow> & Pick<TimeWindow, "playlist" | "dwellSeconds">,
): Promise<void> {
  const res = await api(`${baseUrl}/api/districts/${districtId}/schedule`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      windows: [
        { id: "all-day", days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00", ...window },
      ],
    }),
  });
  if (res.status !== 200)
    throw new Error(`setting the schedule of ${districtId}: ${res.status} ${await res.text()}`);
}

/** Pairs a new kiosk the way a technician does: code on screen, operator enters it, token arrives. */
export async function pairKiosk(
  baseUrl: string,
  districtId: string,
  name = "测试屏",
  namespace: KioskNamespacePath = namespaces.kiosk,
): Promise<{ socket: KioskSocket; token: string; screenId: string }> {
  const unpaired = await connectKiosk(baseUrl, undefined, namespace);
  try {
    const code = await requestPairingCode(unpaired);
    const complete = new Promise<{ token: string; screenId: string }>((resolve) =>
      unpaired.once("pairing:complete", (p) => resolve(p)),
    );
    const res = await postJson(`${baseUrl}/api/screens/pair`, {
      code,
      name,
      districtId,
    });
    if (res.status !== 201)
      throw new Error(`pairing refused: ${res.status} ${JSON.stringify(res.body)}`);
    const { token, screenId } = await complete;
    return { socket: await connectKiosk(baseUrl, token, namespace), token, screenId };
  } finally {
    unpaired.disconnect();
  }
}

/**
 * Starts a fresh server for a describe block (before all its tests), optionally prepares it,
 * and removes it afterwards; returns a getter for the running server.
 */
export function useTestServer(
  opts: { env?: Record<string, string>; signIn?: boolean } = {},
  prepare?: (t: TestServer) => Promise<void>,
): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(opts);
    await prepare?.(server);
  });
  afterAll(async () => {
    if (!server) return;
    await server.stop();
    removeDataDir(server.dataDir);
  });
  return () => {
    if (!server) throw new Error("the test server has not started");
    return server;
  };
}

/** Waits until an entry's redaction has settled (done, needs review or failed). */
export async function waitForRedaction(
  t: TestServer,
  id: string,
  timeoutMs = 90_000,
): Promise<EntryView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(`${t.baseUrl}/api/entries/${id}`);
    const entry = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    if (entry.redactionStatus !== "queued" && entry.redactionStatus !== "processing") return entry;
    if (Date.now() > deadline) throw new Error(`redaction of ${id} still ${entry.redactionStatus}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Asks for a pairing code as an unpaired kiosk does; fails the test if none is given. */
export async function requestPairingCode(
  socket: KioskSocket,
  display: DisplayInfo = { width: 1920, height: 1080, appVersion: "test" },
): Promise<string> {
  const ack = OfferAck.parse(await socket.timeout(5000).emitWithAck("pairing:request", display));
  if (!ack.ok) throw new Error(`no pairing code: ${ack.error.message}`);
  return ack.data.code;
}

/** Syncs a paired kiosk from `appliedVersion` (0: the full manifest); fails on an error ack. */
export async function syncKiosk(socket: KioskSocket, appliedVersion = 0): Promise<SyncDelta> {
  const ack = SyncAck.parse(
    await socket.timeout(5000).emitWithAck("kiosk:hello", { appliedVersion }),
  );
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data;
}

/** The schema of a kiosk:hello answer. */
export const SyncAck = ackSchema(SyncDeltaSchema);
const OfferAck = ackSchema(PairingOfferSchema);
