import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncDelta } from "../../shared/schemas/sync";
import type { Takedown } from "../../shared/schemas/takedown";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createTempDatabase } from "../support/postgres";
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
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

/** What a kiosk holds, applied as the display's ContentStore does (a full manifest replaces). */
class HeldContent {
  readonly ids = new Set<string>();
  version = 0;

  apply(delta: SyncDelta): void {
    if (delta.full) this.ids.clear();
    for (const id of delta.removedIds) this.ids.delete(id);
    for (const e of delta.entries) this.ids.add(e.id);
    this.version = delta.version;
  }
}

/** The version a screen's acknowledgements have reached, as stored. */
async function appliedVersionOf(t: TestServer, screenId: string): Promise<number> {
  const row = await t.server.store.db
    .selectFrom("screens")
    .select("applied_version")
    .where("id", "=", screenId)
    .executeTakeFirstOrThrow();
  return Number(row.applied_version);
}

/** The same cases on each database the server runs on. */
const backends: {
  name: string;
  env: () => Promise<{ env: Record<string, string>; drop?: () => Promise<void> }>;
}[] = [
  { name: "SQLite", env: () => Promise.resolve({ env: {} }) },
  {
    name: "PostgreSQL",
    env: async () => {
      const temp = await createTempDatabase();
      return { env: { DATABASE_URL: temp.url }, drop: () => temp.drop() };
    },
  },
];

describe.each(backends)("screens follow their district on $name", (backend) => {
  let running: TestServer | undefined;
  let drop: (() => Promise<void>) | undefined;
  const server = (): TestServer => {
    if (!running) throw new Error("the test server has not started");
    return running;
  };
  let moderator: TestUser;
  let operatorA: TestUser;

  beforeAll(async () => {
    const db = await backend.env();
    drop = db.drop;
    running = await startTestServer({ dataDir: makeDataDir(), env: db.env });
    const t = running;
    await createDistrict(t.baseUrl, "city");
    await createDistrict(t.baseUrl, "city2");
    await createDistrict(t.baseUrl, "da", "city");
    await createDistrict(t.baseUrl, "db", "city");
    await createDistrict(t.baseUrl, "dr", "city");
    moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
    operatorA = await createUser(t.baseUrl, "operatorA", [{ role: "operator", scope: "da" }]);
  });

  afterAll(async () => {
    if (running) {
      await running.stop();
      removeDataDir(running.dataDir);
    }
    await drop?.();
  });

  /** Creates an entry in `districtIds` as the admin and has the moderator approve it. */
  const publishedEntry = async (districtIds: string[]): Promise<string> => {
    const t = server();
    const created = await postJson(`${t.baseUrl}/api/entries`, buildEntryInput({ districtIds }));
    expect(created.status).toBe(201);
    const { id } = (created.body as { entry: { id: string } }).entry;
    expect((await approveAsSeen(t.baseUrl, moderator, id)).status).toBe(200);
    return id;
  };
  const revoke = async (id: string): Promise<void> => {
    const res = await api(`${server().baseUrl}/api/entries/${id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(res.status).toBe(200);
  };
  const takedownOf = async (t: TestServer, entryId: string, as?: TestUser): Promise<Takedown> => {
    const url = `${t.baseUrl}/api/takedowns?entry=${entryId}`;
    const res = as ? await as.fetch(url) : await api(url);
    expect(res.status).toBe(200);
    const [takedown] = ((await res.json()) as { takedowns: Takedown[] }).takedowns;
    if (!takedown) throw new Error(`no takedown of ${entryId}`);
    return takedown;
  };
  /** Syncs as the display does, applies the answer, then acknowledges it as the display does. */
  const syncAndAck = async (socket: KioskSocket, held: HeldContent): Promise<SyncDelta> => {
    const delta = await syncKiosk(socket, held.version);
    held.apply(delta);
    socket.emit(
      "kiosk:applied",
      delta.full
        ? { version: delta.version, full: true }
        : {
            version: delta.version,
          },
    );
    return delta;
  };

  it("gives a screen moved while offline a full manifest, so a takedown from its old district reaches it", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "da", "移动屏");
    const held = new HeldContent();
    let socket: KioskSocket | undefined;
    try {
      const entry = await publishedEntry(["da"]);
      const keptInB = await publishedEntry(["db"]);
      await syncAndAck(kiosk.socket, held);
      expect(held.ids).toContain(entry);
      expect(held.ids).not.toContain(keptInB);
      kiosk.socket.disconnect();

      const moved = await api(`${t.baseUrl}/api/screens/${kiosk.screenId}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ districtId: "db" }),
      });
      expect(moved.status).toBe(200);
      await revoke(entry);

      // Moved out of the entry's district, it still counts: it may hold the entry.
      const before = await takedownOf(t, entry);
      expect(before.missing.map((m) => m.id)).toContain(kiosk.screenId);
      // The old district's operator sees it too, though it is in another district now.
      expect((await takedownOf(t, entry, operatorA)).missing.map((m) => m.id)).toContain(
        kiosk.screenId,
      );

      socket = await connectKiosk(t.baseUrl, kiosk.token);
      const answer = await syncKiosk(socket, held.version);
      expect(answer.full).toBe(true);
      expect(answer.entries.map((e) => e.id)).not.toContain(entry);
      expect(answer.entries.map((e) => e.id)).toContain(keptInB);
      held.apply(answer);
      expect(held.ids).not.toContain(entry);
      // Not acknowledged by being answered: only once the kiosk applied it.
      expect((await takedownOf(t, entry)).missing.map((m) => m.id)).toContain(kiosk.screenId);

      // An acknowledgement that does not say it applied a full manifest is not enough.
      socket.emit("kiosk:applied", { version: answer.version });
      await expect
        .poll(() => appliedVersionOf(t, kiosk.screenId), { timeout: 10_000 })
        .toBe(answer.version);
      expect((await takedownOf(t, entry)).missing.map((m) => m.id)).toContain(kiosk.screenId);

      socket.emit("kiosk:applied", { version: answer.version, full: true });
      await expect
        .poll(async () => (await takedownOf(t, entry)).missing.map((m) => m.id), {
          timeout: 10_000,
        })
        .not.toContain(kiosk.screenId);
      const after = await takedownOf(t, entry);
      expect(after.acknowledged).toBe(after.screens);
      // Once in sync where it is, deltas again.
      expect((await syncKiosk(socket, held.version)).full).toBe(false);
    } finally {
      kiosk.socket.disconnect();
      socket?.disconnect();
    }
  });

  it("does not take a full manifest made before a move, acknowledged after it, as applied where the screen is now", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "da", "慢写屏");
    try {
      const before = await syncKiosk(kiosk.socket, 0);
      expect(before.full).toBe(true);
      const moved = await api(`${t.baseUrl}/api/screens/${kiosk.screenId}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ districtId: "db" }),
      });
      expect(moved.status).toBe(200);
      const after = await syncKiosk(kiosk.socket, 0);
      expect(after.full).toBe(true);
      expect(after.manifestEpoch).toBeDefined();
      expect(after.manifestEpoch).not.toBe(before.manifestEpoch);
      // The old district's manifest, stored slowly, is acknowledged now: same version, but made
      // for the epoch before the move. Recorded as a version, not as a full manifest here.
      expect(after.version).toBe(before.version);
      kiosk.socket.emit("kiosk:applied", {
        version: before.version,
        full: true,
        epoch: before.manifestEpoch,
      });
      await expect
        .poll(() => appliedVersionOf(t, kiosk.screenId), { timeout: 10_000 })
        .toBe(before.version);
      // So a hello from that version (the new manifest's answer lost) gets the full one again.
      expect((await syncKiosk(kiosk.socket, before.version)).full).toBe(true);
      // The new district's manifest, acknowledged with its epoch, ends it.
      kiosk.socket.emit("kiosk:applied", {
        version: after.version,
        full: true,
        epoch: after.manifestEpoch,
      });
      await expect
        .poll(async () => (await syncKiosk(kiosk.socket, after.version)).full, { timeout: 10_000 })
        .toBe(false);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("gives the screens of a district re-parented while they were offline a full manifest", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "dr", "改隶屏");
    const held = new HeldContent();
    let socket: KioskSocket | undefined;
    try {
      const cityEntry = await publishedEntry(["city"]);
      await syncAndAck(kiosk.socket, held);
      expect(held.ids).toContain(cityEntry);
      kiosk.socket.disconnect();

      const reparented = await api(`${t.baseUrl}/api/districts/dr`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          id: "dr",
          parentId: "city2",
          nameZh: "dr区",
          nameEn: "dr district",
        }),
      });
      expect(reparented.status).toBe(200);
      await revoke(cityEntry);
      expect((await takedownOf(t, cityEntry)).missing.map((m) => m.id)).toContain(kiosk.screenId);

      socket = await connectKiosk(t.baseUrl, kiosk.token);
      const answer = await syncAndAck(socket, held);
      expect(answer.full).toBe(true);
      expect(held.ids).not.toContain(cityEntry);
      await expect
        .poll(async () => (await takedownOf(t, cityEntry)).missing.map((m) => m.id), {
          timeout: 10_000,
        })
        .not.toContain(kiosk.screenId);
    } finally {
      kiosk.socket.disconnect();
      socket?.disconnect();
    }
  });

  it("keeps a screen moved before it acknowledged a full manifest counted as missing", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "da", "两次移动屏");
    const held = new HeldContent();
    try {
      const entry = await publishedEntry(["da"]);
      await syncAndAck(kiosk.socket, held);
      const move = (districtId: string) =>
        api(`${t.baseUrl}/api/screens/${kiosk.screenId}`, {
          method: "PATCH",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ districtId }),
        });
      expect((await move("db")).status).toBe(200);
      const answer = await syncKiosk(kiosk.socket, held.version);
      expect(answer.full).toBe(true);
      // Moved again before the kiosk acknowledged: that acknowledgement was for another place.
      expect((await move("city2")).status).toBe(200);
      await revoke(entry);
      const { version } = await takedownOf(t, entry);
      kiosk.socket.emit("kiosk:applied", { version: answer.version, full: true });
      // A later acknowledgement in the same batch shows when the batch was written.
      kiosk.socket.emit("kiosk:applied", { version });
      await expect
        .poll(() => appliedVersionOf(t, kiosk.screenId), { timeout: 10_000 })
        .toBe(version);
      expect((await takedownOf(t, entry)).missing.map((m) => m.id)).toContain(kiosk.screenId);
      expect((await syncKiosk(kiosk.socket, answer.version)).full).toBe(true);
    } finally {
      kiosk.socket.disconnect();
    }
  });
});
