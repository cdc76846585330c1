import { beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import type { ContentChanged, SyncDelta } from "../../shared/schemas/sync";
import { singleFacePortrait } from "../fixtures/singleFace";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  syncKiosk,
  waitForRedaction,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";
import { databaseBackends, useTestServerOn } from "../support/databases";
import { referenceFaces } from "./redaction/referenceFaces";

/** Creates an entry (as the default admin) in `districtIds`, with a photo when given. */
async function createEntry(
  t: TestServer,
  districtIds: string[],
  photo?: Buffer,
  overrides: Parameters<typeof buildEntryInput>[0] = {},
): Promise<EntryView> {
  const form = new FormData();
  form.set("entry", JSON.stringify(buildEntryInput({ districtIds, ...overrides })));
  if (photo) form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
  const res = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
  expect(res.status).toBe(201);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

/** Waits for a content:changed naming `id`, then syncs from `from`. */
async function nextSync(socket: KioskSocket, id: string, from: number): Promise<SyncDelta> {
  await new Promise<void>((resolve) => {
    const onChange = (c: { ids: string[] }): void => {
      if (!c.ids.includes(id)) return;
      socket.off("content:changed", onChange);
      resolve();
    };
    socket.on("content:changed", onChange);
  });
  return syncKiosk(socket, from);
}

describe.each(databaseBackends)("delivery of list entries to screens on $name", (backend) => {
  const server = useTestServerOn(
    backend,
    { env: { SIGNAGE_REDACTION_WORKERS: "1" } },
    async (t) => {
      await createDistrict(t.baseUrl, "city");
      await createDistrict(t.baseUrl, "da", "city");
      await createDistrict(t.baseUrl, "da-sub", "da");
      await createDistrict(t.baseUrl, "db", "city");
    },
  );
  let moderator: TestUser;
  let operatorB: TestUser;

  beforeAll(async () => {
    moderator = await createUser(server().baseUrl, "moderator", [
      { role: "moderator", scope: "*" },
    ]);
    operatorB = await createUser(server().baseUrl, "operatorB", [
      { role: "operator", scope: "db" },
    ]);
  });

  const approve = async (id: string): Promise<void> => {
    const res = await approveAsSeen(server().baseUrl, moderator, id);
    expect(res.status).toBe(200);
  };
  const revoke = async (id: string): Promise<void> => {
    const res = await api(`${server().baseUrl}/api/entries/${id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(res.status).toBe(200);
  };

  it("sends an approved entry, masked, to the screens of its district and sub-districts only", async () => {
    const t = server();
    const inA = await pairKiosk(t.baseUrl, "da");
    const inSub = await pairKiosk(t.baseUrl, "da-sub");
    const inB = await pairKiosk(t.baseUrl, "db");
    try {
      const entry = await createEntry(t, ["da"], undefined, {
        fullName: "欧阳娜娜",
        idNumber: "110101199003071234",
      });
      const before = await syncKiosk(inA.socket);
      expect(before.entries.map((e) => e.id)).not.toContain(entry.id); // pending review
      const changed = nextSync(inA.socket, entry.id, before.version);
      await approve(entry.id);
      const delta = await changed;
      expect(delta.full).toBe(before.version === 0);
      const shown = delta.entries.find((e) => e.id === entry.id);
      expect(shown?.maskedName).toBe("欧阳某");
      expect(shown?.caseNumber).toBe(entry.caseNumber);
      expect(shown?.photo).toBeNull();
      // Shanghai midnight of the expiry date.
      expect(shown?.expiresAt).toBe(new Date(`${entry.expiryDate}T00:00:00+08:00`).toISOString());
      const text = JSON.stringify(delta);
      for (const secret of ["欧阳娜娜", "110101199003071234", entry.sex, "fullName"])
        expect(text).not.toContain(secret);

      expect((await syncKiosk(inSub.socket)).entries.map((e) => e.id)).toContain(entry.id);
      expect((await syncKiosk(inB.socket)).entries.map((e) => e.id)).not.toContain(entry.id);
    } finally {
      for (const k of [inA, inSub, inB]) k.socket.disconnect();
    }
  });

  it("carries a publication in the push, exactly as a sync delivers it, to its districts' screens only", async () => {
    const t = server();
    const inA = await pairKiosk(t.baseUrl, "da");
    const inSub = await pairKiosk(t.baseUrl, "da-sub");
    const inB = await pairKiosk(t.baseUrl, "db");
    const pushes = new Map<KioskSocket, ContentChanged[]>();
    for (const k of [inA, inSub, inB]) {
      pushes.set(k.socket, []);
      k.socket.on("content:changed", (c) => pushes.get(k.socket)?.push(c));
    }
    try {
      const entry = await createEntry(t, ["da"], undefined, {
        fullName: "欧阳娜娜",
        idNumber: "110101199003071234",
      });
      const before = await syncKiosk(inA.socket);
      await approve(entry.id);
      const carried = (k: { socket: KioskSocket }) =>
        pushes
          .get(k.socket)
          ?.find((c) => c.ids.includes(entry.id))
          ?.added?.entries.find((e) => e.id === entry.id);
      await expect.poll(() => carried(inA), { timeout: 15_000 }).toBeDefined();
      await expect.poll(() => carried(inSub), { timeout: 15_000 }).toBeDefined();
      // Exactly what the sync (the privacy exit) gives: masked, nothing sealed.
      const synced = (await syncKiosk(inA.socket, before.version)).entries.find(
        (e) => e.id === entry.id,
      );
      expect(carried(inA)).toEqual(synced);
      expect(carried(inA)?.maskedName).toBe("欧阳某");
      for (const secret of ["欧阳娜娜", "110101199003071234", "fullName"])
        expect(JSON.stringify(pushes.get(inA.socket))).not.toContain(secret);
      // Another district's screens hear nothing of it.
      await new Promise((r) => setTimeout(r, 300));
      expect(pushes.get(inB.socket)?.some((c) => c.ids.includes(entry.id))).toBe(false);
      // A takedown push never carries content.
      await revoke(entry.id);
      await expect
        .poll(() => pushes.get(inA.socket)?.find((c) => c.removedIds?.includes(entry.id)), {
          timeout: 15_000,
        })
        .toMatchObject({ removedIds: [entry.id] });
      const takedown = pushes.get(inA.socket)?.find((c) => c.removedIds?.includes(entry.id));
      expect(takedown?.added).toBeUndefined();
    } finally {
      for (const k of [inA, inSub, inB]) k.socket.disconnect();
    }
  });

  it("takes an entry down on revoke and withdraws it while an edit waits for review", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "da");
    try {
      const entry = await createEntry(t, ["da"]);
      const start = await syncKiosk(kiosk.socket);
      const published = nextSync(kiosk.socket, entry.id, start.version);
      await approve(entry.id);
      const afterPublish = await published;
      expect(afterPublish.entries.map((e) => e.id)).toEqual([entry.id]);

      // An edit sends it back to review: screens drop it until it is approved again.
      const withdrawn = nextSync(kiosk.socket, entry.id, afterPublish.version);
      const edit = await api(`${t.baseUrl}/api/entries/${entry.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ obligation: "给付 8,000 元" }),
      });
      expect(edit.status).toBe(200);
      const afterEdit = await withdrawn;
      expect(afterEdit.removedIds).toContain(entry.id);
      expect(afterEdit.entries).toEqual([]);

      const back = nextSync(kiosk.socket, entry.id, afterEdit.version);
      await approve(entry.id);
      const afterReapproval = await back;
      expect(afterReapproval.entries.find((e) => e.id === entry.id)?.obligation).toBe(
        "给付 8,000 元",
      );

      const gone = nextSync(kiosk.socket, entry.id, afterReapproval.version);
      await revoke(entry.id);
      const afterRevoke = await gone;
      expect(afterRevoke.removedIds).toContain(entry.id);
      // A kiosk that was offline through all of it, syncing from before: never the entry.
      const late = await syncKiosk(kiosk.socket, start.version);
      expect(late.entries.map((e) => e.id)).not.toContain(entry.id);
      expect(late.removedIds).toContain(entry.id);
      const fresh = await syncKiosk(kiosk.socket, 0);
      expect(fresh.entries.map((e) => e.id)).not.toContain(entry.id);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("serves the redacted photo only to screens that may show it, and 410 once taken down", async () => {
    const t = server();
    const inA = await pairKiosk(t.baseUrl, "da");
    const inB = await pairKiosk(t.baseUrl, "db");
    try {
      // A photo the gate publishes: what is tested here is who may fetch it, not the gate.
      const entry = await createEntry(t, ["da"], await singleFacePortrait());
      expect((await waitForRedaction(t, entry.id, 150_000)).redactionStatus).toBe("done");
      await approve(entry.id);
      const photo = (await syncKiosk(inA.socket)).entries.find((e) => e.id === entry.id)?.photo;
      expect(photo?.hash).toMatch(/^[0-9a-f]{64}$/);
      const url = `${t.baseUrl}/kiosk/renditions/${photo?.hash ?? ""}`;
      const as = (token?: string, headers: Record<string, string> = {}) =>
        fetch(url, {
          headers: token ? { ...headers, Authorization: `Bearer ${token}` } : headers,
        });

      const ok = await as(inA.token);
      expect(ok.status).toBe(200);
      // Never stored by any HTTP cache, the kiosk's browser included: no takedown reaches there.
      expect(ok.headers.get("cache-control")).toBe("private, no-store");
      expect(ok.headers.get("etag")).toBe(`"${photo?.hash ?? ""}"`);
      const bytes = Buffer.from(await ok.arrayBuffer());
      expect(bytes.length).toBeGreaterThan(1000);
      // The independent referee finds no face on what the street screen gets.
      expect(await referenceFaces(bytes, 0.3)).toEqual([]);
      expect((await as(inA.token, { "If-None-Match": `"${photo?.hash ?? ""}"` })).status).toBe(304);

      expect((await as()).status).toBe(401);
      expect((await as("not-a-real-token-but-long-enough")).status).toBe(401);
      expect((await as(inB.token)).status).toBe(410);
      // The console's session is no kiosk token.
      expect((await api(url)).status).toBe(401);
      // No raw photo is reachable by a kiosk, whatever the path.
      for (const [path, status] of [
        [`/api/entries/${entry.id}/raw-photo`, 401],
        [`/api/entries/${entry.id}`, 401],
        [`/kiosk/entries/${entry.id}`, 404],
      ] as const)
        expect(
          (
            await fetch(`${t.baseUrl}${path}`, {
              headers: { Authorization: `Bearer ${inA.token}` },
            })
          ).status,
          path,
        ).toBe(status);

      await revoke(entry.id);
      const gone = await as(inA.token);
      expect(gone.status).toBe(410);
      expect(gone.headers.get("cache-control")).toBe("no-store");
    } finally {
      inA.socket.disconnect();
      inB.socket.disconnect();
    }
  }, 180_000);

  it("drops a takedown from the push itself, before any sync", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "da");
    try {
      const entry = await createEntry(t, ["da"]);
      await approve(entry.id);
      const pushes: { removedIds?: string[] | undefined }[] = [];
      kiosk.socket.on("content:changed", (c) => {
        if (c.ids.includes(entry.id)) pushes.push(c);
      });
      await revoke(entry.id);
      await expect
        .poll(() => pushes.some((p) => p.removedIds !== undefined), { timeout: 15_000 })
        .toBe(true);
      expect(pushes.find((p) => p.removedIds !== undefined)?.removedIds).toEqual([entry.id]);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("counts each screen's acknowledgement of a takedown and names the ones missing", async () => {
    const t = server();
    // Districts of its own: screens paired by the other tests would count too.
    await createDistrict(t.baseUrl, "dc", "city");
    await createDistrict(t.baseUrl, "dc-sub", "dc");
    const first = await pairKiosk(t.baseUrl, "dc", "中山路一号屏");
    const second = await pairKiosk(t.baseUrl, "dc-sub", "中山路二号屏");
    const elsewhere = await pairKiosk(t.baseUrl, "db");
    try {
      const entry = await createEntry(t, ["dc"]);
      await approve(entry.id);
      const heard = nextSync(first.socket, entry.id, (await syncKiosk(first.socket)).version);
      await revoke(entry.id);
      const { version } = await heard;
      const progress = async () => {
        const res = await api(`${t.baseUrl}/api/takedowns?entry=${entry.id}`);
        expect(res.status).toBe(200);
        const [takedown] = (
          (await res.json()) as {
            takedowns: {
              kind: string;
              version: number;
              screens: number;
              acknowledged: number;
              missing: { id: string; name: string }[];
            }[];
          }
        ).takedowns;
        return takedown;
      };
      const before = await progress();
      expect(before?.kind).toBe("entry.revoked");
      expect(before?.screens).toBe(2);
      expect(before?.acknowledged).toBe(0);
      expect(before?.missing.map((s) => s.name).sort()).toEqual(["中山路一号屏", "中山路二号屏"]);

      first.socket.emit("kiosk:applied", { version });
      await expect.poll(async () => (await progress())?.acknowledged, { timeout: 15_000 }).toBe(1);
      expect((await progress())?.missing.map((s) => s.id)).toEqual([second.screenId]);
      second.socket.emit("kiosk:applied", { version });
      await expect.poll(async () => (await progress())?.acknowledged, { timeout: 15_000 }).toBe(2);
      expect((await progress())?.missing).toEqual([]);
      // Reaching every screen is summarised once in the audit log.
      await expect
        .poll(
          async () => {
            const res = await api(
              `${t.baseUrl}/api/audit?entry=${entry.id}&action=takedown.acknowledged`,
            );
            return ((await res.json()) as { records: { details: { screens: number } }[] }).records;
          },
          { timeout: 10_000, interval: 250 },
        )
        .toHaveLength(1);
      // Once: later acknowledgements (a repeat, a reconnect) add no second summary.
      first.socket.emit("kiosk:applied", { version });
      await new Promise((r) => setTimeout(r, 6_000));
      const again = await api(
        `${t.baseUrl}/api/audit?entry=${entry.id}&action=takedown.acknowledged`,
      );
      const records = ((await again.json()) as { records: { details: { screens: number } }[] })
        .records;
      expect(records.map((r) => r.details.screens)).toEqual([2]);

      // An operator of another district does not see district dc's takedowns.
      const forB = await operatorB.fetch(`${t.baseUrl}/api/takedowns?entry=${entry.id}`);
      expect(((await forB.json()) as { takedowns: unknown[] }).takedowns).toEqual([]);
    } finally {
      for (const k of [first, second, elsewhere]) k.socket.disconnect();
    }
  }, 30_000);
});
