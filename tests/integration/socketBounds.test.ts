import { io, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { namespaces } from "../../shared/protocol/namespaces";
import {
  adminSessionValue,
  createDistrict,
  namespaceUrl,
  pairKiosk,
  useTestServer,
} from "../support/testServer";

/** What a refused handshake tells the client (socket.io's connect_error data). */
const RefusalSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryAfterSeconds: z.number().int().positive().optional(),
});
type Refusal = z.infer<typeof RefusalSchema>;

/** The answer to an event the console sent. */
const ConsoleAck = ackSchema(z.unknown());

/** Every socket a test opened, closed after it. */
const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.disconnect();
});

/**
 * Opens a socket through the trusted proxy (the test server trusts loopback) as the client at
 * `client`: connected, or refused with what the server said.
 */
function attempt(
  baseUrl: string,
  opts: {
    client: string;
    namespace?: string;
    token?: string;
    headers?: Record<string, string>;
  },
): Promise<{ socket: Socket } | { refusal: Refusal }> {
  const socket = io(namespaceUrl(baseUrl, opts.namespace ?? namespaces.kiosk), {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { "X-Forwarded-For": opts.client, ...opts.headers },
    ...(opts.token !== undefined ? { auth: { token: opts.token } } : {}),
  });
  opened.push(socket);
  return new Promise((resolve) => {
    socket.once("connect", () => resolve({ socket }));
    socket.once("connect_error", (err: Error & { data?: unknown }) =>
      resolve({ refusal: RefusalSchema.parse(err.data) }),
    );
  });
}

/** The socket of an attempt that must connect; fails the test with the refusal otherwise. */
async function connected(attempted: Promise<{ socket: Socket } | { refusal: Refusal }>) {
  const r = await attempted;
  if ("refusal" in r) throw new Error(`refused: ${JSON.stringify(r.refusal)}`);
  return r.socket;
}

/** The refusal of an attempt that must be refused. */
async function refused(attempted: Promise<{ socket: Socket } | { refusal: Refusal }>) {
  const r = await attempted;
  if ("socket" in r) throw new Error("the handshake was accepted");
  return r.refusal;
}

/** Whether a fresh attempt with these options connects now (closed again at once). */
async function connectsNow(baseUrl: string, opts: Parameters<typeof attempt>[1]): Promise<boolean> {
  const r = await attempt(baseUrl, opts);
  if ("socket" in r) r.socket.disconnect();
  return "socket" in r;
}

describe("unpaired kiosk sockets, per client address and in total", () => {
  let token = "";
  const server = useTestServer(
    {
      env: {
        SIGNAGE_TRUST_PROXY: "loopback",
        SIGNAGE_UNPAIRED_SOCKETS_PER_ADDRESS: "3",
        SIGNAGE_UNPAIRED_SOCKETS_TOTAL: "6",
        SIGNAGE_HANDSHAKES_PER_MINUTE: "1000",
      },
    },
    async (t) => {
      await createDistrict(t.baseUrl, "da");
      const screen = await pairKiosk(t.baseUrl, "da", "界限屏");
      screen.socket.disconnect();
      token = screen.token;
    },
  );

  it("refuses an address its fourth unpaired socket on either kiosk namespace, never its paired screens, and frees a place when one closes", async () => {
    const { baseUrl } = server();
    const client = "203.0.113.7";
    const first = await connected(attempt(baseUrl, { client }));
    await connected(attempt(baseUrl, { client, namespace: namespaces.legacyKiosk }));
    await connected(attempt(baseUrl, { client }));

    for (const namespace of [namespaces.kiosk, namespaces.legacyKiosk]) {
      const refusal = await refused(attempt(baseUrl, { client, namespace }));
      expect(refusal.code).toBe("rate_limited");
      expect(refusal.message).toMatch(/already has 3 unpaired screens connected/);
      expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // Another address is not held back by this one.
    await connected(attempt(baseUrl, { client: "203.0.113.8" }));
    // A paired screen from the same address is never counted or refused.
    for (const namespace of [namespaces.kiosk, namespaces.legacyKiosk])
      await connected(attempt(baseUrl, { client, namespace, token }));

    // Closing one unpaired socket gives its place back.
    first.disconnect();
    await expect
      .poll(() => connectsNow(baseUrl, { client }), { timeout: 10_000, interval: 200 })
      .toBe(true);
  });

  it("refuses unpaired sockets beyond the server's total with 'overloaded' and a retry hint, and still takes paired screens", async () => {
    const { baseUrl } = server();
    // Fill the server, two per address so the per-address bound is never the one reached; a
    // refusal while the first test's sockets are still being given back is tried again.
    let held = 0;
    await expect
      .poll(
        async () => {
          const r = await attempt(baseUrl, { client: `198.51.100.${10 + Math.floor(held / 2)}` });
          if ("socket" in r) held += 1;
          return held;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(6);
    const refusal = await refused(attempt(baseUrl, { client: "192.0.2.200" }));
    expect(refusal).toMatchObject({ code: "overloaded" });
    expect(refusal.message).toMatch(/as many unpaired screens connected as it takes/);
    expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await connected(attempt(baseUrl, { client: "192.0.2.200", token }));
  });
});

describe("handshakes per client address", () => {
  const server = useTestServer(
    { env: { SIGNAGE_TRUST_PROXY: "loopback", SIGNAGE_HANDSHAKES_PER_MINUTE: "5" } },
    async (t) => {
      await createDistrict(t.baseUrl, "da");
    },
  );

  it("counts wrong device tokens and refuses the address once its bucket is empty, on every namespace", async () => {
    const { baseUrl } = server();
    const client = "203.0.113.50";
    for (let i = 0; i < 5; i++)
      expect(await refused(attempt(baseUrl, { client, token: `bogus-${i}` }))).toMatchObject({
        code: "unauthenticated",
      });
    for (const namespace of Object.values(namespaces)) {
      const refusal = await refused(attempt(baseUrl, { client, namespace, token: "bogus" }));
      expect(refusal.code).toBe("rate_limited");
      expect(refusal.message).toMatch(
        /^Too many connection attempts from this address; try again in \d+ s\.$/,
      );
      expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // The limit keys on the real client, not on the proxy every client comes through.
    await connected(attempt(baseUrl, { client: "203.0.113.51" }));
  });

  it("counts console handshakes without a session, not consoles that have one", async () => {
    const { baseUrl } = server();
    const namespace = namespaces.console;
    const origin = { Origin: baseUrl };
    const client = "203.0.113.60";
    for (let i = 0; i < 5; i++)
      expect(await refused(attempt(baseUrl, { client, namespace, headers: origin }))).toMatchObject(
        { code: "unauthenticated" },
      );
    expect(await refused(attempt(baseUrl, { client, namespace, headers: origin }))).toMatchObject({
      code: "rate_limited",
    });
    const signedIn = {
      ...origin,
      Cookie: `signage_session=${adminSessionValue(baseUrl)}`,
    };
    for (let i = 0; i < 8; i++)
      await connected(attempt(baseUrl, { client: "203.0.113.61", namespace, headers: signedIn }));
  });

  it("never charges a paired screen's handshakes: one address reconnects more often than the bucket holds", async () => {
    const { baseUrl } = server();
    const screen = await pairKiosk(baseUrl, "da", "重连屏");
    screen.socket.disconnect();
    for (let i = 0; i < 12; i++) {
      const s = await connected(attempt(baseUrl, { client: "203.0.113.70", token: screen.token }));
      s.disconnect();
    }
    // The address's bucket is still full: its unpaired handshakes go through.
    for (let i = 0; i < 5; i++) await connected(attempt(baseUrl, { client: "203.0.113.70" }));
  });
});

describe("events from console sockets", () => {
  const server = useTestServer();

  it("answers an event a console has no business sending, drops a flood with rate_limited, and disconnects the flooder only", async () => {
    const { baseUrl } = server();
    const headers = { Origin: baseUrl, Cookie: `signage_session=${adminSessionValue(baseUrl)}` };
    const client = "127.0.0.1";
    const namespace = namespaces.console;
    const flooder = await connected(attempt(baseUrl, { client, namespace, headers }));
    const quiet = await connected(attempt(baseUrl, { client, namespace, headers }));
    let disconnected = false;
    flooder.on("disconnect", () => {
      disconnected = true;
    });

    const first = ConsoleAck.parse(await flooder.timeout(10_000).emitWithAck("console:hello", 1));
    expect(first).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(first.ok ? "" : first.error.message).toMatch(/only receives/);

    const codes: string[] = [];
    for (let i = 0; i < 500 && flooder.connected; i++)
      flooder.emit("console:hello", i, (raw: unknown) => {
        const answer = ConsoleAck.parse(raw);
        codes.push(answer.ok ? "ok" : answer.error.code);
      });
    await expect.poll(() => disconnected, { timeout: 10_000 }).toBe(true);
    expect(codes).toContain("bad_request");
    expect(codes).toContain("rate_limited");
    expect(codes).not.toContain("ok");
    // The other console of the same user and address is untouched.
    expect(quiet.connected).toBe(true);
    const again = ConsoleAck.parse(await quiet.timeout(10_000).emitWithAck("console:hello", 1));
    expect(again).toMatchObject({ ok: false, error: { code: "bad_request" } });
  });
});
