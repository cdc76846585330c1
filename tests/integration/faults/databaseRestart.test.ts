import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../../shared/schemas/apiError";
import type { ContentChanged } from "../../../shared/schemas/sync";
import { buildEntryInput } from "../../support/entryFactory";
import { approveAsSeen } from "../../support/entryPublishing";
import { createUser, type TestUser } from "../../support/principals";
import { startPrivatePostgres, type PrivatePostgres } from "../../support/privateServices";
import {
  api,
  connectKiosk,
  createDistrict,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  SyncAck,
  syncKiosk,
  type KioskSocket,
  type TestServer,
} from "../../support/testServer";

/** Long enough for any answer under load; a request still open after it counts as a hang. */
const HANG_MS = 20_000;

/** The next `content:changed` on a socket, or a failure after `ms`. */
function nextChange(socket: KioskSocket, ms = 15_000): Promise<ContentChanged> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no content:changed within ${ms} ms`)), ms);
    socket.once("content:changed", (p) => {
      clearTimeout(timer);
      resolve(p);
    });
  });
}

/** A request as the console makes it, failed (not left open) when no answer comes in time. */
async function ask(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  const res = await api(url, { ...init, signal: AbortSignal.timeout(HANG_MS) });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

// The server runs on a PostgreSQL cluster of this test's own, which the test crashes
// (`pg_ctl stop -m immediate`) and starts again while the server, its console and a kiosk stay up.
describe("PostgreSQL restarted under a running server", () => {
  let pg: PrivatePostgres;
  let t: TestServer;
  let moderator: TestUser;
  let kiosk: KioskSocket;
  let token: string;

  async function publish(fullName: string): Promise<string> {
    const created = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"], fullName }),
    );
    expect(created.status).toBe(201);
    const id = (created.body as { entry: { id: string } }).entry.id;
    expect((await approveAsSeen(t.baseUrl, moderator, id)).status).toBe(200);
    return id;
  }

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    t = await startTestServer({ env: { DATABASE_URL: pg.url } });
    await createDistrict(t.baseUrl, "da");
    moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
    const paired = await pairKiosk(t.baseUrl, "da");
    kiosk = paired.socket;
    token = paired.token;
  }, 120_000);

  afterAll(async () => {
    kiosk?.disconnect();
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
    await pg?.remove();
  }, 60_000);

  it("answers with a status, a code and a sentence while the database is down, then serves again, and the kiosk catches up by version", async () => {
    const kept = await publish("张三");
    const first = await syncKiosk(kiosk, 0);
    expect(first.entries.map((e) => e.id)).toEqual([kept]);
    const held = first.version;

    await pg.crash();

    // The console's requests fail at once and say so; none is left hanging.
    for (const path of ["/api/entries", "/api/screens", `/api/entries/${kept}`]) {
      const res = await ask(`${t.baseUrl}${path}`);
      expect(res.status, path).toBe(503);
      expect(ApiErrorSchema.parse(res.body).error, path).toMatchObject({
        code: "unavailable",
        reason: "request.databaseUnreachable",
        message: expect.stringMatching(/database.*\.$/) as unknown,
      });
    }
    // A takedown asked for now is refused, not half-done.
    const refused = await ask(`${t.baseUrl}/api/entries/${kept}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(refused.status).toBe(503);
    expect(ApiErrorSchema.parse(refused.body).error.code).toBe("unavailable");
    const health = await ask(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(503);
    // The kiosk's sync gets an error answer, not silence.
    const ack = SyncAck.parse(
      await kiosk.timeout(HANG_MS).emitWithAck("kiosk:hello", { appliedVersion: held }),
    );
    expect(ack.ok).toBe(false);

    await pg.start();

    // The pool finds its way back: the same server answers again.
    await expect
      .poll(async () => (await ask(`${t.baseUrl}/healthz`)).status, { timeout: 30_000 })
      .toBe(200);
    expect((await ask(`${t.baseUrl}/api/entries`)).status).toBe(200);

    // Delivery resumes: a takedown right after the restart is pushed to the connected kiosk.
    const takedown = nextChange(kiosk);
    const revoked = await postJson(`${t.baseUrl}/api/entries/${kept}/revoke`, {
      reason: "court_order",
    });
    expect(revoked.status).toBe(200);
    expect((await takedown).removedIds).toEqual([kept]);

    // A change the kiosk missed (it was away around the restart) comes with its next sync.
    kiosk.disconnect();
    const added = await publish("李四");
    kiosk = await connectKiosk(t.baseUrl, token);
    const delta = await syncKiosk(kiosk, held);
    expect(delta.removedIds).toContain(kept);
    expect(delta.entries.map((e) => e.id)).toEqual([added]);
    expect(delta.version).toBeGreaterThan(held);
  }, 120_000);

  it("survives a second crash while idle, and pairs a new screen afterwards", async () => {
    // Idle pooled connections die with the database: the server must not crash on their error.
    await pg.crash();
    await new Promise((r) => setTimeout(r, 500));
    await pg.start();
    await expect
      .poll(async () => (await ask(`${t.baseUrl}/healthz`)).status, { timeout: 30_000 })
      .toBe(200);
    const another = await pairKiosk(t.baseUrl, "da", "重启后配对");
    try {
      expect((await syncKiosk(another.socket, 0)).district.id).toBe("da");
    } finally {
      another.socket.disconnect();
    }
  }, 120_000);
});
