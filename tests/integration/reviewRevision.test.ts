import { createHash } from "node:crypto";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { wordError } from "../../shared/messages/errorMessages";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import type { BulkApproval } from "../../shared/schemas/moderation";
import type { ReviewItem } from "../../shared/schemas/reviewQueue";
import { loadConfig } from "../../server/config";
import { RawVault } from "../../server/services/crypto/RawVault";
import { RedactionQueue, type RedactionOutcome } from "../../server/services/RedactionQueue";
import { openStore } from "../../server/store/database";
import { enqueueRedaction } from "../../server/store/entries";
import { singleFacePortrait } from "../fixtures/singleFace";
import { buildEntryInput } from "../support/entryFactory";
import { createTempDatabase } from "../support/postgres";
import { createUser, fetchAs, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  removeDataDir,
  signIn,
  startTestServer,
  useTestServer,
  waitForRedaction,
  type TestServer,
} from "../support/testServer";
import type { ErrorBody } from "../support/errorBody";

/** Creates an entry in district "da" as `user`, with a photo when given; returns its view. */
async function createEntry(t: TestServer, user: TestUser, photo?: Buffer): Promise<EntryView> {
  const input = buildEntryInput({ districtIds: ["da"], fullName: "王小明", subjectType: "person" });
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

/** The review queue as `user` loads it, by entry id. */
async function queueOf(t: TestServer, user: TestUser): Promise<Map<string, ReviewItem>> {
  const res = await user.fetch(`${t.baseUrl}/api/entries/review-queue?limit=200`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { entries: ReviewItem[] };
  return new Map(body.entries.map((i) => [i.entry.id, i]));
}

/** Change-log events an entry has (a publish is one). */
async function changeKinds(t: TestServer, id: string): Promise<string[]> {
  const rows = await t.server.store.db
    .selectFrom("change_log")
    .select("kind")
    .where("entity_id", "=", id)
    .orderBy("version")
    .execute();
  return rows.map((r) => r.kind);
}

async function jobCount(t: TestServer, id: string): Promise<number> {
  const rows = await t.server.store.db
    .selectFrom("redaction_jobs")
    .select("id")
    .where("entry_id", "=", id)
    .execute();
  return rows.length;
}

async function auditOf(
  t: TestServer,
  id: string,
  action: string,
): Promise<{ actor: { id: string }; details: Record<string, unknown> }[]> {
  const res = await api(`${t.baseUrl}/api/audit?entry=${id}&action=${action}`);
  expect(res.status).toBe(200);
  return (
    (await res.json()) as { records: { actor: { id: string }; details: Record<string, unknown> }[] }
  ).records;
}

const setUp = async (t: TestServer) => {
  await createDistrict(t.baseUrl, "city");
  await createDistrict(t.baseUrl, "da", "city");
  await createDistrict(t.baseUrl, "db", "city");
};

describe("approval holds only for the revision the moderator saw", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } }, setUp);
  let operator: TestUser;
  let moderatorA: TestUser;
  let moderatorB: TestUser;
  let outsider: TestUser;
  let operatorModerator: TestUser;
  beforeAll(async () => {
    const url = server().baseUrl;
    operator = await createUser(url, "operator", [{ role: "operator", scope: "da" }]);
    moderatorA = await createUser(url, "moderatorA", [{ role: "moderator", scope: "da" }]);
    moderatorB = await createUser(url, "moderatorB", [{ role: "moderator", scope: "city" }]);
    outsider = await createUser(url, "outsider", [{ role: "moderator", scope: "db" }]);
    operatorModerator = await createUser(url, "both", [
      { role: "operator", scope: "da" },
      { role: "moderator", scope: "da" },
    ]);
  });

  it("refuses an approval of the revision from before an edit to organisation, and publishes nothing", async () => {
    const t = server();
    const entry = await createEntry(t, operator);
    const seen = (await queueOf(t, moderatorA)).get(entry.id);
    expect(seen?.entry.maskedName).toBe("王某");
    const seenRevision = seen?.entry.revision ?? 0;
    expect(seenRevision).toBeGreaterThan(0);

    // The operator makes it an organisation: the masked name becomes the full name.
    const edit = await operator.fetch(`${t.baseUrl}/api/entries/${entry.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ subjectType: "organisation", fullName: "东城区王氏建材有限公司" }),
    });
    expect(edit.status).toBe(200);

    const stale = await moderatorA.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: seenRevision,
    });
    expect(stale.status).toBe(409);
    const body = (await stale.json()) as ErrorBody;
    expect(body.error.code).toBe("stale_revision");
    // It names what changed as people call it, in either language, never by a field's code name.
    expect(body.error.message).toMatch(/changed after you opened it.*person or organisation/);
    expect(body.error.message).not.toMatch(/subjectType|maskedName/);
    expect(body.error.reason).toBe("entry.staleRevisionFields");
    const chinese = wordError("entry.staleRevisionFields", body.error.params ?? {}, "zh-CN");
    expect(chinese).toContain("主体类型（个人或单位）");
    expect(chinese).toContain("脱敏姓名");
    expect(chinese).not.toMatch(/subjectType|maskedName|person or organisation/);
    const after = await entryOf(t, entry.id);
    expect(after.state).toBe("pending_review");
    expect(after.reviewedBy).toBeNull();
    expect(await changeKinds(t, entry.id)).not.toContain("entry.published");
    expect(await auditOf(t, entry.id, "entry.approved")).toEqual([]);

    // The queue shows what changed since then, and the new revision.
    const again = (await queueOf(t, moderatorA)).get(entry.id);
    expect(again?.entry.revision).toBeGreaterThan(seenRevision);
    expect(
      again?.recentChanges.filter((c) => c.revision > seenRevision).flatMap((c) => c.fields),
    ).toEqual(expect.arrayContaining(["subjectType", "maskedName"]));

    // An approval needs the revision; the one seen now holds.
    const missing = await moderatorA.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {});
    expect(missing.status).toBe(400);
    const fresh = await moderatorA.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: again?.entry.revision,
    });
    expect(fresh.status).toBe(200);
    expect(await changeKinds(t, entry.id)).toContain("entry.published");
  });

  it("bulk approval refuses, per entry, one edited after the queue was loaded", async () => {
    const t = server();
    const photo = await singleFacePortrait();
    const edited = await createEntry(t, operator, photo);
    const untouched = await createEntry(t, operator, photo);
    for (const e of [edited, untouched])
      expect((await waitForRedaction(t, e.id)).redactionStatus).toBe("done");
    const queue = await queueOf(t, moderatorA);
    const seen = [edited, untouched].map((e) => {
      const item = queue.get(e.id);
      expect(item?.clean).toBe(true);
      return { id: e.id, revision: item?.entry.revision ?? 0 };
    });

    const edit = await operator.fetch(`${t.baseUrl}/api/entries/${edited.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ subjectType: "organisation" }),
    });
    expect(edit.status).toBe(200);

    const missing = await moderatorA.post(`${t.baseUrl}/api/entries/bulk-approve`, {
      ids: [edited.id],
    });
    expect(missing.status).toBe(400);
    const res = await moderatorA.post(`${t.baseUrl}/api/entries/bulk-approve`, { entries: seen });
    expect(res.status).toBe(200);
    const body = (await res.json()) as BulkApproval;
    expect(body.approved).toEqual([untouched.id]);
    expect(body.refused.map((r) => [r.id, r.code])).toEqual([[edited.id, "stale_revision"]]);
    expect(body.refused[0]?.message).toMatch(/changed after you opened it.*person or organisation/);
    expect((await entryOf(t, edited.id)).state).toBe("pending_review");
    expect(await changeKinds(t, edited.id)).not.toContain("entry.published");
    expect((await entryOf(t, untouched.id)).state).toBe("approved");
  });

  it("makes whoever redraws the regions of an approved entry unable to approve it again", async () => {
    const t = server();
    const entry = await createEntry(t, operator, await singleFacePortrait());
    const redacted = await waitForRedaction(t, entry.id);
    expect(redacted.redactionStatus).toBe("done");
    const first = await moderatorA.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: redacted.revision,
    });
    expect(first.status).toBe(200);

    const drawn = await moderatorA.fetch(`${t.baseUrl}/api/entries/${entry.id}/regions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ regions: [{ x: 0.1, y: 0.1, width: 0.2, height: 0.2 }] }),
    });
    expect(drawn.status).toBe(200);
    const back = await waitForRedaction(t, entry.id);
    expect(back.state).toBe("pending_review");
    expect(back.submittedBy).toBe(moderatorA.id);
    expect(back.revision).toBeGreaterThan(redacted.revision);

    const alone = await moderatorA.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: back.revision,
    });
    expect(alone.status).toBe(403);
    expect(((await alone.json()) as ErrorBody).error.message).toMatch(/last change/);
    expect((await entryOf(t, entry.id)).state).toBe("pending_review");
    const second = await moderatorB.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: back.revision,
    });
    expect(second.status).toBe(200);
  });

  it("keeps everyone who changed the entry since its last review from approving it, not only the last one", async () => {
    const t = server();
    const entry = await createEntry(t, operator, await singleFacePortrait());
    expect((await waitForRedaction(t, entry.id)).redactionStatus).toBe("done");
    // An operator who is a moderator too changes a shown field; another moderator then draws.
    const edit = await operatorModerator.fetch(`${t.baseUrl}/api/entries/${entry.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ obligation: "给付 7,000 元" }),
    });
    expect(edit.status).toBe(200);
    const drawn = await moderatorA.fetch(`${t.baseUrl}/api/entries/${entry.id}/regions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ regions: [{ x: 0.1, y: 0.1, width: 0.2, height: 0.2 }] }),
    });
    expect(drawn.status).toBe(200);
    const now = await waitForRedaction(t, entry.id);
    expect(now.submittedBy).toBe(moderatorA.id);

    const byEditor = await operatorModerator.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: now.revision,
    });
    expect(byEditor.status).toBe(403);
    expect(((await byEditor.json()) as ErrorBody).error.message).toMatch(
      /since it was last approved/,
    );
    const queued = (await queueOf(t, operatorModerator)).get(entry.id);
    expect(queued?.recentChanges.map((c) => c.by)).toEqual(
      expect.arrayContaining([operatorModerator.id, moderatorA.id]),
    );
    expect((await entryOf(t, entry.id)).state).toBe("pending_review");
    const second = await moderatorB.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: now.revision,
    });
    expect(second.status).toBe(200);
  });

  for (const route of ["crop", "cover-all"] as const) {
    it(`PUT /${route}: refuses bad input changing nothing, re-queues redaction, audits, and hands approval to another moderator`, async () => {
      const t = server();
      const entry = await createEntry(t, operator, await singleFacePortrait());
      const before = await waitForRedaction(t, entry.id);
      expect(before.redactionStatus).toBe("done");
      const url = `${t.baseUrl}/api/entries/${entry.id}/${route}`;
      const put = (user: TestUser, body: unknown) =>
        user.fetch(url, {
          method: "PUT",
          headers: { "Content-Type": "application/json" },
          body: typeof body === "string" ? body : JSON.stringify(body),
        });
      const action = route === "crop" ? "entry.crop_changed" : "entry.cover_all_changed";
      const jobsBefore = await jobCount(t, entry.id);

      const bad =
        route === "crop"
          ? [
              {},
              { box: { x: 0.8, y: 0.1, width: 0.5, height: 0.2 } },
              { box: { x: 0.1, y: 0.1, width: 0, height: 0.2 } },
              { box: { x: 0.1, y: 0.1, width: 0.5, height: 0.5 }, extra: 1 },
              "not json",
            ]
          : [{}, { on: "yes" }, { on: 1 }, { on: true, extra: 1 }, "not json"];
      for (const body of bad) {
        const res = await put(moderatorA, body);
        expect(res.status).toBe(400);
        const error = ((await res.json()) as ErrorBody).error;
        expect(error.code).toMatch(/^(validation_failed|bad_request)$/);
        expect(error.message.length).toBeGreaterThan(10);
      }
      expect((await put(operator, route === "crop" ? { box: null } : { on: true })).status).toBe(
        403,
      );
      expect((await put(outsider, route === "crop" ? { box: null } : { on: true })).status).toBe(
        403,
      );
      const unchanged = await entryOf(t, entry.id);
      expect(unchanged.revision).toBe(before.revision);
      expect(unchanged.crop).toBeNull();
      expect(unchanged.coverAll).toBe(false);
      expect(unchanged.submittedBy).toBe(operator.id);
      expect(await jobCount(t, entry.id)).toBe(jobsBefore);
      expect(await auditOf(t, entry.id, action)).toEqual([]);

      const box = { x: 0.2, y: 0.1, width: 0.6, height: 0.8 };
      const res = await put(moderatorA, route === "crop" ? { box } : { on: true });
      expect(res.status).toBe(200);
      const answered = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
      if (route === "crop") expect(answered.crop).toEqual(box);
      else expect(answered.coverAll).toBe(true);
      expect(answered.submittedBy).toBe(moderatorA.id);
      expect(answered.revision).toBeGreaterThan(before.revision);
      expect(await jobCount(t, entry.id)).toBe(jobsBefore + 1);
      const audit = await auditOf(t, entry.id, action);
      expect(audit.map((r) => r.actor.id)).toEqual([moderatorA.id]);
      expect(audit[0]?.details["after"]).toEqual(route === "crop" ? box : true);

      const redone = await waitForRedaction(t, entry.id);
      expect(redone.redactionStatus).toBe("done");
      if (route === "cover-all") {
        // A whole-frame cover is never taken by bulk approval: a moderator looks at it alone.
        const item = (await queueOf(t, moderatorB)).get(entry.id);
        expect(item?.attention).toContain("covered_whole_frame");
        expect(item?.clean).toBe(false);
      }
      // Whoever changed the photo's treatment may not approve it; another moderator may.
      const alone = await moderatorA.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
        revision: redone.revision,
      });
      expect(alone.status).toBe(403);
      const second = await moderatorB.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
        revision: redone.revision,
      });
      expect(second.status).toBe(200);
    });
  }

  it("answers 409 to a crop or cover-all of an entry without a photo, changing nothing", async () => {
    const t = server();
    const entry = await createEntry(t, operator);
    for (const [route, body] of [
      ["crop", { box: { x: 0.1, y: 0.1, width: 0.5, height: 0.5 } }],
      ["cover-all", { on: true }],
    ] as const) {
      const res = await moderatorA.fetch(`${t.baseUrl}/api/entries/${entry.id}/${route}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(409);
      expect(((await res.json()) as ErrorBody).error.message).toMatch(/no photo/);
    }
    const after = await entryOf(t, entry.id);
    expect(after.revision).toBe(entry.revision);
    expect(after.submittedBy).toBe(operator.id);
  });
});

describe("redaction concerns send an entry to a moderator, one at a time", () => {
  it("stores a several_faces concern from the redactor, shows it in the queue, and bulk approval never takes it", async () => {
    const first = await startTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } });
    const dataDir = first.dataDir;
    let second: TestServer | undefined;
    try {
      await setUp(first);
      const operator = await createUser(first.baseUrl, "operator", [
        { role: "operator", scope: "da" },
      ]);
      const moderator = await createUser(first.baseUrl, "moderator", [
        { role: "moderator", scope: "da" },
      ]);
      const group = await createEntry(first, operator, await singleFacePortrait());
      const control = await createEntry(first, operator, await singleFacePortrait());
      for (const e of [group, control])
        expect((await waitForRedaction(first, e.id)).redactionStatus).toBe("done");
      await first.stop();

      // The redactor reports a group photo: every face covered, but several of them.
      const config = loadConfig({ SIGNAGE_DATA_DIR: dataDir });
      const store = openStore(config.database);
      try {
        const rendition = (variant: "display" | "thumb") => {
          const bytes = Buffer.from(`rendition ${variant} ${group.id}`);
          return {
            variant,
            mime: "image/webp",
            width: 10,
            height: 10,
            hash: createHash("sha256").update(bytes).digest("hex"),
            bytes,
          };
        };
        const outcome: RedactionOutcome = {
          verdict: "publishable",
          style: "mosaic",
          renditions: [rendition("display"), rendition("thumb")],
          concerns: [{ code: "several_faces", message: "The photo shows 3 faces." }],
          detail: { faces: [] },
        };
        await enqueueRedaction(store.db, group.id, new Date().toISOString());
        const queue = new RedactionQueue({
          db: store.db,
          vault: RawVault.open({ dataDir, keyBase64: config.masterKey }),
          redactor: { redact: () => Promise.resolve(outcome) },
          log: pino({ level: "silent" }),
          concurrency: 1,
        });
        await queue.start();
        await expect
          .poll(
            async () =>
              (
                await store.db
                  .selectFrom("entries")
                  .select("redaction_status")
                  .where("id", "=", group.id)
                  .executeTakeFirstOrThrow()
              ).redaction_status,
            { timeout: 30_000 },
          )
          .toBe("done");
        await queue.stop();
      } finally {
        await store.db.destroy();
      }

      second = await startTestServer({ dataDir, env: { SIGNAGE_REDACTION_WORKERS: "1" } });
      const t = second;
      const as = fetchAs(await signIn(t.baseUrl, moderator.email, moderator.password));
      const res = await as(`${t.baseUrl}/api/entries/review-queue?limit=200`);
      const items = new Map(
        ((await res.json()) as { entries: ReviewItem[] }).entries.map((i) => [i.entry.id, i]),
      );
      const item = items.get(group.id);
      expect(item?.attention).toContain("several_faces");
      expect(item?.clean).toBe(false);
      expect(items.get(control.id)?.clean).toBe(true);

      const bulk = await as(`${t.baseUrl}/api/entries/bulk-approve`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          entries: [group, control].map((e) => ({
            id: e.id,
            revision: items.get(e.id)?.entry.revision ?? 0,
          })),
        }),
      });
      const body = (await bulk.json()) as BulkApproval;
      expect(body.approved).toEqual([control.id]);
      expect(body.refused.map((r) => r.id)).toEqual([group.id]);
      expect((await entryOf(t, group.id)).state).toBe("pending_review");

      // Looked at alone, it can be approved.
      const alone = await as(`${t.baseUrl}/api/entries/${group.id}/approve`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ revision: item?.entry.revision }),
      });
      expect(alone.status).toBe(200);
    } finally {
      await first.stop();
      await second?.stop();
      removeDataDir(dataDir);
    }
  });
});

describe("approval revisions on PostgreSQL", () => {
  it("refuses a stale approval and keeps everyone who changed the entry from approving it", async () => {
    const temp = await createTempDatabase();
    const t = await startTestServer({ env: { DATABASE_URL: temp.url } });
    try {
      await setUp(t);
      const operator = await createUser(t.baseUrl, "operator", [{ role: "operator", scope: "da" }]);
      const both = await createUser(t.baseUrl, "both", [
        { role: "operator", scope: "da" },
        { role: "moderator", scope: "da" },
      ]);
      const moderator = await createUser(t.baseUrl, "moderator", [
        { role: "moderator", scope: "da" },
      ]);
      const entry = await createEntry(t, operator);
      const seen = (await queueOf(t, moderator)).get(entry.id)?.entry.revision ?? 0;
      const edit = await both.fetch(`${t.baseUrl}/api/entries/${entry.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ subjectType: "organisation" }),
      });
      expect(edit.status).toBe(200);
      const stale = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
        revision: seen,
      });
      expect(stale.status).toBe(409);
      expect(((await stale.json()) as ErrorBody).error.code).toBe("stale_revision");
      expect(await changeKinds(t, entry.id)).not.toContain("entry.published");
      // An operator's second edit makes them the last submitter; the first editor stays out.
      const again = await operator.fetch(`${t.baseUrl}/api/entries/${entry.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ obligation: "给付 6,000 元" }),
      });
      expect(again.status).toBe(200);
      const now = await entryOf(t, entry.id);
      expect(now.revision).toBe(seen + 2);
      const byFirstEditor = await both.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
        revision: now.revision,
      });
      expect(byFirstEditor.status).toBe(403);
      const fresh = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
        revision: now.revision,
      });
      expect(fresh.status).toBe(200);
      expect(await changeKinds(t, entry.id)).toContain("entry.published");
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
      await temp.drop();
    }
  });
});
