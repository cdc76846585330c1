/**
 * Takedown wins when its push is lost: a takedown committed by a process that died before
 * pushing it (written here straight into the database, as such a process leaves it) reaches the
 * connected screens all the same, sent again by TakedownRepush; one pushed as usual is recorded
 * as pushed and not sent twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPUSH_AFTER_MS } from "../../server/services/TakedownRepush";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import type { ContentChanged } from "../../shared/schemas/sync";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

describe("a takedown whose push was lost is sent to its screens again", () => {
  let t: TestServer;
  let moderator: TestUser;
  let kiosk: { socket: KioskSocket; screenId: string };
  const heard: ContentChanged[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "rp");
    moderator = await createUser(t.baseUrl, "rp-moderator", [{ role: "moderator", scope: "rp" }]);
    kiosk = await pairKiosk(t.baseUrl, "rp", "重推测试屏");
    kiosk.socket.on("content:changed", (c) => heard.push(c));
  });
  afterAll(async () => {
    kiosk.socket.disconnect();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  async function publish(): Promise<EntryView> {
    const res = await api(`${t.baseUrl}/api/entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(buildEntryInput({ districtIds: ["rp"] })),
    });
    expect(res.status).toBe(201);
    const entry = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
    await expect
      .poll(async () => (await syncKiosk(kiosk.socket, 0)).entries.map((e) => e.id))
      .toContain(entry.id);
    return entry;
  }

  const takedownsOf = (id: string) => heard.filter((c) => c.removedIds?.includes(id));

  it("sends again a revocation committed without its push, to the screens it was for", async () => {
    const live = await publish();
    const entry = await publish();
    const db = t.server.store.db;
    // A publication a process of an earlier release logged (no push recorded): never a takedown.
    await db
      .insertInto("change_log")
      .values({
        kind: "entry.published",
        entity_id: live.id,
        at: new Date(Date.now() - 60_000).toISOString(),
        scope_json: JSON.stringify({ districtIds: ["rp"] }),
        pushed_at: null,
      })
      .execute();
    // What a process killed between its commit and its push leaves: the entry revoked and the
    // change logged, no push recorded.
    const at = new Date().toISOString();
    await db
      .updateTable("entries")
      .set({ state: "revoked", updated_at: at })
      .where("id", "=", entry.id)
      .execute();
    const { version } = await db
      .insertInto("change_log")
      .values({
        kind: "entry.revoked",
        entity_id: entry.id,
        at,
        scope_json: JSON.stringify({ districtIds: ["rp"] }),
        pushed_at: null,
      })
      .returning("version")
      .executeTakeFirstOrThrow();
    await expect
      .poll(() => takedownsOf(entry.id), { timeout: 60_000 })
      .toEqual([{ version: Number(version), ids: [entry.id], removedIds: [entry.id] }]);
    const row = await db
      .selectFrom("change_log")
      .select("pushed_at")
      .where("version", "=", version)
      .executeTakeFirstOrThrow();
    expect(row.pushed_at).not.toBeNull();
    expect(t.logLines.join("\n")).toContain("sent to their screens again");
    expect(takedownsOf(live.id)).toEqual([]);
  }, 90_000);

  it("records a revocation pushed as usual, and never sends it twice", async () => {
    const entry = await publish();
    const revoked = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
      reason: "obligation_fulfilled",
    });
    expect(revoked.status).toBe(200);
    await expect.poll(() => takedownsOf(entry.id).length, { timeout: 15_000 }).toBe(1);
    const [pushed] = await t.server.store.db
      .selectFrom("change_log")
      .select(["kind", "pushed_at"])
      .where("entity_id", "=", entry.id)
      .where("kind", "=", "entry.revoked")
      .execute();
    expect(pushed?.pushed_at).not.toBeNull();
    // Past the time a lost push is sent again (REPUSH_AFTER_MS and a round), still one push.
    await new Promise((r) => setTimeout(r, REPUSH_AFTER_MS + 6_000));
    expect(takedownsOf(entry.id)).toHaveLength(1);
  }, 90_000);

  it("counts a pushed takedown's acknowledgement for it alone, never for an earlier one whose push was lost", async () => {
    const [lost, pushed] = [await publish(), await publish()];
    const db = t.server.store.db;
    const appliedVersion = async () =>
      Number(
        (
          await db
            .selectFrom("screens")
            .select("applied_version")
            .where("id", "=", kiosk.screenId)
            .executeTakeFirstOrThrow()
        ).applied_version,
      );
    const missingFrom = async (entryId: string) => {
      const res = await api(`${t.baseUrl}/api/takedowns?entry=${entryId}`);
      expect(res.status).toBe(200);
      const [takedown] = ((await res.json()) as { takedowns: { missing: { id: string }[] }[] })
        .takedowns;
      return takedown?.missing.map((m) => m.id);
    };
    // The screen is in step before: it applied everything up to now.
    const synced = await syncKiosk(kiosk.socket, 0);
    kiosk.socket.emit("kiosk:applied", { version: synced.version, full: true });
    await expect.poll(appliedVersion, { timeout: 10_000 }).toBe(synced.version);
    // One revocation committed by a process that died before its push…
    const at = new Date().toISOString();
    await db
      .updateTable("entries")
      .set({ state: "revoked", updated_at: at })
      .where("id", "=", lost.id)
      .execute();
    const first = Number(
      (
        await db
          .insertInto("change_log")
          .values({
            kind: "entry.revoked",
            entity_id: lost.id,
            at,
            scope_json: JSON.stringify({ districtIds: ["rp"] }),
            pushed_at: null,
          })
          .returning("version")
          .executeTakeFirstOrThrow()
      ).version,
    );
    // …then one pushed as usual, which the kiosk applies and acknowledges, as the display does.
    const revoked = await moderator.post(`${t.baseUrl}/api/entries/${pushed.id}/revoke`, {
      reason: "obligation_fulfilled",
    });
    expect(revoked.status).toBe(200);
    await expect.poll(() => takedownsOf(pushed.id).length, { timeout: 15_000 }).toBe(1);
    const second = takedownsOf(pushed.id)[0]?.version ?? 0;
    expect(second).toBeGreaterThan(first);
    kiosk.socket.emit("kiosk:applied", { version: second, pushed: [second] });
    // Given time to be written (acknowledgements are written every 250 ms), it counts for
    // nothing below the lost one: the screen still owes the first takedown.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await appliedVersion()).toBeLessThan(first);
    expect(await missingFrom(lost.id)).toContain(kiosk.screenId);
    // Once the lost one arrives (sent again) and is applied, both count: the server kept the
    // second waiting for the gap to close.
    kiosk.socket.emit("kiosk:applied", { version: first, pushed: [first] });
    await expect.poll(appliedVersion, { timeout: 10_000 }).toBe(second);
    expect(await missingFrom(lost.id)).not.toContain(kiosk.screenId);
    expect(await missingFrom(pushed.id)).not.toContain(kiosk.screenId);
  }, 90_000);
});
