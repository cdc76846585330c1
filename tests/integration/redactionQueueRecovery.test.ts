import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { claimantName } from "../../server/services/ProcessLease";
import { openStore } from "../../server/store/database";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { demoPhoto } from "../fixtures/images";
import { backendDatabase, databaseBackends } from "../support/databases";
import { buildEntryInput } from "../support/entryFactory";
import { createEntryWithPhoto } from "../support/entryPublishing";
import {
  api,
  createDistrict,
  makeDataDir,
  postJson,
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

/**
 * What a process killed in the middle of a job leaves behind: the job claimed ("running") after
 * `attempts` attempts, the entry "processing", no result and no rendition stored yet. Written
 * with the server stopped.
 */
async function leaveAsIfKilledMidJob(
  dataDir: string,
  entryId: string,
  attempts?: number,
): Promise<void> {
  const store = openStore(loadConfig({ SIGNAGE_DATA_DIR: dataDir }).database);
  try {
    await store.db
      .updateTable("redaction_jobs")
      .set({ state: "running", ...(attempts === undefined ? {} : { attempts }) })
      .where("entry_id", "=", entryId)
      .execute();
    await store.db
      .updateTable("entries")
      .set({ redaction_status: "processing" })
      .where("id", "=", entryId)
      .execute();
    await store.db.deleteFrom("renditions").where("entry_id", "=", entryId).execute();
    await store.db.deleteFrom("redaction_results").where("entry_id", "=", entryId).execute();
  } finally {
    await store.db.destroy();
  }
}

/** A server on its own data folder with district "da"; stopped and removed after the file. */
const started: TestServer[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  for (const t of started.splice(0)) await t.stop();
  for (const d of dataDirs.splice(0)) removeDataDir(d);
});

async function serve(dataDir: string, district = false): Promise<TestServer> {
  const t = await startTestServer({ dataDir, env: ENV });
  started.push(t);
  if (district) await createDistrict(t.baseUrl, "da");
  return t;
}

/** Stops a server started by `serve` (a restart follows on the same data folder). */
async function stopServer(t: TestServer): Promise<void> {
  started.splice(started.indexOf(t), 1);
  await t.stop();
}

/** A fresh data folder, removed after the file. */
function freshDataDir(): string {
  const dir = makeDataDir();
  dataDirs.push(dir);
  return dir;
}

describe("the redaction queue survives a crash and gives up on a job that keeps failing", () => {
  it("a job left running when the process died is picked up again at start and finished once", async () => {
    const dataDir = freshDataDir();
    const first = await serve(dataDir, true);
    const created = await createEntryWithPhoto(first, await demoPhoto(2), {});
    const settled = await waitForRedaction(first, created.id, 180_000);
    expect(settled.redactionStatus).toBe("done");
    await stopServer(first);
    await leaveAsIfKilledMidJob(dataDir, created.id);

    const t = await serve(dataDir);
    // Claimed again (its second attempt): not left "running" for ever.
    await expect
      .poll(async () => (await jobsOf(t, created.id)).map((j) => j.attempts), {
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

  it("a job interrupted on its last attempt is failed at start, not run again at every start", async () => {
    const dataDir = freshDataDir();
    const first = await serve(dataDir, true);
    const created = await createEntryWithPhoto(first, await demoPhoto(5), {});
    expect((await waitForRedaction(first, created.id, 180_000)).redactionStatus).toBe("done");
    await stopServer(first);
    // Killed during its third attempt, as a photo that crashes the process would leave it.
    await leaveAsIfKilledMidJob(dataDir, created.id, 3);

    const t = await serve(dataDir);
    const entry = await waitForRedaction(t, created.id, 180_000);
    expect(entry.redactionStatus).toBe("failed");
    expect(entry.redactionReason).toMatch(/^Redaction failed: The server stopped during each/);
    expect(entry.renditions).toEqual([]);
    // Not claimed again: still its three attempts, failed, with why.
    const jobs = await jobsOf(t, created.id);
    expect(jobs).toMatchObject([{ state: "failed", attempts: 3 }]);
    expect(jobs[0]?.last_error).toMatch(/stopped during each of the 3 attempts/);
    // Only the result before the crashes: nothing ran after the start.
    expect(await redactedRecords(t, created.id)).toBe(1);

    // A moderator redoes it: a region asks for the photo to be redacted again, and it is.
    const marked = await api(`${t.baseUrl}/api/entries/${created.id}/regions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ regions: [{ x: 0.1, y: 0.1, width: 0.2, height: 0.2 }] }),
    });
    expect(marked.status).toBe(200);
    await expect
      .poll(async () => (await entryOf(t, created.id)).redactionStatus, { timeout: 180_000 })
      .toBe("done");
  }, 600_000);

  it("a job that keeps failing ends failed, visible on the entry, and is not tried again", async () => {
    const server = await serve(freshDataDir(), true);
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

describe.each(databaseBackends)(
  "start-up recovery leaves a live process's redaction jobs alone ($name)",
  (backend) => {
    it("takes back only jobs whose lease ran out or whose process is gone", async () => {
      const database = await backendDatabase(backend);
      const dataDir = freshDataDir();
      try {
        const env = { ...ENV, ...database.env };
        const first = await startTestServer({ dataDir, env });
        started.push(first);
        await createDistrict(first.baseUrl, "da");
        // Entries without a photo: a job taken back finds no raw photo and settles at once.
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) {
          const created = await postJson(
            `${first.baseUrl}/api/entries`,
            buildEntryInput({ districtIds: ["da"] }),
          );
          expect(created.status).toBe(201);
          ids.push((created.body as { entry: { id: string } }).entry.id);
        }
        await stopServer(first);

        // Another host's process, alive: its leases are fresh. Another, stopped: they ran out.
        const now = Date.now();
        const fresh = new Date(now + 10 * 60_000).toISOString();
        const expired = new Date(now - 60_000).toISOString();
        const live = "kiosk-host-b~0123456789ab~4242~live0001";
        const stopped = "kiosk-host-c~ba9876543210~4243~gone0001";
        // A process of this machine that has ended (its lease still fresh): gone all the same.
        const endedPid = spawnSync(process.execPath, ["-e", ""]).pid;
        const [host, machine] = claimantName().split("~");
        const ended = [host, machine, String(endedPid), "ended001"].join("~");
        // A process before this one that had its pid (a container restarted): gone too.
        const samePid = [host, machine, String(process.pid), "before01"].join("~");
        const [liveJob, liveLastJob, expiredJob, expiredLastJob, endedJob, samePidJob] = ids;
        const rows = [
          { entry: liveJob, by: live, until: fresh, attempts: 1 },
          { entry: liveLastJob, by: live, until: fresh, attempts: 3 },
          { entry: expiredJob, by: stopped, until: expired, attempts: 1 },
          { entry: expiredLastJob, by: stopped, until: expired, attempts: 3 },
          { entry: endedJob, by: ended, until: fresh, attempts: 1 },
          { entry: samePidJob, by: samePid, until: fresh, attempts: 1 },
        ];
        const store = openStore(
          loadConfig({ SIGNAGE_DATA_DIR: dataDir, ...database.env }).database,
        );
        try {
          const at = new Date(now).toISOString();
          for (const r of rows) {
            await store.db
              .insertInto("redaction_jobs")
              .values({
                entry_id: r.entry ?? "",
                state: "running",
                attempts: r.attempts,
                claimed_by: r.by,
                lease_until: r.until,
                created_at: at,
                updated_at: at,
              })
              .execute();
            await store.db
              .updateTable("entries")
              .set({ redaction_status: "processing" })
              .where("id", "=", r.entry ?? "")
              .execute();
          }
        } finally {
          await store.db.destroy();
        }

        const t = await startTestServer({ dataDir, env });
        started.push(t);
        const jobOf = async (entryId: string | undefined) => {
          const [job] = await t.server.store.db
            .selectFrom("redaction_jobs")
            .select(["state", "attempts", "claimed_by", "lease_until", "last_error"])
            .where("entry_id", "=", entryId ?? "")
            .execute();
          return job;
        };
        // Taken back and run again (a second attempt): the stopped process's and the ended one's.
        for (const id of [expiredJob, endedJob, samePidJob])
          await expect.poll(async () => (await jobOf(id))?.state, { timeout: 60_000 }).toBe("done");
        expect(await jobOf(expiredJob)).toMatchObject({ attempts: 2, claimed_by: null });
        expect(await jobOf(endedJob)).toMatchObject({ attempts: 2, claimed_by: null });
        expect(await jobOf(samePidJob)).toMatchObject({ attempts: 2, claimed_by: null });
        // On its last attempt, the stopped process's job fails (as it did before leases).
        const lastFailed = await jobOf(expiredLastJob);
        expect(lastFailed).toMatchObject({ state: "failed", attempts: 3 });
        expect(lastFailed?.last_error).toMatch(/stopped during each of the 3 attempts/);
        // The live process's jobs are its own still: not failed, not run twice, lease untouched.
        expect(await jobOf(liveJob)).toEqual({
          state: "running",
          attempts: 1,
          claimed_by: live,
          lease_until: fresh,
          last_error: null,
        });
        expect(await jobOf(liveLastJob)).toMatchObject({
          state: "running",
          attempts: 3,
          claimed_by: live,
        });
        expect((await entryOf(t, liveJob ?? "")).redactionStatus).toBe("processing");
        expect((await entryOf(t, liveLastJob ?? "")).redactionStatus).toBe("processing");
        expect((await entryOf(t, expiredLastJob ?? "")).redactionStatus).toBe("failed");
        await stopServer(t);
      } finally {
        await database.drop();
      }
    }, 300_000);
  },
);
