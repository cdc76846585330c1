import { createHash } from "node:crypto";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import type { BulkApproval } from "../../shared/schemas/moderation";
import { noFacePhoto } from "../fixtures/images";
import { singleFacePortrait } from "../fixtures/singleFace";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  pairKiosk,
  waitForRedaction,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";
import { databaseBackends, useTestServerOn } from "../support/databases";
import type { ErrorBody } from "../support/errorBody";

/** Creates an entry in district "da" as `user`, with a photo when given; returns its view. */
async function createEntry(
  t: TestServer,
  user: TestUser,
  photo?: Buffer,
  overrides: Parameters<typeof buildEntryInput>[0] = {},
): Promise<EntryView> {
  const input = buildEntryInput({ districtIds: ["da"], ...overrides });
  const res = photo
    ? await user.fetch(`${t.baseUrl}/api/entries`, {
        method: "POST",
        body: (() => {
          const form = new FormData();
          form.set("entry", JSON.stringify(input));
          form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
          return form;
        })(),
      })
    : await user.post(`${t.baseUrl}/api/entries`, input);
  expect(res.status).toBe(201);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

async function entryOf(t: TestServer, id: string): Promise<EntryView> {
  const res = await api(`${t.baseUrl}/api/entries/${id}`);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

describe.each(databaseBackends)(
  "moderation on $name: four eyes, review queue, reject, revoke, regions, raw view",
  (backend) => {
    const server = useTestServerOn(
      backend,
      { env: { SIGNAGE_REDACTION_WORKERS: "1" } },
      async (t) => {
        await createDistrict(t.baseUrl, "city");
        await createDistrict(t.baseUrl, "da", "city");
        await createDistrict(t.baseUrl, "db", "city");
      },
    );
    let operator: TestUser;
    let moderator: TestUser;
    let secondModerator: TestUser;
    let operatorModerator: TestUser;
    let moderatorB: TestUser;

    beforeAll(async () => {
      const url = server().baseUrl;
      operator = await createUser(url, "operator", [{ role: "operator", scope: "da" }]);
      moderator = await createUser(url, "moderator", [{ role: "moderator", scope: "da" }]);
      secondModerator = await createUser(url, "moderator2", [{ role: "moderator", scope: "city" }]);
      operatorModerator = await createUser(url, "both", [
        { role: "operator", scope: "da" },
        { role: "moderator", scope: "da" },
      ]);
      moderatorB = await createUser(url, "moderatorB", [{ role: "moderator", scope: "db" }]);
      // Five password hashes and sign-ins: generous room on a busy machine.
    }, 120_000);

    it("never lets the submitter approve or reject their own entry, whatever roles they hold", async () => {
      const t = server();
      const own = await createEntry(t, operatorModerator);
      expect(own.state).toBe("pending_review");
      expect(own.createdBy).toBe(operatorModerator.id);
      for (const verb of ["approve", "reject"]) {
        const res = await operatorModerator.post(`${t.baseUrl}/api/entries/${own.id}/${verb}`, {
          ...(verb === "reject" ? { reason: "不通过" } : { revision: own.revision }),
        });
        expect(res.status).toBe(403);
        expect(((await res.json()) as ErrorBody).error.message).toMatch(/another moderator/);
      }
      // The default admin holds every role over the whole city, and still cannot.
      const byAdmin = await api(`${t.baseUrl}/api/entries`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(buildEntryInput({ districtIds: ["da"] })),
      });
      const adminEntry = EntryViewSchema.parse(
        ((await byAdmin.json()) as { entry: unknown }).entry,
      );
      const adminApprove = await api(`${t.baseUrl}/api/entries/${adminEntry.id}/approve`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ revision: adminEntry.revision }),
      });
      expect(adminApprove.status).toBe(403);
      expect((await entryOf(t, adminEntry.id)).state).toBe("pending_review");

      const approved = await approveAsSeen(t.baseUrl, moderator, own.id);
      expect(approved.status).toBe(200);
      const view = await entryOf(t, own.id);
      expect(view.state).toBe("approved");
      expect(view.reviewedBy).toBe(moderator.id);
    });

    it("refuses a moderator of another district and an operator without the moderator role", async () => {
      const t = server();
      const entry = await createEntry(t, operator);
      const other = await approveAsSeen(t.baseUrl, moderatorB, entry.id);
      expect(other.status).toBe(403);
      const notModerator = await approveAsSeen(t.baseUrl, operator, entry.id);
      expect(notModerator.status).toBe(403);
      expect((await entryOf(t, entry.id)).state).toBe("pending_review");
      // A moderator of the city covers its districts.
      const city = await approveAsSeen(t.baseUrl, secondModerator, entry.id);
      expect(city.status).toBe(200);
    });

    it("lists the queue oldest first, only for the moderator's districts, with four eyes shown", async () => {
      const t = server();
      const first = await createEntry(t, operatorModerator);
      const second = await createEntry(t, operator);
      // The operator of "da" cannot even create in "db": refused as forbidden, not as a crash.
      const inB = await operator.post(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ districtIds: ["db"] }),
      );
      expect(inB.status).toBe(403);
      const res = await operatorModerator.fetch(`${t.baseUrl}/api/entries/review-queue?limit=200`);
      expect(res.status).toBe(200);
      const queue = (await res.json()) as {
        entries: {
          entry: EntryView;
          actionable: boolean;
          notActionableBecause?: string;
          attention: string[];
        }[];
      };
      const ids = queue.entries.map((e) => e.entry.id);
      expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
      expect(queue.entries.every((e) => e.entry.state === "pending_review")).toBe(true);
      expect(queue.entries.every((e) => e.entry.districtIds.includes("da"))).toBe(true);
      const mine = queue.entries.find((e) => e.entry.id === first.id);
      expect(mine?.actionable).toBe(false);
      expect(mine?.notActionableBecause).toMatch(/created this entry/);
      expect(mine?.attention).toContain("no_photo");
      expect(queue.entries.find((e) => e.entry.id === second.id)?.actionable).toBe(true);

      const forB = await moderatorB.fetch(`${t.baseUrl}/api/entries/review-queue`);
      const bQueue = (await forB.json()) as { entries: { entry: EntryView }[] };
      expect(bQueue.entries.map((e) => e.entry.id)).not.toContain(second.id);
    });

    it("rejects with a reason; an edit resubmits it, and the editor may not approve it then", async () => {
      const t = server();
      const entry = await createEntry(t, operator);
      const noReason = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/reject`, {});
      expect(noReason.status).toBe(400);
      const rejected = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/reject`, {
        reason: "案号与法院不符",
      });
      expect(rejected.status).toBe(200);
      expect((await entryOf(t, entry.id)).reviewNote).toBe("案号与法院不符");
      const approveRejected = await approveAsSeen(t.baseUrl, secondModerator, entry.id);
      expect(approveRejected.status).toBe(409);

      // The operator-moderator fixes it: it is back in review, and they are now a submitter.
      const edit = await operatorModerator.fetch(`${t.baseUrl}/api/entries/${entry.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ court: "北京市西城区人民法院" }),
      });
      expect(edit.status).toBe(200);
      const resubmitted = await entryOf(t, entry.id);
      expect(resubmitted.state).toBe("pending_review");
      expect(resubmitted.submittedBy).toBe(operatorModerator.id);
      const queue = (await (
        await moderator.fetch(`${t.baseUrl}/api/entries/review-queue?limit=200`)
      ).json()) as { entries: { entry: EntryView; attention: string[] }[] };
      expect(queue.entries.find((e) => e.entry.id === entry.id)?.attention).toContain(
        "resubmitted_after_rejection",
      );
      const byEditor = await approveAsSeen(t.baseUrl, operatorModerator, entry.id);
      expect(byEditor.status).toBe(403);
      expect(((await byEditor.json()) as ErrorBody).error.message).toMatch(/last change/);
      expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);

      // An edit of the approved entry takes it off the screens until approved again.
      await operator.fetch(`${t.baseUrl}/api/entries/${entry.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ obligation: "给付 5000 元" }),
      });
      const edited = await entryOf(t, entry.id);
      expect(edited.state).toBe("pending_review");
      const again = (await (
        await moderator.fetch(`${t.baseUrl}/api/entries/review-queue?limit=200`)
      ).json()) as { entries: { entry: EntryView; attention: string[] }[] };
      expect(again.entries.find((e) => e.entry.id === entry.id)?.attention).toContain(
        "edited_after_approval",
      );
    });

    it("revokes once with a reason, deletes raw data, and tells the district's screens", async () => {
      const t = server();
      const { socket, screenId } = await pairKiosk(t.baseUrl, "da");
      expect(screenId).toBeTruthy();
      const entry = await createEntry(t, operator);
      const changes: { ids: string[] }[] = [];
      socket.on("content:changed", (c) => changes.push(c));
      try {
        expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
        await expect
          .poll(() => changes.some((c) => c.ids.includes(entry.id)), { timeout: 15_000 })
          .toBe(true);
        changes.length = 0;

        const vague = await operator.post(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
          reason: "other",
        });
        expect(vague.status).toBe(400);
        const revoked = await operator.post(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
          reason: "obligation_fulfilled",
        });
        expect(revoked.status).toBe(200);
        const view = await entryOf(t, entry.id);
        expect(view.state).toBe("revoked");
        expect(view.revokeReason).toEqual({ reason: "obligation_fulfilled" });
        expect(view.hasIdNumber).toBe(false);
        await expect
          .poll(() => changes.some((c) => c.ids.includes(entry.id)), { timeout: 15_000 })
          .toBe(true);
        const row = await t.server.store.db
          .selectFrom("entries")
          .select("id_number_sealed")
          .where("id", "=", entry.id)
          .executeTakeFirstOrThrow();
        expect(row.id_number_sealed).toBeNull();

        const twice = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
          reason: "error",
        });
        expect(twice.status).toBe(409);
        const audit = (await (await api(`${t.baseUrl}/api/audit?entry=${entry.id}`)).json()) as {
          records: { action: string; actor: { id: string } }[];
        };
        expect(audit.records.map((r) => r.action)).toEqual(
          expect.arrayContaining(["entry.created", "entry.approved", "entry.revoked"]),
        );
        expect(audit.records.find((r) => r.action === "entry.revoked")?.actor.id).toBe(operator.id);
      } finally {
        socket.disconnect();
      }
    });

    it("shows the raw photo only to a moderator of its district, audits each view, and 410s it after revoke", async () => {
      const t = server();
      const photo = await singleFacePortrait();
      const entry = await createEntry(t, operator, photo);
      const redactedView = await waitForRedaction(t, entry.id);
      expect(redactedView.redactionStatus).toBe("done");
      const url = `${t.baseUrl}/api/entries/${entry.id}/raw-photo`;
      expect((await fetch(url)).status).toBe(401);
      expect((await operator.fetch(url)).status).toBe(403);
      expect((await moderatorB.fetch(url)).status).toBe(403);
      const seen = await moderator.fetch(url);
      expect(seen.status).toBe(200);
      expect(seen.headers.get("content-type")).toBe("image/jpeg");
      expect(seen.headers.get("cache-control")).toMatch(/no-store/);
      expect(Buffer.from(await seen.arrayBuffer()).equals(photo)).toBe(true);

      // Beside it, the redacted rendition any reader of the district may see, cached by hash.
      const renditionUrl = `${t.baseUrl}/api/entries/${entry.id}/renditions/display`;
      const redacted = await operator.fetch(renditionUrl);
      expect(redacted.status).toBe(200);
      expect(redacted.headers.get("content-type")).toMatch(/^image\/webp/);
      const etag = redacted.headers.get("etag") ?? "";
      // The bytes are the entry's verified display rendition (named by its hash), really a WebP.
      const displayRef = redactedView.renditions.find((r) => r.variant === "display");
      expect(etag).toBe(`"${displayRef?.hash ?? "none"}"`);
      const redactedBytes = Buffer.from(await redacted.arrayBuffer());
      expect(`"${createHash("sha256").update(redactedBytes).digest("hex")}"`).toBe(etag);
      const redactedMeta = await sharp(redactedBytes).metadata();
      expect(redactedMeta.format).toBe("webp");
      expect([redactedMeta.width, redactedMeta.height]).toEqual([
        displayRef?.width,
        displayRef?.height,
      ]);
      const cached = await operator.fetch(renditionUrl, { headers: { "If-None-Match": etag } });
      expect(cached.status).toBe(304);
      expect((await moderatorB.fetch(renditionUrl)).status).toBe(403);
      const audit = (await (
        await api(`${t.baseUrl}/api/audit?entry=${entry.id}&action=entry.raw_viewed`)
      ).json()) as { records: { actor: { id: string } }[] };
      expect(audit.records.map((r) => r.actor.id)).toEqual([moderator.id]);

      expect(
        (
          await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
            reason: "court_order",
          })
        ).status,
      ).toBe(200);
      expect((await moderator.fetch(url)).status).toBe(410);
      const raw = await t.server.store.db
        .selectFrom("raw_photos")
        .select("entry_id")
        .where("entry_id", "=", entry.id)
        .execute();
      expect(raw).toEqual([]);
    }, 180_000);

    it("lets a moderator mark regions on a photo with no face found and re-renders it; another moderator approves", async () => {
      const t = server();
      const entry = await createEntry(t, operator, await noFacePhoto());
      const first = await waitForRedaction(t, entry.id);
      expect(first.redactionStatus).toBe("needs_review");
      const early = await approveAsSeen(t.baseUrl, moderator, entry.id);
      expect(early.status).toBe(409);

      const regionsUrl = `${t.baseUrl}/api/entries/${entry.id}/regions`;
      const put = (body: unknown) =>
        moderator.fetch(regionsUrl, {
          method: "PUT",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await put({ regions: [{ x: 0.8, y: 0.1, width: 0.5, height: 0.2 }] })).status).toBe(
        400,
      );
      expect((await put({ regions: [{ x: 0.1, y: 0.1, width: 0, height: 0.2 }] })).status).toBe(
        400,
      );
      const marked = await put({ regions: [{ x: 0.3, y: 0.15, width: 0.4, height: 0.35 }] });
      expect(marked.status).toBe(200);
      const redone = await waitForRedaction(t, entry.id);
      expect(redone.redactionStatus).toBe("done");
      expect(redone.manualRegions).toEqual([{ x: 0.3, y: 0.15, width: 0.4, height: 0.35 }]);
      expect(redone.renditions.length).toBe(2);
      // Whoever drew the regions changed what screens show: four eyes, another moderator approves.
      expect(redone.submittedBy).toBe(moderator.id);
      const byDrawer = await approveAsSeen(t.baseUrl, moderator, entry.id);
      expect(byDrawer.status).toBe(403);
      expect(((await byDrawer.json()) as ErrorBody).error.message).toMatch(/last change/);
      expect((await entryOf(t, entry.id)).state).toBe("pending_review");
      expect((await approveAsSeen(t.baseUrl, secondModerator, entry.id)).status).toBe(200);
      const audit = (await (
        await api(`${t.baseUrl}/api/audit?entry=${entry.id}&action=entry.regions_changed`)
      ).json()) as { records: { details: { after: unknown[] } }[] };
      expect(audit.records[0]?.details.after).toHaveLength(1);
    }, 180_000);

    it("bulk-approves only clean entries, and never the moderator's own", async () => {
      const t = server();
      const photo = await singleFacePortrait();
      const clean1 = await createEntry(t, operator, photo);
      const clean2 = await createEntry(t, operator, photo);
      const own = await createEntry(t, operatorModerator, photo);
      // A person without a photo waits for one (or a moderator's word); an organisation has no
      // face to redact, so without a photo and with nothing flagged it is clean (issue 19 item 5).
      const noPhoto = await createEntry(t, operator);
      const organisation = await createEntry(t, operator, undefined, {
        subjectType: "organisation",
        fullName: "北京市东城区宏达建筑工程有限公司",
      });
      for (const e of [clean1, clean2, own])
        expect((await waitForRedaction(t, e.id)).redactionStatus).toBe("done");
      const seen = await Promise.all(
        [clean1, clean2, own, noPhoto, organisation].map((e) => entryOf(t, e.id)),
      );
      const res = await operatorModerator.post(`${t.baseUrl}/api/entries/bulk-approve`, {
        entries: seen.map((e) => ({ id: e.id, revision: e.revision })),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as BulkApproval;
      expect(body.approved.sort()).toEqual([clean1.id, clean2.id, organisation.id].sort());
      expect(body.refused.map((r) => r.id).sort()).toEqual([own.id, noPhoto.id].sort());
      expect(body.refused.find((r) => r.id === own.id)?.message).toMatch(/another moderator/);
      expect((await entryOf(t, own.id)).state).toBe("pending_review");
      expect((await entryOf(t, noPhoto.id)).state).toBe("pending_review");
      expect((await entryOf(t, clean1.id)).state).toBe("approved");
    }, 180_000);

    it("stores SQL and script payloads as plain text and keeps the chain intact", async () => {
      const t = server();
      const payloads = ["'; DROP TABLE entries; --", "<script>alert(1)</script>", '" OR 1=1 --'];
      const entry = await createEntry(t, operator, undefined, {
        obligation: payloads.join(" "),
        listingGround: payloads[1] ?? "",
      });
      const view = await entryOf(t, entry.id);
      expect(view.obligation).toBe(payloads.join(" "));
      expect(view.listingGround).toBe("<script>alert(1)</script>");
      const rejected = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/reject`, {
        reason: payloads[0],
      });
      expect(rejected.status).toBe(200);
      const search = await api(
        `${t.baseUrl}/api/entries?q=${encodeURIComponent("' OR '1'='1")}&limit=200`,
      );
      expect(((await search.json()) as { entries: unknown[] }).entries).toEqual([]);
      const list = await api(`${t.baseUrl}/api/entries?limit=5`);
      expect(list.status).toBe(200);
      const verify = (await (await api(`${t.baseUrl}/api/audit/verify`)).json()) as {
        verification: { ok: boolean; records: number };
      };
      expect(verify.verification.ok).toBe(true);
      expect(verify.verification.records).toBeGreaterThan(20);
    });
  },
);

describe.each(databaseBackends)(
  "a kiosk never reaches the moderation routes on $name",
  (backend) => {
    const server = useTestServerOn(backend, {}, (t) => createDistrict(t.baseUrl, "da"));

    it("answers 401 to a kiosk token on every entry route", async () => {
      const t = server();
      const kiosk: KioskSocket = await connectKiosk(t.baseUrl);
      kiosk.disconnect();
      const { token, socket } = await pairKiosk(t.baseUrl, "da");
      socket.disconnect();
      for (const path of ["/api/entries", "/api/entries/review-queue", "/api/audit"]) {
        const res = await fetch(`${t.baseUrl}${path}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(401);
      }
    });
  },
);
