import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import type { ReviewItem } from "../../shared/schemas/reviewQueue";
import { migrateToLatest } from "../../server/store/database";
import { noFacePhoto } from "../fixtures/images";
import { singleFacePortrait } from "../fixtures/singleFace";
import { databaseBackends, useTestServerOn } from "../support/databases";
import { buildEntryInput } from "../support/entryFactory";
import { useStoreMigratedTo } from "../support/migratedStore";
import { createUser, type TestUser } from "../support/principals";
import { api, createDistrict, waitForRedaction, type TestServer } from "../support/testServer";
import type { ErrorBody } from "../support/errorBody";

/** Creates an entry with a photo in district "da" as `user`; returns its view. */
async function createEntry(t: TestServer, user: TestUser, photo: Buffer): Promise<EntryView> {
  const form = new FormData();
  form.set("entry", JSON.stringify(buildEntryInput({ districtIds: ["da"] })));
  form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
  const res = await user.fetch(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
  expect(res.status).toBe(201);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

async function entryOf(t: TestServer, id: string): Promise<EntryView> {
  const res = await api(`${t.baseUrl}/api/entries/${id}`);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

/** Changes shown fields of an entry as `user`; the server's answer. */
function edit(t: TestServer, user: TestUser, id: string, body: object): Promise<Response> {
  return user.fetch(`${t.baseUrl}/api/entries/${id}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Draws face regions on an entry's photo as `user`; the server's answer. */
function drawRegions(t: TestServer, user: TestUser, id: string, regions: object[]) {
  return user.fetch(`${t.baseUrl}/api/entries/${id}/regions`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ regions }),
  });
}

/** `user`'s approval of the revision they see now; the server's answer. */
async function approveNow(t: TestServer, user: TestUser, id: string): Promise<Response> {
  const { revision } = await entryOf(t, id);
  return user.post(`${t.baseUrl}/api/entries/${id}/approve`, { revision });
}

/** The review queue item of an entry as `user` loads it. */
async function queueItem(
  t: TestServer,
  user: TestUser,
  id: string,
): Promise<ReviewItem | undefined> {
  const res = await user.fetch(`${t.baseUrl}/api/entries/review-queue?limit=200`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: ReviewItem[] }).entries.find((i) => i.entry.id === id);
}

/** What is on record of an entry's publication: change-log kinds and approval audits. */
async function publicationOf(t: TestServer, id: string) {
  const changes = await t.server.store.db
    .selectFrom("change_log")
    .select("kind")
    .where("entity_id", "=", id)
    .execute();
  const audit = (await (
    await api(`${t.baseUrl}/api/audit?entry=${id}&action=entry.approved`)
  ).json()) as { records: { actor: { id: string } }[] };
  return {
    published: changes.some((c) => c.kind === "entry.published"),
    approvers: audit.records.map((r) => r.actor.id),
  };
}

describe.each(databaseBackends)(
  "four eyes on $name: whoever changed an entry since its last approval may not approve it",
  (backend) => {
    const server = useTestServerOn(
      backend,
      { env: { SIGNAGE_REDACTION_WORKERS: "1" } },
      async (t) => {
        await createDistrict(t.baseUrl, "city");
        await createDistrict(t.baseUrl, "da", "city");
      },
    );
    let creator: TestUser;
    let typoFixer: TestUser;
    let drawer: TestUser;
    let rejecter: TestUser;

    beforeAll(async () => {
      const url = server().baseUrl;
      creator = await createUser(url, "creator", [{ role: "operator", scope: "da" }]);
      typoFixer = await createUser(url, "typoFixer", [{ role: "operator", scope: "da" }]);
      drawer = await createUser(url, "drawer", [{ role: "moderator", scope: "da" }]);
      rejecter = await createUser(url, "rejecter", [{ role: "moderator", scope: "city" }]);
      // Four password hashes and sign-ins: generous room on a busy machine.
    }, 120_000);

    it("refuses the drawer the approval of regions another moderator rejected, after an operator's fix resubmits them", async () => {
      const t = server();
      const entry = await createEntry(t, creator, await noFacePhoto());
      expect((await waitForRedaction(t, entry.id)).redactionStatus).toBe("needs_review");
      // No face was found: the drawer's regions alone make the photo publishable.
      const region = { x: 0.05, y: 0.05, width: 0.2, height: 0.2 };
      expect((await drawRegions(t, drawer, entry.id, [region])).status).toBe(200);
      expect((await waitForRedaction(t, entry.id)).redactionStatus).toBe("done");
      // A second moderator rejects them: they miss the face.
      const rejected = await rejecter.post(`${t.baseUrl}/api/entries/${entry.id}/reject`, {
        reason: "标记的区域没有盖住脸",
      });
      expect(rejected.status).toBe(200);
      // An operator fixes a typo: back in review, the operator its last submitter, the
      // rejected regions unchanged.
      expect((await edit(t, typoFixer, entry.id, { court: "北京市西城区人民法院" })).status).toBe(
        200,
      );
      const resubmitted = await entryOf(t, entry.id);
      expect(resubmitted.state).toBe("pending_review");
      expect(resubmitted.submittedBy).toBe(typoFixer.id);
      expect(resubmitted.manualRegions).toEqual([region]);

      const item = await queueItem(t, drawer, entry.id);
      expect(item?.actionable).toBe(false);
      expect(item?.notActionableBecause).toMatch(/another moderator/);
      const byDrawer = await approveNow(t, drawer, entry.id);
      expect(byDrawer.status).toBe(403);
      const error = ((await byDrawer.json()) as ErrorBody).error;
      expect(error.reason).toBe("entry.youChanged");
      expect(error.message).toMatch(/another moderator/);
      expect((await entryOf(t, entry.id)).state).toBe("pending_review");
      expect(await publicationOf(t, entry.id)).toEqual({ published: false, approvers: [] });

      // The rejecter changed nothing: they may approve, and that approval clears the changers.
      expect((await approveNow(t, rejecter, entry.id)).status).toBe(200);
      expect((await edit(t, typoFixer, entry.id, { obligation: "给付 6,000 元" })).status).toBe(
        200,
      );
      expect((await approveNow(t, drawer, entry.id)).status).toBe(200);
      expect((await publicationOf(t, entry.id)).approvers.sort()).toEqual(
        [rejecter.id, drawer.id].sort(),
      );
    }, 180_000);

    it("still refuses the drawer once more changes followed than the revision history keeps", async () => {
      const t = server();
      const entry = await createEntry(t, creator, await singleFacePortrait());
      expect((await waitForRedaction(t, entry.id)).redactionStatus).toBe("done");
      const region = { x: 0.1, y: 0.1, width: 0.2, height: 0.2 };
      expect((await drawRegions(t, drawer, entry.id, [region])).status).toBe(200);
      expect((await waitForRedaction(t, entry.id)).redactionStatus).toBe("done");
      // Twenty later edits by an operator: the history remembers those, not the drawing.
      for (let i = 0; i < 20; i++)
        expect(
          (await edit(t, typoFixer, entry.id, { obligation: `给付${String(5_000 + i)}元` })).status,
        ).toBe(200);
      const item = await queueItem(t, drawer, entry.id);
      expect(item?.entry.submittedBy).toBe(typoFixer.id);
      expect(item?.entry.manualRegions).toEqual([region]);
      expect(item?.recentChanges.map((c) => c.by)).not.toContain(drawer.id);
      expect(item?.actionable).toBe(false);

      const byDrawer = await approveNow(t, drawer, entry.id);
      expect(byDrawer.status).toBe(403);
      expect(((await byDrawer.json()) as ErrorBody).error.reason).toBe("entry.youChanged");
      expect((await entryOf(t, entry.id)).state).toBe("pending_review");
      expect(await publicationOf(t, entry.id)).toEqual({ published: false, approvers: [] });
      expect((await approveNow(t, rejecter, entry.id)).status).toBe(200);
    }, 180_000);
  },
);

describe("migration 0026 names who changed an entry awaiting a decision since its last approval", () => {
  const storeAt = useStoreMigratedTo();

  it("fills the changers from the history: after an approval, after a rejection, never reviewed", async () => {
    const store = await storeAt("0025_connection_once");
    const reviewedAt = "2026-03-02T00:00:00.000Z";
    const before = "2026-03-01T00:00:00.000Z";
    const after = "2026-03-03T00:00:00.000Z";
    // Entries as a server before 0026 stored them.
    const entry = (
      id: string,
      state: string,
      review: { at: string | null; note: string | null },
      history: { by: string | null; at: string }[],
    ) =>
      sql`insert into entries (id, kind, subject_type, state, masked_name, sex, case_number,
          court, obligation, currency, performance, listing_ground, listing_date, expiry_date,
          source, has_photo, redaction_status, created_at, updated_at, reviewed_at, review_note,
          revision, revision_changes_json)
        values (${id}, 'discredited', 'person', ${state}, '王某', 'male', ${`（2024）京0101执${id}号`},
          '北京市东城区人民法院', '给付1000元', 'CNY', '全部未履行', '违反财产报告制度',
          '2026-01-15', '2028-01-15', 'manual', 0, 'none', ${before}, ${after}, ${review.at},
          ${review.note}, ${history.length + 1},
          ${JSON.stringify(history.map((h, i) => ({ revision: i + 2, fields: ["obligation"], ...h })))})`.execute(
        store.db,
      );
    await entry("never", "pending_review", { at: null, note: null }, [
      { by: "a", at: before },
      { by: null, at: before },
      { by: "b", at: after },
    ]);
    await entry("approved-then-edited", "pending_review", { at: reviewedAt, note: null }, [
      { by: "a", at: before },
      { by: "b", at: after },
    ]);
    await entry("rejected-then-edited", "pending_review", { at: reviewedAt, note: "不对" }, [
      { by: "a", at: before },
      { by: "b", at: after },
    ]);
    await entry("rejected", "rejected", { at: reviewedAt, note: "不对" }, [
      { by: "a", at: before },
    ]);
    await entry("approved", "approved", { at: reviewedAt, note: null }, [{ by: "a", at: before }]);

    await migrateToLatest(store);

    const rows = await store.db
      .selectFrom("entries")
      .select(["id", "changed_by_json"])
      .orderBy("id")
      .execute();
    expect(
      Object.fromEntries(rows.map((r) => [r.id, JSON.parse(r.changed_by_json) as unknown])),
    ).toEqual({
      never: ["a", "b"],
      "approved-then-edited": ["b"],
      "rejected-then-edited": ["a", "b"],
      rejected: ["a"],
      approved: [],
    });
  });
});
