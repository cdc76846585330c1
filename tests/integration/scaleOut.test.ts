import { identifyCodeOf } from "../../shared/schemas/screen";
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContentChanged } from "../../shared/schemas/sync";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  makeDataDir,
  postJson,
  removeDataDir,
  requestPairingCode,
  startTestServer,
  syncKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const redisUrl = process.env["SIGNAGE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** The next message of `event` on a socket, or a failure after `ms`. */
function next<T>(socket: KioskSocket, event: string, ms = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    (socket as unknown as { once(e: string, f: (p: T) => void): void }).once(event, (p: T) => {
      clearTimeout(timer);
      resolve(p);
    });
  });
}

function schedule(dwellSeconds: number) {
  return {
    windows: [
      {
        id: "all-day",
        days: [1, 2, 3, 4, 5, 6, 7],
        start: "00:00",
        end: "24:00",
        playlist: [{ type: "discredited" }],
        dwellSeconds,
      },
    ],
  };
}

// Two server processes (in one test process, as two servers) on one PostgreSQL database and one
// Redis stream: the screens are connected to the first, the operators work on the second.
describe("two server processes sharing PostgreSQL and a Redis stream", () => {
  let database: TempDatabase;
  let dataDir: string;
  let screens: TestServer;
  let operators: TestServer;
  let moderator: TestUser;
  let kiosk: KioskSocket;
  let screenId: string;
  const stream = `signage-test-${randomUUID()}`;

  beforeAll(async () => {
    database = await createTempDatabase();
    // One data directory: both processes must hold the same master key.
    dataDir = makeDataDir();
    const env = {
      DATABASE_URL: database.url,
      SIGNAGE_REDIS_URL: redisUrl,
      SIGNAGE_REDIS_STREAM: stream,
    };
    screens = await startTestServer({ dataDir, env });
    operators = await startTestServer({ dataDir, env });
    await createDistrict(operators.baseUrl, "da");
    await createDistrict(operators.baseUrl, "db");
    moderator = await createUser(operators.baseUrl, "moderator", [
      { role: "moderator", scope: "*" },
    ]);
  }, 60_000);

  afterAll(async () => {
    kiosk?.disconnect();
    await screens?.stop();
    await operators?.stop();
    removeDataDir(dataDir);
    await database?.drop();
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    await redis.del(stream);
    await redis.quit();
  });

  it("pairs a kiosk waiting on one process with a code entered on the other", async () => {
    const unpaired = await connectKiosk(screens.baseUrl);
    try {
      const code = await requestPairingCode(unpaired);
      const complete = next<{ token: string; screenId: string }>(unpaired, "pairing:complete");
      const res = await postJson(`${operators.baseUrl}/api/screens/pair`, {
        code,
        name: "跨进程屏",
        districtId: "da",
      });
      expect(res.status).toBe(201);
      const paired = await complete;
      screenId = paired.screenId;
      kiosk = await connectKiosk(screens.baseUrl, paired.token);
    } finally {
      unpaired.disconnect();
    }
    const first = await syncKiosk(kiosk);
    expect(first.district.id).toBe("da");
  });

  it("pushes an entry published and then revoked on the other process, and counts the acknowledgement", async () => {
    const created = await postJson(
      `${operators.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"], fullName: "欧阳娜娜" }),
    );
    expect(created.status).toBe(201);
    const entryId = (created.body as { entry: { id: string } }).entry.id;
    const published = next<ContentChanged>(kiosk, "content:changed");
    expect((await approveAsSeen(operators.baseUrl, moderator, entryId)).status).toBe(200);
    expect((await published).ids).toContain(entryId);
    const delta = await syncKiosk(kiosk, 0);
    expect(delta.entries.map((e) => [e.id, e.maskedName])).toEqual([[entryId, "欧阳某"]]);

    const takedown = next<ContentChanged>(kiosk, "content:changed");
    const revoked = await postJson(`${operators.baseUrl}/api/entries/${entryId}/revoke`, {
      reason: "court_order",
    });
    expect(revoked.status).toBe(200);
    const change = await takedown;
    expect(change.removedIds).toEqual([entryId]);
    kiosk.emit("kiosk:applied", { version: change.version });
    await expect
      .poll(
        async () => {
          const res = await api(`${operators.baseUrl}/api/takedowns?entry=${entryId}`);
          const { takedowns } = (await res.json()) as {
            takedowns: { screens: number; acknowledged: number }[];
          };
          return takedowns[0];
        },
        { timeout: 15_000 },
      )
      .toMatchObject({ screens: 1, acknowledged: 1 });
  });

  it("answers a sync right after a schedule change on the other process with the new schedule", async () => {
    const put = async (dwell: number) =>
      api(`${operators.baseUrl}/api/districts/da/schedule`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(schedule(dwell)),
      });
    const first = next<ContentChanged>(kiosk, "content:changed");
    expect((await put(7)).status).toBe(200);
    await first;
    // The answer for this question is now cached on the kiosk's process...
    const before = await syncKiosk(kiosk, 0);
    expect(before.schedule?.windows[0]?.dwellSeconds).toBe(7);
    // ...and a change made elsewhere must not be answered from that cache.
    const changed = next<ContentChanged>(kiosk, "content:changed");
    expect((await put(11)).status).toBe(200);
    expect((await changed).version).toBe(0);
    const after = await syncKiosk(kiosk, 0);
    expect(after.schedule?.windows[0]?.dwellSeconds).toBe(11);
  });

  it("identifies a screen connected to the other process", async () => {
    const shown = next<{ name: string; seconds: number }>(kiosk, "screen:identify");
    const res = await postJson(`${operators.baseUrl}/api/screens/${screenId}/identify`, {
      seconds: 5,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ screenId, reached: 1 });
    // The screen's code, not its typed name (nothing one person types reaches the street).
    expect(await shown).toEqual({ name: identifyCodeOf(screenId), seconds: 5 });
  });

  it("moves a screen on the other process: its next sync is the new district's", async () => {
    const moved = next<ContentChanged>(kiosk, "content:changed");
    const res = await api(`${operators.baseUrl}/api/screens/${screenId}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ districtId: "db" }),
    });
    expect(res.status).toBe(200);
    expect((await moved).version).toBe(0);
    expect((await syncKiosk(kiosk, 0)).district.id).toBe("db");
    // And the district's pushes now reach it, wherever they are made.
    const created = await postJson(
      `${operators.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["db"] }),
    );
    const entryId = (created.body as { entry: { id: string } }).entry.id;
    const pushed = next<ContentChanged>(kiosk, "content:changed");
    expect((await approveAsSeen(operators.baseUrl, moderator, entryId)).status).toBe(200);
    expect((await pushed).ids).toContain(entryId);
  });

  it("shows the screen online on the other process, and offline once its connection ends", async () => {
    const online = async (): Promise<boolean> => {
      const res = await api(`${operators.baseUrl}/api/screens/${screenId}`);
      return ((await res.json()) as { screen: { online: boolean } }).screen.online;
    };
    expect(await online()).toBe(true);
    kiosk.disconnect();
    await expect.poll(online, { timeout: 15_000 }).toBe(false);
  });
});

describe("a server told to use a Redis that is not there", () => {
  it("refuses to start, saying which Redis and why, in one sentence", async () => {
    const dataDir = makeDataDir();
    try {
      await expect(
        startTestServer({ dataDir, env: { SIGNAGE_REDIS_URL: "redis://127.0.0.1:1" } }),
      ).rejects.toThrow(/^Redis at 127\.0\.0\.1:1 \(SIGNAGE_REDIS_URL\) cannot be reached: .+\.$/);
    } finally {
      removeDataDir(dataDir);
    }
  });
});
