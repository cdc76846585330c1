import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContentChanged } from "../../shared/schemas/sync";
import {
  api,
  createDistrict,
  type KioskSocket,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type TestServer,
  putSchedule,
} from "../support/testServer";

const hello = syncKiosk;

function nextChange(socket: KioskSocket): Promise<ContentChanged> {
  return new Promise((r) => socket.once("content:changed", (c) => r(c)));
}

describe("screens get their district's schedule and emergencies", () => {
  let t: TestServer;
  let city: KioskSocket;
  let district: KioskSocket;
  let other: KioskSocket;
  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "dalian");
    await createDistrict(t.baseUrl, "zhongshan", "dalian");
    await createDistrict(t.baseUrl, "wenzhou");
    city = (await pairKiosk(t.baseUrl, "dalian")).socket;
    district = (await pairKiosk(t.baseUrl, "zhongshan")).socket;
    other = (await pairKiosk(t.baseUrl, "wenzhou")).socket;
  });
  afterAll(async () => {
    for (const s of [city, district, other]) s.disconnect();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("sends the inherited schedule and the district settings with every sync, and pushes schedule changes", async () => {
    expect((await hello(district)).schedule).toBeNull();
    const changed = nextChange(district);
    await putSchedule(t.baseUrl, "dalian", { playlist: [{ type: "redlist" }], dwellSeconds: 8 });
    await changed;
    const sync = await hello(district);
    expect(sync.schedule?.windows[0]?.dwellSeconds).toBe(8);
    expect(sync.district).toMatchObject({
      id: "zhongshan",
      timeZone: "Asia/Shanghai",
      language: "zh-CN",
    });
    expect((await hello(other)).schedule).toBeNull();
  });

  it("an emergency posted to the city takes over its districts at once, not other cities", async () => {
    let otherTold = false;
    other.on("content:changed", () => (otherTold = true));
    const told = Promise.all([nextChange(city), nextChange(district)]);
    const res = await postJson(`${t.baseUrl}/api/emergencies`, {
      title: "台风红色预警",
      body: "请留在室内。",
      districtIds: ["dalian"],
    });
    expect(res.status).toBe(201);
    const id = (res.body as { emergency: { id: string } }).emergency.id;
    // Sent: every screen below re-syncs; nothing is named as cleared.
    expect(await told).toEqual([
      { version: 0, ids: [] },
      { version: 0, ids: [] },
    ]);
    expect((await hello(district)).emergencies.map((e) => e.title)).toEqual(["台风红色预警"]);
    expect((await hello(other)).emergencies).toEqual([]);
    expect(otherTold).toBe(false);

    const cleared = nextChange(district);
    const clear = await api(`${t.baseUrl}/api/emergencies/${id}/clear`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(clear.status).toBe(200);
    // Cleared: named in the push, so screens drop it before their sync returns.
    expect(await cleared).toEqual({ version: 0, ids: [], emergenciesCleared: [id] });
    expect((await hello(district)).emergencies).toEqual([]);
    const again = await api(`${t.baseUrl}/api/emergencies/${id}/clear`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(again.status).toBe(409);
  });

  it("answers what a screen shows: its district's timeline, emergencies included", async () => {
    const { socket, screenId } = await pairKiosk(t.baseUrl, "zhongshan");
    try {
      const posted = await postJson(`${t.baseUrl}/api/emergencies`, {
        title: "停电通知",
        districtIds: ["zhongshan"],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      expect(posted.status).toBe(201);
      const res = await api(`${t.baseUrl}/api/screens/${screenId}/timeline?hours=2`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        screenId: string;
        districtId: string;
        now: { kind: string };
        segments: { result: { kind: string } }[];
      };
      expect(body).toMatchObject({ screenId, districtId: "zhongshan", now: { kind: "emergency" } });
      expect(body.segments.at(-1)?.result.kind).not.toBe("emergency");
      const id = (posted.body as { emergency: { id: string } }).emergency.id;
      await api(`${t.baseUrl}/api/emergencies/${id}/clear`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
      });
    } finally {
      socket.disconnect();
    }
  });

  it.each([
    ["no title", { title: " ", districtIds: ["dalian"] }, 400],
    ["no district", { title: "x", districtIds: [] }, 400],
    ["an unknown district", { title: "x", districtIds: ["atlantis"] }, 400],
    [
      "an end in the past",
      { title: "x", districtIds: ["dalian"], endsAt: "2020-01-01T00:00:00Z" },
      400,
    ],
  ])("refuses an emergency with %s", async (_name, body, status) => {
    const res = await postJson(`${t.baseUrl}/api/emergencies`, body);
    expect(res.status).toBe(status);
    const list = (await (await api(`${t.baseUrl}/api/emergencies`)).json()) as {
      emergencies: unknown[];
    };
    expect(list.emergencies).toEqual([]);
  });
});
