import { describe, expect, it } from "vitest";
import { z } from "zod";
import { namespaces } from "../../shared/protocol/namespaces";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import type { ContentChanged } from "../../shared/schemas/sync";
import { publishAnnouncement } from "../support/announcements";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  syncKiosk,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

/** Resolves with the first content:changed that names `id`. */
function pushNaming(socket: KioskSocket, id: string): Promise<ContentChanged> {
  return new Promise((resolve) => {
    const onChange = (c: ContentChanged): void => {
      if (!c.ids.includes(id)) return;
      socket.off("content:changed", onChange);
      resolve(c);
    };
    socket.on("content:changed", onChange);
  });
}

// The upgrade promise (README, "Upgrading"): kiosks already in the street connect to the main
// namespace until they are upgraded, and must keep working against an upgraded server.
describe("a kiosk of the previous release, on the main namespace", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "da"));

  it("pairs, syncs and drops an entry on the takedown push, as a kiosk on its own namespace does", async () => {
    const t = server();
    const moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
    const old = await pairKiosk(t.baseUrl, "da", "旧版屏", namespaces.legacyKiosk);
    const current = await pairKiosk(t.baseUrl, "da", "新版屏");
    try {
      const form = new FormData();
      form.set("entry", JSON.stringify(buildEntryInput({ districtIds: ["da"] })));
      const created = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
      expect(created.status).toBe(201);
      const entry = EntryViewSchema.parse(((await created.json()) as { entry: unknown }).entry);

      const published = pushNaming(old.socket, entry.id);
      expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
      const start = await published;
      const synced = await syncKiosk(old.socket);
      expect(synced.district?.id).toBe("da");
      expect(synced.entries.map((e) => e.id)).toEqual([entry.id]);

      const takedowns = [old.socket, current.socket].map((s) => pushNaming(s, entry.id));
      const revoked = await api(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ reason: "court_order" }),
      });
      expect(revoked.status).toBe(200);
      for (const push of await Promise.all(takedowns)) {
        expect(push.removedIds).toEqual([entry.id]);
        expect(push.version).toBeGreaterThan(start.version);
      }
    } finally {
      old.socket.disconnect();
      current.socket.disconnect();
    }
  });

  it("gets announcements in the shape it knows: no window or poster fields, none before its start", async () => {
    const t = server();
    // The previous release's announcement schema was strict: an unknown field refused the sync.
    const PreviousAnnouncement = z.strictObject({
      id: z.uuid(),
      title: z.string(),
      body: z.string(),
      language: z.enum(["zh-CN", "en"]),
      tags: z.array(z.string()),
      createdAt: z.iso.datetime(),
      version: z.number().int().positive(),
    });
    const old = await pairKiosk(t.baseUrl, "da", "旧版屏二", namespaces.legacyKiosk);
    const current = await pairKiosk(t.baseUrl, "da", "新版屏二");
    try {
      const hour = 3_600_000;
      const running = await publishAnnouncement(t, {
        title: "限时通知",
        startsAt: new Date(Date.now() - hour).toISOString(),
        endsAt: new Date(Date.now() + hour).toISOString(),
      });
      const later = await publishAnnouncement(t, {
        title: "明日通知",
        startsAt: new Date(Date.now() + 24 * hour).toISOString(),
      });
      const seenByOld = (await syncKiosk(old.socket, 0)).announcements;
      expect(seenByOld.map((a) => a.id)).toContain(running.id);
      expect(seenByOld.map((a) => a.id)).not.toContain(later.id);
      for (const a of seenByOld) expect(PreviousAnnouncement.safeParse(a).success).toBe(true);
      const seenByCurrent = (await syncKiosk(current.socket, 0)).announcements;
      expect(seenByCurrent.find((a) => a.id === later.id)?.startsAt).toBeDefined();
      expect(seenByCurrent.find((a) => a.id === running.id)?.endsAt).toBeDefined();
    } finally {
      old.socket.disconnect();
      current.socket.disconnect();
    }
  });
});
