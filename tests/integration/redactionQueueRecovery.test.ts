import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { openStore } from "../../server/store/database";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { demoPhoto } from "../fixtures/images";
import { createEntryWithPhoto } from "../support/entryPublishing";
import {
  api,
  createDistrict,
  makeDataDir,
  removeDataDir,
  startTestServer,
  waitForRedaction,
  type TestServer,
} from "../support/testServer";

const ENV = { SIGNAGE_REDACTION_WORKERS: "1" };

/** The entry as the console reads it. */
async function entryOf(t: TestServer, id: string): Promise<EntryView> {
  const res = await api(`${t.baseUrl}/api/entries/${id}`);
  expect(res.status).toBe(200);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

/** The entry's redaction jobs, oldest first. */
function jobsOf(t: TestServer, entryId: string) {
  return t.server.store.db
    .selectFrom("redaction_jobs")
    .select(["id", "state", "attempts", "last_error"])
    .where("entry_id", "=", entryId)
    .orderBy("id")
    .execute();
}

/** How many "entry.redacted" records the audit log holds for an entry. */
async function redactedRecords(t: TestServer, entryId: string): Promise<number> {
  const res = await api(`${t.baseUrl}/api/audit?entry=${entryId}&action=entry.redacted`);
  return ((await res.json()) as { records: unknown[] }).records.length;
}

describe("the redaction queue survives a crash and gives up on a job that keeps failing", () => {
  const dataDir = makeDataDir();
  let t: TestServer | undefined;
  afterAll(async () => {
    await t?.stop();
    removeDataDir(dataDir);
  });

  it("a job left running when the process died is picked up again at start and finished once", async () => {
    const first = await startTestServer({ dataDir, env: ENV });
    await createDistrict(first.baseUrl, "da");
    const created = await createEntryWithPhoto(first, await demoPhoto(2), {});
    const settled = await waitForRedaction(first, created.id, 180_000);
    expect(settled.redactionStatus).toBe("done");
    await first.stop();

    // What a process killed in the middle of the job leaves behind: the job claimed ("running"),
    // the entry "processing", no result and no rendition stored yet.
    const store = openStore(loadConfig({ SIGNAGE_DATA_DIR: dataDir }).database);
    try {
      await store.db
        .updateTable("redaction_jobs")
        .set({ state: "running" })
        .where("entry_id", "=", created.id)
        .execute();
      await store.db
        .updateTable("entries")
        .set({ redaction_status: "processing" })
        .where("id", "=", created.id)
        .execute();
      await store.db.deleteFrom("renditions").where("entry_id", "=", created.id).execute();
      await store.db.deleteFrom("redaction_results").where("entry_id", "=", created.id).execute();
    } finally {
      await store.db.destroy();
    }

    t = await startTestServer({ dataDir, env: ENV });
    const restarted = t;
    // Claimed again (its second attempt): not left "running" for ever.
    await expect
      .poll(async () => (await jobsOf(restarted, created.id)).map((j) => j.attempts), {
        timeout: 120_000,
      })
      .toEqual([2]);
    // Generously: the detectors load afresh and share two cores with everything else.
    const again = await waitForRedaction(t, created.id, 180_000);
    expect(again.redactionStatus).toBe("done");
    expect(again.renditions.map((r) => r.variant).sort()).toEqual(["display", "thumb"]);
    // The same job ran again (its second attempt); none was added or lost.
    expect(await jobsOf(t, created.id)).toMatchObject([{ state: "done", attempts: 2 }]);
    // One result recorded before the crash, one after it.
    expect(await redactedRecords(t, created.id)).toBe(2);
  }, 400_000);

  it("a job that keeps failing ends failed, visible on the entry, and is not tried again", async () => {
    if (!t) throw new Error("the server of the first case did not start");
    const server = t;
    const created = await createEntryWithPhoto(server, await demoPhoto(3), {});
    expect((await waitForRedaction(server, created.id, 180_000)).redactionStatus).toBe("done");

    // The stored raw photo is damaged (a bad disk sector): it can no longer be opened.
    const { db } = server.server.store;
    const raw = await db
      .selectFrom("raw_photos")
      .select("sealed")
      .where("entry_id", "=", created.id)
      .executeTakeFirstOrThrow();
    const damaged = Buffer.from(raw.sealed);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0xff;
    await db
      .updateTable("raw_photos")
      .set({ sealed: damaged })
      .where("entry_id", "=", created.id)
      .execute();

    // A moderator's region asks for the photo to be redacted again.
    const marked = await api(`${server.baseUrl}/api/entries/${created.id}/regions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ regions: [{ x: 0.1, y: 0.1, width: 0.2, height: 0.2 }] }),
    });
    expect(marked.status).toBe(200);
    await expect
      .poll(async () => (await entryOf(server, created.id)).redactionStatus, { timeout: 120_000 })
      .toBe("failed");
    const failed = await entryOf(server, created.id);
    expect(failed.redactionReason).toMatch(/^Redaction failed: /);
    // Nothing of the failed run reaches a screen: the entry keeps no rendition of it.
    const jobs = await jobsOf(server, created.id);
    expect(jobs.at(-1)).toMatchObject({ state: "failed", attempts: 3 });
    expect(jobs.at(-1)?.last_error).toBeTruthy();

    // The queue goes on with other work and leaves the failed job alone.
    const next = await createEntryWithPhoto(server, await demoPhoto(4), {});
    expect((await waitForRedaction(server, next.id, 180_000)).redactionStatus).toBe("done");
    expect((await jobsOf(server, created.id)).at(-1)).toMatchObject({
      state: "failed",
      attempts: 3,
    });
    expect((await entryOf(server, created.id)).redactionStatus).toBe("failed");
  }, 600_000);
});
