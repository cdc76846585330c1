import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentChangedSchema, type ContentChanged } from "../../shared/schemas/sync";
import { publishAnnouncement } from "../support/announcements";
import { buildAnnouncementInput } from "../support/factories";
import {
  api,
  createDistrict,
  type KioskSocket,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  SyncAck,
  syncKiosk,
  type TestServer,
} from "../support/testServer";

const hello = syncKiosk;

function nextChange(socket: KioskSocket): Promise<ContentChanged> {
  return new Promise((resolve) =>
    socket.once("content:changed", (p) => resolve(ContentChangedSchema.parse(p))),
  );
}

async function listTitles(baseUrl: string): Promise<string[]> {
  const res = await api(`${baseUrl}/api/announcements`);
  const body = (await res.json()) as { announcements: { title: string }[] };
  return body.announcements.map((a) => a.title);
}

describe("announcement push, real server and real socket.io-client", () => {
  let t: TestServer;
  let kiosk: KioskSocket;

  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "dongcheng");
    kiosk = (await pairKiosk(t.baseUrl, "dongcheng")).socket;
  });
  afterAll(async () => {
    kiosk.disconnect();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("answers a first hello with an empty full manifest", async () => {
    const delta = await hello(kiosk, 0);
    expect(delta).toMatchObject({ version: 0, full: true, announcements: [], removedIds: [] });
    expect(delta.schedule).toBeNull();
    expect(delta.emergencies).toEqual([]);
  });

  it("carries the new announcement in the push, exactly as the delta carries it", async () => {
    const changed = nextChange(kiosk);
    const input = buildAnnouncementInput({ title: "停水通知", body: "明日9时至17时停水。" });
    const created = await publishAnnouncement(t, input);

    const note = await changed;
    expect(note.version).toBe(created.version);
    expect(note.ids).toEqual([created.id]);
    expect(note.added?.entries).toEqual([]);

    const delta = await hello(kiosk, 0);
    expect(delta.full).toBe(true);
    expect(delta.version).toBe(created.version);
    expect(delta.announcements.map((a) => a.title)).toEqual(["停水通知"]);
    // The kiosk holds it from the push without asking: what it holds is what a sync gives.
    expect(note.added?.announcements).toEqual(delta.announcements);
  });

  it("sends only what is newer than the kiosk's applied version", async () => {
    const first = await hello(kiosk, 0);
    await publishAnnouncement(t, buildAnnouncementInput({ title: "第二条" }));
    const delta = await hello(kiosk, first.version);
    expect(delta.announcements.map((a) => a.title)).toEqual(["第二条"]);
    expect(delta.version).toBe(first.version + 1);
  });

  it("serves /healthz with the database state", async () => {
    const res = await api(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", database: "ok" });
  });
});

describe("bad input gets a 4xx with a code and a sentence, and changes nothing", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  const cases: {
    name: string;
    body: unknown;
    headers?: Record<string, string>;
    status: number;
    code: string;
  }[] = [
    {
      name: "an empty title",
      body: { title: "  ", body: "x" },
      status: 400,
      code: "validation_failed",
    },
    {
      name: "an unknown field",
      body: { title: "t", admin: true },
      status: 400,
      code: "validation_failed",
    },
    {
      name: "an unknown language",
      body: { title: "t", language: "fr" },
      status: 400,
      code: "validation_failed",
    },
    {
      name: "a title too long",
      body: { title: "长".repeat(121) },
      status: 400,
      code: "validation_failed",
    },
    { name: "an array body", body: [1, 2], status: 400, code: "validation_failed" },
    { name: "malformed JSON", body: '{"title": ', status: 400, code: "bad_request" },
    {
      name: "a form-encoded body",
      body: "title=x",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      status: 415,
      code: "unsupported_media_type",
    },
    {
      name: "a body over 64 KiB",
      body: { title: "t", body: "x".repeat(70_000) },
      status: 413,
      code: "payload_too_large",
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const res = await postJson(`${t.baseUrl}/api/announcements`, c.body, c.headers);
      expect(res.status).toBe(c.status);
      const err = (res.body as { error: { code: string; message: string } }).error;
      expect(err.code).toBe(c.code);
      expect(err.message).toMatch(/^[A-Z].{10,}\.$/);
      expect(await listTitles(t.baseUrl)).toEqual([]);
    });
  }

  it("answers an unknown API path with a JSON 404", async () => {
    const res = await api(`${t.baseUrl}/api/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("refuses a bad list query", async () => {
    const res = await api(`${t.baseUrl}/api/announcements?limit=-3`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("answers a malformed kiosk:hello with an error ack and keeps the socket", async () => {
    await createDistrict(t.baseUrl, "xicheng");
    const { socket: kiosk } = await pairKiosk(t.baseUrl, "xicheng");
    try {
      const raw: unknown = await kiosk
        .timeout(5000)
        .emitWithAck("kiosk:hello", { appliedVersion: -1 });
      expect(SyncAck.parse(raw)).toMatchObject({ ok: false, error: { code: "validation_failed" } });
      const good = SyncAck.parse(
        await kiosk.timeout(5000).emitWithAck("kiosk:hello", { appliedVersion: 0 }),
      );
      expect(good.ok).toBe(true);
    } finally {
      kiosk.disconnect();
    }
  });
});
