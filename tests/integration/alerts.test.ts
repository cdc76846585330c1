import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlertListSchema,
  WebhookPayloadSchema,
  WebhookStatusSchema,
  type Alert,
  type WebhookPayload,
} from "../../shared/schemas/alert";
import { ContentChangedSchema, type ContentChanged } from "../../shared/schemas/sync";
import { signWebhook } from "../../server/services/alerts/AlertWebhook";
import { isOlderVersion } from "../../server/services/alerts/AlertMonitor";
import { publishAnnouncement } from "../support/announcements";
import { reportStatus } from "../support/kioskStatus";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const SECRET = "a shared secret of the city's on-call tool";

/** A webhook receiver: answers 500 to the first `failFirst` POSTs, then 200; keeps the rest. */
async function startReceiver(failFirst: number): Promise<{
  url: string;
  received: { payload: WebhookPayload; signatureValid: boolean }[];
  attempts: () => number;
  close: () => Promise<void>;
}> {
  const received: { payload: WebhookPayload; signatureValid: boolean }[] = [];
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      attempts += 1;
      if (attempts <= failFirst) {
        res.writeHead(500).end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(req.headers["x-signage-timestamp"]);
      const expected = `sha256=${signWebhook(SECRET, timestamp, body)}`;
      received.push({
        payload: WebhookPayloadSchema.parse(JSON.parse(body)),
        signatureValid: req.headers["x-signage-signature"] === expected,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/signage?team=field`,
    received,
    attempts: () => attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function nextChange(socket: KioskSocket): Promise<ContentChanged> {
  return new Promise((resolve) =>
    socket.once("content:changed", (p) => resolve(ContentChangedSchema.parse(p))),
  );
}

describe("alerts: raised and resolved by what the screens do, told to consoles", () => {
  let t: TestServer;
  let north: TestUser;
  let south: TestUser;
  const sockets: KioskSocket[] = [];

  beforeAll(async () => {
    t = await startTestServer({
      env: { SIGNAGE_ALERT_CHECK_SECONDS: "1", SIGNAGE_ALERT_TAKEDOWN_SECONDS: "2" },
    });
    await createDistrict(t.baseUrl, "north");
    await createDistrict(t.baseUrl, "south");
    north = await createUser(t.baseUrl, "north-op", [{ role: "operator", scope: "north" }]);
    south = await createUser(t.baseUrl, "south-mod", [{ role: "moderator", scope: "south" }]);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  async function alertsOf(user: TestUser | null, query = ""): Promise<Alert[]> {
    const res = user
      ? await user.fetch(`${t.baseUrl}/api/alerts${query}`)
      : await api(`${t.baseUrl}/api/alerts${query}`);
    expect(res.status).toBe(200);
    return AlertListSchema.parse(await res.json()).alerts;
  }

  async function connectionOf(screenId: string): Promise<string | null | undefined> {
    const row = await t.server.store.db
      .selectFrom("screens")
      .select("connection_id")
      .where("id", "=", screenId)
      .executeTakeFirst();
    return row?.connection_id;
  }

  async function openAlert(kind: Alert["kind"], screenId: string): Promise<Alert | undefined> {
    return (await alertsOf(null, "?state=open")).find(
      (a) => a.kind === kind && a.screenId === screenId,
    );
  }

  it("raises an alert for a clock off by more than 2 s, and resolves it when the clock is right", async () => {
    const kiosk = await pairKiosk(t.baseUrl, "north", "北站屏");
    sockets.push(kiosk.socket);
    reportStatus(kiosk.socket, { clockSkewMs: 4_500 });
    await expect
      .poll(() => openAlert("clock_skew", kiosk.screenId), { timeout: 20_000 })
      .toMatchObject({ screenName: "北站屏", districtId: "north", detail: { skewMs: 4_500 } });
    reportStatus(kiosk.socket, { clockSkewMs: 120 });
    await expect
      .poll(() => openAlert("clock_skew", kiosk.screenId), { timeout: 20_000 })
      .toBeUndefined();
    const all = await alertsOf(null);
    expect(
      all.find((a) => a.kind === "clock_skew" && a.screenId === kiosk.screenId)?.resolvedAt,
    ).not.toBeNull();
  });

  it("raises alerts for storage nearly full and an old app version, never for a browser kiosk", async () => {
    const kiosk = await pairKiosk(t.baseUrl, "north", "北广场屏");
    sockets.push(kiosk.socket);
    reportStatus(kiosk.socket, { appVersion: "0.0.9", storageUsedMb: 950, storageQuotaMb: 1000 });
    await expect
      .poll(() => openAlert("storage_low", kiosk.screenId), { timeout: 20_000 })
      .toMatchObject({ detail: { usedMb: 950, quotaMb: 1000 } });
    await expect
      .poll(() => openAlert("old_app_version", kiosk.screenId), { timeout: 20_000 })
      .toMatchObject({ detail: { version: "0.0.9" } });
    reportStatus(kiosk.socket, { appVersion: "browser", storageUsedMb: 100, storageQuotaMb: 1000 });
    await expect
      .poll(() => openAlert("storage_low", kiosk.screenId), { timeout: 20_000 })
      .toBeUndefined();
    await expect
      .poll(() => openAlert("old_app_version", kiosk.screenId), { timeout: 20_000 })
      .toBeUndefined();
    expect(isOlderVersion("0.9.10", "0.10.0")).toBe(true);
    expect(isOlderVersion("1.2.10", "1.2.9")).toBe(false);
  });

  it("raises an alert for a screen dark longer than its district allows, and resolves it when it is back", async () => {
    const kiosk = await pairKiosk(t.baseUrl, "north", "北门屏");
    // Connected (written), then gone: the disconnect's write is what the wait below sees.
    await expect.poll(() => connectionOf(kiosk.screenId), { timeout: 10_000 }).toBeTruthy();
    kiosk.socket.disconnect();
    // Dark for two minutes: under the city's five, so nothing yet.
    const setLastSeen = (minutesAgo: number) =>
      t.server.store.db
        .updateTable("screens")
        .set({ last_seen_at: new Date(Date.now() - minutesAgo * 60_000).toISOString() })
        .where("id", "=", kiosk.screenId)
        .execute();
    await expect.poll(() => connectionOf(kiosk.screenId), { timeout: 10_000 }).toBeNull();
    await setLastSeen(2);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await openAlert("screen_offline", kiosk.screenId)).toBeUndefined();
    // The district allows one minute: now it is overdue.
    const district = (await (await api(`${t.baseUrl}/api/districts/north`)).json()) as {
      district: Record<string, unknown>;
    };
    const { createdAt: _c, updatedAt: _u, settingsReview: _r, ...input } = district.district;
    const put = await api(`${t.baseUrl}/api/districts/north`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...input, alertOfflineMinutes: 1 }),
    });
    expect(put.status).toBe(200);
    await expect
      .poll(() => openAlert("screen_offline", kiosk.screenId), { timeout: 20_000 })
      .toMatchObject({ screenName: "北门屏", detail: { limitMinutes: 1 } });

    // Scoped: the district's operator sees it, a moderator of another district does not.
    expect((await alertsOf(north, "?state=open")).some((a) => a.screenId === kiosk.screenId)).toBe(
      true,
    );
    expect((await alertsOf(south)).some((a) => a.screenId === kiosk.screenId)).toBe(false);
    const unread = async (u: TestUser) =>
      AlertListSchema.parse(await (await u.fetch(`${t.baseUrl}/api/alerts`)).json()).unread;
    expect(await unread(north)).toBeGreaterThan(0);
    const seen = await north.post(`${t.baseUrl}/api/alerts/seen`, {});
    expect(seen.status).toBe(204);
    expect(await unread(north)).toBe(0);

    const back = await connectKiosk(t.baseUrl, kiosk.token);
    sockets.push(back);
    await expect
      .poll(() => openAlert("screen_offline", kiosk.screenId), { timeout: 20_000 })
      .toBeUndefined();

    // A process that died without a word leaves its screens' connections behind: a screen that
    // has not reported for longer than 90 s is dark all the same.
    const orphan = await pairKiosk(t.baseUrl, "north", "北仓屏");
    sockets.push(orphan.socket);
    await expect.poll(() => connectionOf(orphan.screenId), { timeout: 10_000 }).toBeTruthy();
    orphan.socket.disconnect();
    await expect.poll(() => connectionOf(orphan.screenId), { timeout: 10_000 }).toBeNull();
    await t.server.store.db
      .updateTable("screens")
      .set({
        connection_id: "socket-of-a-killed-process",
        last_seen_at: new Date(Date.now() - 10 * 60_000).toISOString(),
      })
      .where("id", "=", orphan.screenId)
      .execute();
    await expect
      .poll(() => openAlert("screen_offline", orphan.screenId), { timeout: 20_000 })
      .toMatchObject({ screenName: "北仓屏" });
  });

  it("raises an alert for a takedown a screen has not acknowledged in time, resolved by its acknowledgement", async () => {
    await createDistrict(t.baseUrl, "east");
    const kiosk = await pairKiosk(t.baseUrl, "east", "东站屏");
    sockets.push(kiosk.socket);
    // A dark screen of the district: its offline alert says what to chase, not one per takedown.
    const dark = await pairKiosk(t.baseUrl, "east", "东仓屏");
    dark.socket.disconnect();
    const published = await publishAnnouncement(t, {
      title: "东区停水通知",
      target: { districtIds: ["east"] },
    });
    const pushed = nextChange(kiosk.socket);
    const withdrawn = await postJson(`${t.baseUrl}/api/announcements/${published.id}/withdraw`, {
      reason: "已恢复供水",
    });
    expect(withdrawn.status).toBe(200);
    const push = await pushed;
    // The kiosk got the push but does not say it applied it.
    await expect
      .poll(() => openAlert("takedown_unacknowledged", kiosk.screenId), { timeout: 20_000 })
      .toMatchObject({
        subject: `announcement:${published.id}@${push.version}`,
        detail: { contentType: "announcement", title: "东区停水通知" },
      });
    expect(await openAlert("takedown_unacknowledged", dark.screenId)).toBeUndefined();
    kiosk.socket.emit("kiosk:applied", { version: push.version });
    await expect
      .poll(() => openAlert("takedown_unacknowledged", kiosk.screenId), { timeout: 20_000 })
      .toBeUndefined();
  });
});

describe("the alert webhook", () => {
  let t: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let north: TestUser;
  const sockets: KioskSocket[] = [];

  beforeAll(async () => {
    // Its first two POSTs fail: the alert's own deliveries are retried.
    receiver = await startReceiver(2);
    t = await startTestServer({
      env: {
        SIGNAGE_ALERT_CHECK_SECONDS: "1",
        SIGNAGE_ALERT_WEBHOOK_URL: receiver.url,
        SIGNAGE_ALERT_WEBHOOK_SECRET: SECRET,
      },
    });
    await createDistrict(t.baseUrl, "north");
    north = await createUser(t.baseUrl, "north-op", [{ role: "operator", scope: "north" }]);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t.stop();
    removeDataDir(t.dataDir);
    await receiver.close();
  });

  it("POSTs every raise and resolve to the webhook, signed, retrying after failures it shows", async () => {
    // An alert of its own: a clock goes wrong, then right again.
    const kiosk = await pairKiosk(t.baseUrl, "north", "北钟屏");
    sockets.push(kiosk.socket);
    reportStatus(kiosk.socket, { clockSkewMs: 4_500 });
    const eventsOfScreen = () =>
      receiver.received
        .filter((r) => r.payload.alert.screenId === kiosk.screenId)
        .map((r) => `${r.payload.alert.kind}:${r.payload.event}`);
    await expect.poll(eventsOfScreen, { timeout: 60_000 }).toContain("clock_skew:alert.raised");
    reportStatus(kiosk.socket, { clockSkewMs: 120 });
    await expect.poll(eventsOfScreen, { timeout: 60_000 }).toContain("clock_skew:alert.resolved");
    // The first two attempts got 500: they were retried, and the failures were shown meanwhile.
    expect(receiver.attempts()).toBeGreaterThan(receiver.received.length);
    for (const r of receiver.received) expect(r.signatureValid).toBe(true);
    const status = WebhookStatusSchema.parse(
      await (await api(`${t.baseUrl}/api/alerts/webhook`)).json(),
    );
    // The origin only: the path's query may hold a token of the receiver's.
    expect(status.target).toBe(new URL(receiver.url).origin);
    expect(status.deliveries.some((d) => d.attempts >= 2 && d.deliveredAt !== null)).toBe(true);
    // An operator may not see where alerts go.
    expect((await north.fetch(`${t.baseUrl}/api/alerts/webhook`)).status).toBe(403);
  }, 120_000);
});
