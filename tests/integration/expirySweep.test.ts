import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { openStore } from "../../server/store/database";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  makeDataDir,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type TestServer,
} from "../support/testServer";

/** A day long gone: an entry given it as its expiry date has ended, in any time zone. */
const LONG_AGO = "2026-01-16";

/** The entry as the console reads it. */
async function entryOf(t: TestServer, id: string): Promise<EntryView> {
  const res = await api(`${t.baseUrl}/api/entries/${id}`);
  expect(res.status).toBe(200);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

/** Creates an entry in "dongcheng" and has the moderator approve it: it is on the screens. */
async function publishEntry(t: TestServer, moderator: TestUser): Promise<string> {
  const res = await postJson(`${t.baseUrl}/api/entries`, buildEntryInput());
  expect(res.status).toBe(201);
  const id = (res.body as { entry: { id: string } }).entry.id;
  expect((await approveAsSeen(t.baseUrl, moderator, id)).status).toBe(200);
  return id;
}

/** Who the audit log says expired an entry, one actor type per record. */
async function expiredBy(t: TestServer, id: string): Promise<string[]> {
  const res = await api(`${t.baseUrl}/api/audit?entry=${id}&action=entry.expired`);
  const { records } = (await res.json()) as {
    records: { actor: { type: string }; target: { type: string; id: string } }[];
  };
  for (const r of records) expect(r.target).toEqual({ type: "entry", id });
  return records.map((r) => r.actor.type);
}

/** What the server still holds of an expired entry's secrets. */
async function secretsLeft(t: TestServer, id: string) {
  const { db } = t.server.store;
  const row = await db
    .selectFrom("entries")
    .select("id_number_sealed")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const photos = await db
    .selectFrom("raw_photos")
    .select("entry_id")
    .where("entry_id", "=", id)
    .execute();
  return { idNumber: row.id_number_sealed, rawPhotos: photos.length };
}

/** District "dongcheng", its moderator and a paired screen, on a fresh server. */
async function prepareCity(t: TestServer): Promise<{ moderator: TestUser; deviceToken: string }> {
  await createDistrict(t.baseUrl, "dongcheng");
  const moderator = await createUser(t.baseUrl, "expiry-moderator", [
    { role: "moderator", scope: "dongcheng" },
  ]);
  const kiosk = await pairKiosk(t.baseUrl, "dongcheng");
  kiosk.socket.disconnect();
  return { moderator, deviceToken: kiosk.token };
}

describe("the server's own expiry sweep: at start and every minute, nobody looking", () => {
  const servers: TestServer[] = [];
  const dataDirs: string[] = [];
  afterAll(async () => {
    for (const t of servers.splice(0)) await t.stop();
    for (const d of dataDirs.splice(0)) removeDataDir(d);
  });

  it("an entry whose end passed while the server was down is taken down as the server starts", async () => {
    const dataDir = makeDataDir();
    dataDirs.push(dataDir);
    const before = await startTestServer({ dataDir });
    const { moderator, deviceToken } = await prepareCity(before);
    const kiosk = await connectKiosk(before.baseUrl, deviceToken);
    const id = await publishEntry(before, moderator);
    expect((await syncKiosk(kiosk)).entries.map((e) => e.id)).toContain(id);
    kiosk.disconnect();
    await before.stop();

    // While the server is down, the entry's last day passes.
    const store = openStore(loadConfig({ SIGNAGE_DATA_DIR: dataDir }).database);
    try {
      await store.db
        .updateTable("entries")
        .set({ expiry_date: LONG_AGO })
        .where("id", "=", id)
        .execute();
    } finally {
      await store.db.destroy();
    }

    const server = await startTestServer({ dataDir });
    servers.push(server);
    // Well before the first minute's tick: the sweep run at start did it.
    await expect
      .poll(async () => (await entryOf(server, id)).state, { timeout: 20_000 })
      .toBe("expired");
    expect(await expiredBy(server, id)).toEqual(["system"]);
    expect(await secretsLeft(server, id)).toEqual({ idNumber: null, rawPhotos: 0 });
    // The screen, back on line, is not given the entry any more.
    const socket = await connectKiosk(server.baseUrl, deviceToken);
    try {
      expect((await syncKiosk(socket)).entries.map((e) => e.id)).not.toContain(id);
    } finally {
      socket.disconnect();
    }
  }, 120_000);

  it("an entry whose end passes while the server runs is taken down by the minute's sweep and the screens are told", async () => {
    const server = await startTestServer();
    servers.push(server);
    dataDirs.push(server.dataDir);
    const { moderator, deviceToken } = await prepareCity(server);
    const id = await publishEntry(server, moderator);
    const socket = await connectKiosk(server.baseUrl, deviceToken);
    const heard: string[] = [];
    socket.on("content:changed", (c) => heard.push(...c.ids));
    try {
      expect((await syncKiosk(socket)).entries.map((e) => e.id)).toContain(id);
      // Time passes: the entry's last day is over (the clock cannot be moved; its date can).
      await server.server.store.db
        .updateTable("entries")
        .set({ expiry_date: LONG_AGO })
        .where("id", "=", id)
        .execute();
      // Nobody asks anything of the server: only its own timer (every 60 s) can find it.
      await expect.poll(() => heard.includes(id), { timeout: 90_000, interval: 1_000 }).toBe(true);
      expect((await entryOf(server, id)).state).toBe("expired");
      expect(await expiredBy(server, id)).toEqual(["system"]);
      expect(await secretsLeft(server, id)).toEqual({ idNumber: null, rawPhotos: 0 });
      expect((await syncKiosk(socket)).entries.map((e) => e.id)).not.toContain(id);
    } finally {
      socket.disconnect();
    }
  }, 150_000);
});
