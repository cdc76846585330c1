import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContentChanged } from "../../../shared/schemas/sync";
import { buildEntryInput } from "../../support/entryFactory";
import { approveAsSeen } from "../../support/entryPublishing";
import { createTempDatabase, type TempDatabase } from "../../support/postgres";
import { createUser, type TestUser } from "../../support/principals";
import { startPrivateRedis, type PrivateRedis } from "../../support/privateServices";
import {
  createDistrict,
  makeDataDir,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type KioskSocket,
  type TestServer,
} from "../../support/testServer";

/** Every `content:changed` a socket receives, in order. */
function recordChanges(socket: KioskSocket): ContentChanged[] {
  const seen: ContentChanged[] = [];
  socket.on("content:changed", (p) => seen.push(p));
  return seen;
}

// Two server processes (two servers in this test process) on one PostgreSQL database and a
// Redis of this test's own, which it kills and starts again, empty, while both keep running:
// the screen is connected to the first, the operators work on the second.
describe("Redis restarted under two server processes", () => {
  let redis: PrivateRedis;
  let database: TempDatabase;
  let dataDir: string;
  let screens: TestServer;
  let operators: TestServer;
  let moderator: TestUser;
  let kiosk: KioskSocket;
  let changes: ContentChanged[];

  async function create(fullName: string): Promise<string> {
    const created = await postJson(
      `${operators.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"], fullName }),
    );
    expect(created.status).toBe(201);
    return (created.body as { entry: { id: string } }).entry.id;
  }

  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createTempDatabase();
    // One data directory: both processes must hold the same master key.
    dataDir = makeDataDir();
    const env = {
      DATABASE_URL: database.url,
      SIGNAGE_REDIS_URL: redis.url,
      SIGNAGE_REDIS_STREAM: `signage-test-${randomUUID()}`,
    };
    screens = await startTestServer({ dataDir, env });
    operators = await startTestServer({ dataDir, env });
    await createDistrict(operators.baseUrl, "da");
    moderator = await createUser(operators.baseUrl, "moderator", [
      { role: "moderator", scope: "*" },
    ]);
    kiosk = (await pairKiosk(screens.baseUrl, "da")).socket;
    changes = recordChanges(kiosk);
  }, 120_000);

  afterAll(async () => {
    kiosk?.disconnect();
    await screens?.stop();
    await operators?.stop();
    removeDataDir(dataDir);
    await database?.drop();
    await redis?.remove();
  }, 60_000);

  it("brings a takedown made while Redis was down to the other process's screen once it is back, and fans out again", async () => {
    const kept = await create("张三");
    expect((await approveAsSeen(operators.baseUrl, moderator, kept)).status).toBe(200);
    // Fan-out works before the fault: the publication made on one process reaches the screen.
    await expect
      .poll(() => changes.some((c) => c.ids.includes(kept)), { timeout: 15_000 })
      .toBe(true);
    const held = (await syncKiosk(kiosk, 0)).version;

    await redis.kill();

    // The operators' process still works on the database: the takedown is recorded...
    const revoked = await postJson(`${operators.baseUrl}/api/entries/${kept}/revoke`, {
      reason: "court_order",
    });
    expect(revoked.status).toBe(200);
    // ...and the screen's process, which cannot hear of it now, keeps serving its screen.
    expect((await syncKiosk(kiosk, held)).version).toBeGreaterThanOrEqual(held);
    const before = changes.length;

    await redis.start();

    // Once Redis is back the screen is told to catch up (or gets the push), and its sync from
    // the version it holds takes the entry down.
    await expect
      .poll(() => changes.slice(before).some((c) => c.version > held), { timeout: 30_000 })
      .toBe(true);
    const delta = await syncKiosk(kiosk, held);
    expect(delta.removedIds).toContain(kept);
    expect(delta.entries.map((e) => e.id)).not.toContain(kept);

    // Fan-out resumes: a publication made on the operators' process reaches the screen again.
    const added = await create("李四");
    expect((await approveAsSeen(operators.baseUrl, moderator, added)).status).toBe(200);
    await expect
      .poll(() => changes.some((c) => c.ids.includes(added)), { timeout: 30_000 })
      .toBe(true);
  }, 120_000);

  it("brings a takedown whose push was lost in flight (Redis hung, then died) to the screen once Redis is back", async () => {
    const kept = await create("王五");
    expect((await approveAsSeen(operators.baseUrl, moderator, kept)).status).toBe(200);
    await expect
      .poll(() => changes.some((c) => c.ids.includes(kept)), { timeout: 30_000 })
      .toBe(true);
    const held = (await syncKiosk(kiosk, 0)).version;

    // Redis hangs: the push of the takedown is written to it and never answered...
    redis.freeze();
    const revoked = await postJson(`${operators.baseUrl}/api/entries/${kept}/revoke`, {
      reason: "court_order",
    });
    expect(revoked.status).toBe(200);
    // ...and dies with it: nothing will ever deliver that push.
    await redis.kill();
    const before = changes.length;
    await redis.start();

    await expect
      .poll(() => changes.slice(before).some((c) => c.version > held), { timeout: 30_000 })
      .toBe(true);
    const delta = await syncKiosk(kiosk, held);
    expect(delta.removedIds).toContain(kept);
  }, 120_000);
});
