import pino from "pino";
import { describe, expect, it } from "vitest";
import { EntryExpiry } from "../../server/services/EntryExpiry";
import { buildEntryInput } from "../support/entryFactory";
import { demoPhoto } from "../fixtures/images";
import { AuditLog } from "../../server/services/AuditLog";
import { RawVault } from "../../server/services/crypto/RawVault";
import { api, createDistrict, pairKiosk, postJson } from "../support/testServer";
import { databaseBackends, useTestServerOn } from "../support/databases";

describe.each(databaseBackends)(
  "entries expire on time and lose their raw data on $name",
  (backend) => {
    const server = useTestServerOn(backend, { env: { SIGNAGE_REDACTION_WORKERS: "1" } }, (t) =>
      createDistrict(t.baseUrl, "dongcheng"),
    );

    it("expires at the start of the expiry date in the district's zone and deletes the raw photo and ID number", async () => {
      const t = server();
      const form = new FormData();
      form.set(
        "entry",
        JSON.stringify(
          buildEntryInput({ expiryDate: "2027-03-01", idNumber: "110101199001017777" }),
        ),
      );
      form.set("photo", new Blob([new Uint8Array(await demoPhoto(4))]), "p.jpg");
      const res = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
      expect(res.status).toBe(201);
      const id = ((await res.json()) as { entry: { id: string } }).entry.id;
      const db = t.server.store.db;

      // 2027-03-01 00:00 in Shanghai is 2027-02-28 16:00Z.
      const sweepAt = (iso: string) =>
        new EntryExpiry({ db, log: pino({ level: "silent" }), now: () => new Date(iso) }).sweep();
      expect(await sweepAt("2027-02-28T15:59:59Z")).toEqual([]);
      expect(await sweepAt("2027-02-28T16:00:00Z")).toEqual([id]);

      const row = await db
        .selectFrom("entries")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      expect(row.state).toBe("expired");
      expect(row.id_number_sealed).toBeNull();
      expect(
        await db.selectFrom("raw_photos").selectAll().where("entry_id", "=", id).execute(),
      ).toEqual([]);
      // The record stays; ended entries cannot be edited.
      const edit = await api(`${t.baseUrl}/api/entries/${id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ obligation: "x" }),
      });
      expect(edit.status).toBe(409);
      expect(await sweepAt("2027-03-02T00:00:00Z")).toEqual([]);
    });

    it("records each expiry in the audit log and tells the district's screens at once", async () => {
      const t = server();
      const { socket } = await pairKiosk(t.baseUrl, "dongcheng");
      const res = await postJson(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ expiryDate: "2027-06-01" }),
      );
      expect(res.status).toBe(201);
      const id = (res.body as { entry: { id: string } }).entry.id;
      const heard: string[] = [];
      socket.on("content:changed", (c) => heard.push(...c.ids));
      try {
        const { db, kind } = t.server.store;
        const expiry = new EntryExpiry({
          db,
          log: pino({ level: "silent" }),
          now: () => new Date("2027-06-01T00:00:00Z"),
          audit: new AuditLog({
            db,
            kind,
            key: RawVault.open({ dataDir: t.dataDir }).auditChainKey(),
          }),
          changes: t.server.app.changes,
        });
        expect(await expiry.sweep()).toContain(id);
        await expect.poll(() => heard.includes(id), { timeout: 15_000 }).toBe(true);
        const audit = (await (
          await api(`${t.baseUrl}/api/audit?entry=${id}&action=entry.expired`)
        ).json()) as { records: { actor: { type: string } }[] };
        expect(audit.records.map((r) => r.actor.type)).toEqual(["system"]);
        const verify = (await (await api(`${t.baseUrl}/api/audit/verify`)).json()) as {
          verification: { ok: boolean };
        };
        expect(verify.verification.ok).toBe(true);
      } finally {
        socket.disconnect();
      }
    });

    describe("expiry and revoke landing together (issue 14 item 9): the first wins", () => {
      async function createEntry(
        t: ReturnType<typeof server>,
        expiryDate: string,
      ): Promise<string> {
        const res = await postJson(`${t.baseUrl}/api/entries`, buildEntryInput({ expiryDate }));
        expect(res.status).toBe(201);
        return (res.body as { entry: { id: string } }).entry.id;
      }

      function expiryAt(t: ReturnType<typeof server>, iso: string): EntryExpiry {
        const { db, kind } = t.server.store;
        return new EntryExpiry({
          db,
          log: pino({ level: "silent" }),
          now: () => new Date(iso),
          audit: new AuditLog({
            db,
            kind,
            key: RawVault.open({ dataDir: t.dataDir }).auditChainKey(),
          }),
        });
      }

      async function endingsOf(t: ReturnType<typeof server>, id: string) {
        const { db } = t.server.store;
        const row = await db
          .selectFrom("entries")
          .select("state")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        const audit = (await (await api(`${t.baseUrl}/api/audit?entry=${id}`)).json()) as {
          records: { action: string }[];
        };
        return {
          state: row.state,
          audited: audit.records
            .map((r) => r.action)
            .filter((a) => a === "entry.expired" || a === "entry.revoked"),
        };
      }

      const revoke = (t: ReturnType<typeof server>, id: string) =>
        postJson(`${t.baseUrl}/api/entries/${id}/revoke`, { reason: "court_order" });

      it("expiry first: the revoke answers 409 saying the entry already ended, and changes nothing", async () => {
        const t = server();
        const id = await createEntry(t, "2028-01-10");
        expect(await expiryAt(t, "2028-01-10T00:00:00Z").sweep()).toEqual([id]);

        const res = await revoke(t, id);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({
          error: {
            code: "conflict",
            message:
              "This entry has already ended: it expired, and its raw data was erased; there is nothing left to revoke.",
          },
        });
        expect(await endingsOf(t, id)).toEqual({ state: "expired", audited: ["entry.expired"] });
      });

      it("an expiry date moved later between the sweep finding the entry due and expiring it: nothing is erased", async () => {
        const t = server();
        const id = await createEntry(t, "2028-03-10");
        const expiry = expiryAt(t, "2028-03-10T00:00:00Z");
        const now = new Date("2028-03-10T00:00:00Z");
        const due = await expiry.due(now);
        expect(due).toContain(id);
        // An edit lands in between (the console's, or an import's), moving the end a year on.
        await t.server.store.db
          .updateTable("entries")
          .set({ expiry_date: "2029-03-10" })
          .where("id", "=", id)
          .execute();
        expect(await expiry.expire(due, now)).not.toContain(id);
        const row = await t.server.store.db
          .selectFrom("entries")
          .select("state")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        expect(row.state).not.toBe("expired");
        const key = await t.server.store.db
          .selectFrom("entry_keys")
          .select("entry_id")
          .where("entry_id", "=", id)
          .executeTakeFirst();
        expect(key).toBeDefined();
      });

      it("revoke first, between the sweep finding the entry due and expiring it: the sweep skips it", async () => {
        const t = server();
        const id = await createEntry(t, "2028-02-10");
        const expiry = expiryAt(t, "2028-02-10T00:00:00Z");
        const now = new Date("2028-02-10T00:00:00Z");
        const due = await expiry.due(now);
        expect(due).toContain(id);

        expect((await revoke(t, id)).status).toBe(200);
        const changesBefore = await t.server.store.db
          .selectFrom("change_log")
          .select("version")
          .execute();

        expect(await expiry.expire(due, now)).not.toContain(id);
        expect(await endingsOf(t, id)).toEqual({ state: "revoked", audited: ["entry.revoked"] });
        // No "expired" event reaches screens for it either.
        const changesAfter = await t.server.store.db
          .selectFrom("change_log")
          .select(["version", "entity_id", "kind"])
          .where("version", ">", Math.max(0, ...changesBefore.map((c) => Number(c.version))))
          .execute();
        expect(changesAfter.filter((c) => c.entity_id === id)).toEqual([]);
      });
    });
  },
);
