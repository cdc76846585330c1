import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { namespaces } from "../../shared/protocol/namespaces";
import { PairingOfferSchema } from "../../shared/schemas/screen";
import { type KioskSocket, namespaceUrl, useTestServer } from "../support/testServer";

const OfferAck = ackSchema(PairingOfferSchema);

/** Every socket a test opened, closed after it. */
const opened: KioskSocket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.disconnect();
});

/**
 * An unpaired kiosk at `client` (through the trusted proxy) asks for a pairing code, on a
 * socket of its own; the answer as the kiosk reads it.
 */
async function askForCode(baseUrl: string, client: string) {
  const socket: KioskSocket = io(namespaceUrl(baseUrl, namespaces.kiosk), {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { "X-Forwarded-For": client },
  });
  opened.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return OfferAck.parse(
    await socket
      .timeout(10_000)
      .emitWithAck("pairing:request", { width: 1920, height: 1080, appVersion: "test" }),
  );
}

/** Asks for a code and expects one. */
async function gets(baseUrl: string, client: string): Promise<void> {
  const answer = await askForCode(baseUrl, client);
  expect(answer.ok ? "a code" : answer.error.message).toBe("a code");
}

/** Asks for a code and expects a refusal with when to come back; returns its sentence. */
async function refused(baseUrl: string, client: string): Promise<string> {
  const answer = await askForCode(baseUrl, client);
  if (answer.ok) throw new Error(`${client} was given code ${answer.data.code}`);
  expect(answer.error.code).toBe("rate_limited");
  expect(answer.error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(answer.error.message).toMatch(/try again in \d+ s\.$/);
  return answer.error.message;
}

describe("pairing codes per address range", () => {
  // 8 a range, 10 overall; a range is given 5 even when everyone together is over.
  const server = useTestServer({
    env: {
      SIGNAGE_TRUST_PROXY: "loopback",
      SIGNAGE_PAIRING_CODES_PER_RANGE: "8",
      SIGNAGE_PAIRING_CODES_PER_MINUTE: "10",
    },
  });

  it("throttles a range that used up its quota from many addresses, and another range still gets a code", async () => {
    const { baseUrl } = server();
    // Range A: one code from each of eight addresses, so no address is over its own limit.
    for (let i = 1; i <= 8; i++) await gets(baseUrl, `10.1.1.${i}`);
    expect(await refused(baseUrl, "10.1.1.9")).toMatch(/network 10\.1\.1\.0\/24/);
    expect(await refused(baseUrl, "10.1.1.200")).toMatch(/network 10\.1\.1\.0\/24/);
    // Range B is not held back by A.
    await gets(baseUrl, "10.2.2.9");
  });

  it("leaves every other range its reserve when a handful of ranges used up the overall quota", async () => {
    const { baseUrl } = server();
    // 9 so far (A 8, B 1); C takes the tenth, the last of the overall quota.
    await gets(baseUrl, "10.3.3.1");
    // B is under its reserve: still served, up to 5 in all.
    for (let i = 0; i < 4; i++) await gets(baseUrl, "10.2.2.10");
    expect(await refused(baseUrl, "10.2.2.11")).toMatch(/from everywhere at once/);
    // A range that has asked for nothing yet still gets codes, over IPv6 too.
    await gets(baseUrl, "10.4.4.4");
    await gets(baseUrl, "2001:db8:4:4::1");
  });
});

describe("pairing codes per IPv6 range", () => {
  const server = useTestServer({
    env: {
      SIGNAGE_TRUST_PROXY: "loopback",
      SIGNAGE_PAIRING_CODES_PER_RANGE: "3",
      SIGNAGE_PAIRING_CODES_PER_MINUTE: "600",
    },
  });

  it("counts every address of one /64 together and another /64 apart", async () => {
    const { baseUrl } = server();
    await gets(baseUrl, "2001:db8:a:1::1");
    await gets(baseUrl, "2001:db8:a:1:ffff:ffff:ffff:fffe");
    await gets(baseUrl, "2001:0db8:000a:0001::99");
    expect(await refused(baseUrl, "2001:db8:a:1:1234::7")).toMatch(/network 2001:db8:a:1::\/64/);
    await gets(baseUrl, "2001:db8:a:2::1");
  });
});
