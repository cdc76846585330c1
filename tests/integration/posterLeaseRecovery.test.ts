import { spawnSync } from "node:child_process";
import type { Insertable } from "kysely";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { reasonOfSentence, wordError } from "../../shared/messages/errorMessages";
import { loadConfig } from "../../server/config";
import { MasterKeyring } from "../../server/services/crypto/MasterKeyring";
import { createPhotoRedactor } from "../../server/services/photoRedactor";
import { PosterRedaction, sealPoster } from "../../server/services/PosterRedaction";
import { claimantName } from "../../server/services/ProcessLease";
import { openStore, type Store } from "../../server/store/database";
import { emptyPosterRow } from "../../server/store/posters";
import type { AnnouncementPosterTable } from "../../server/store/schema";
import { demoPhoto } from "../fixtures/images";
import { backendDatabase, databaseBackends } from "../support/databases";
import {
  makeDataDir,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const silent = pino({ level: "silent" });

/** Cleaned up after the file: servers still running, stores still open, data folders. */
const started: TestServer[] = [];
const stores: Store[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  for (const t of started.splice(0)) await t.stop();
  for (const s of stores.splice(0)) await s.db.destroy();
  for (const d of dataDirs.splice(0)) removeDataDir(d);
}, 120_000);

/** A poster as a process left it: its id, and whatever differs from `seedPosters`' row. */
type PosterSeed = { announcement_id: string } & Partial<Insertable<AnnouncementPosterTable>>;

/**
 * Writes posters as processes left them, last written at `at`: each processing on its first
 * attempt, unclaimed and without an upload unless its seed says otherwise.
 */
async function seedPosters(db: Store["db"], at: string, seeds: readonly PosterSeed[]) {
  await db
    .insertInto("announcement_posters")
    .values(
      seeds.map((seed) => ({
        // Without the upload, a poster taken back waits in the queue: nothing runs it again here.
        ...emptyPosterRow(seed.announcement_id, at),
        status: "processing" as const,
        attempts: 1,
        ...seed,
      })),
    )
    .execute();
}

/** Now, as a row's time, with a lease still fresh (ten minutes on) and one expired a minute ago. */
function leaseTimes() {
  const now = Date.now();
  return {
    at: new Date(now).toISOString(),
    fresh: new Date(now + 10 * 60_000).toISOString(),
    expired: new Date(now - 60_000).toISOString(),
  };
}

/** The claim-related state of one poster. */
async function posterRow(db: Store["db"], id: string) {
  return db
    .selectFrom("announcement_posters")
    .select(["status", "attempts", "claimed_by", "lease_until", "updated_at"])
    .where("announcement_id", "=", id)
    .executeTakeFirstOrThrow();
}

describe.each(databaseBackends)(
  "posters are taken back only from a stopped process ($name)",
  (backend) => {
    /** A data folder and database holding `count` draft announcements, no server running. */
    async function announcements(count: number) {
      const database = await backendDatabase(backend);
      const dataDir = makeDataDir();
      dataDirs.push(dataDir);
      const env = database.env;
      const t = await startTestServer({ dataDir, env });
      const ids: string[] = [];
      try {
        for (let i = 0; i < count; i++) {
          const res = await postJson(`${t.baseUrl}/api/announcements`, { title: `海报 ${i}` });
          expect(res.status).toBe(201);
          ids.push((res.body as { announcement: { id: string } }).announcement.id);
        }
      } finally {
        await t.stop();
      }
      /** Seeds posters (see seedPosters) into the folder's database while no server runs. */
      async function seed(at: string, seeds: readonly PosterSeed[]) {
        const store = openStore(loadConfig({ SIGNAGE_DATA_DIR: dataDir, ...env }).database);
        try {
          await seedPosters(store.db, at, seeds);
        } finally {
          await store.db.destroy();
        }
      }
      return { database, dataDir, env, ids, seed };
    }

    it("a starting server leaves a live process's posters alone and takes back the others", async () => {
      const { database, dataDir, env, ids, seed } = await announcements(6);
      try {
        const { at, fresh, expired } = leaseTimes();
        // Another host's process, alive: its lease is fresh. Another, stopped: its ran out.
        const live = "poster-host-b~0123456789ab~4242~live0001";
        const stopped = "poster-host-c~ba9876543210~4243~gone0001";
        // A process of this machine that has ended (its lease still fresh): gone all the same.
        const [host, machine] = claimantName().split("~");
        const ended = [host, machine, String(spawnSync(process.execPath, ["-e", ""]).pid), "e1"];
        // A process before this one that had its pid (a container restarted): gone too.
        const samePid = [host, machine, String(process.pid), "before01"].join("~");
        const [
          liveId = "",
          expiredId = "",
          endedId = "",
          samePidId = "",
          oldId = "",
          otherId = "",
        ] = ids;
        await seed(at, [
          { announcement_id: liveId, claimed_by: live, lease_until: fresh },
          { announcement_id: expiredId, claimed_by: stopped, lease_until: expired },
          { announcement_id: endedId, claimed_by: ended.join("~"), lease_until: fresh },
          { announcement_id: samePidId, claimed_by: samePid, lease_until: fresh },
          // Left processing before leases (0024): no claimant, taken back as before.
          { announcement_id: oldId },
          // Already done: no recovery touches it.
          { announcement_id: otherId, status: "done" },
        ]);

        const t = await startTestServer({ dataDir, env });
        started.push(t);
        const { db } = t.server.store;
        for (const id of [expiredId, endedId, samePidId, oldId]) {
          const row = await posterRow(db, id);
          expect(row).toMatchObject({ status: "queued", claimed_by: null, lease_until: null });
          expect(row.updated_at > at).toBe(true);
        }
        // The live process's poster is its own still: not queued again, its claim untouched.
        expect(await posterRow(db, liveId)).toEqual({
          status: "processing",
          attempts: 1,
          claimed_by: live,
          lease_until: fresh,
          updated_at: at,
        });
        expect(await posterRow(db, otherId)).toMatchObject({ status: "done", updated_at: at });
        started.splice(started.indexOf(t), 1);
        await t.stop();
      } finally {
        await database.drop();
      }
    }, 300_000);

    it("a starting server fails a poster interrupted on its last attempt and re-queues one below it", async () => {
      const { database, dataDir, env, ids, seed } = await announcements(3);
      try {
        const { at, fresh, expired } = leaseTimes();
        // A process on another host that stopped (its lease ran out) during two posters' third
        // and second attempts; a live one, on its third attempt, still working.
        const stopped = "poster-host-e~ba9876543210~4244~gone0002";
        const live = "poster-host-f~0123456789ab~4245~live0002";
        const [lastId = "", belowId = "", liveId = ""] = ids;
        await seed(at, [
          { announcement_id: lastId, claimed_by: stopped, lease_until: expired, attempts: 3 },
          { announcement_id: belowId, claimed_by: stopped, lease_until: expired, attempts: 2 },
          { announcement_id: liveId, claimed_by: live, lease_until: fresh, attempts: 3 },
        ]);

        const t = await startTestServer({ dataDir, env });
        started.push(t);
        const { db } = t.server.store;
        // Run again it would stop the server again, at every start: failed, claim released.
        const reason = wordError("redaction.posterInterrupted", { attempts: 3 }, "en");
        const failed = await db
          .selectFrom("announcement_posters")
          .select(["status", "attempts", "claimed_by", "lease_until", "reason", "updated_at"])
          .where("announcement_id", "=", lastId)
          .executeTakeFirstOrThrow();
        expect(failed).toMatchObject({
          status: "failed",
          attempts: 3,
          claimed_by: null,
          lease_until: null,
          reason,
        });
        expect(failed.updated_at > at).toBe(true);
        // The operator reads it in the console's language too (the stored sentence is known).
        expect(reasonOfSentence(reason, "redaction")).toEqual({
          reason: "redaction.posterInterrupted",
          params: { attempts: "3" },
        });
        // One below the last attempt gets another: back in the queue, attempts kept.
        expect(await posterRow(db, belowId)).toMatchObject({
          status: "queued",
          attempts: 2,
          claimed_by: null,
          lease_until: null,
        });
        // A live process's poster on its last attempt is its own still.
        expect(await posterRow(db, liveId)).toEqual({
          status: "processing",
          attempts: 3,
          claimed_by: live,
          lease_until: fresh,
          updated_at: at,
        });
        // Audited as a failed poster is, once, and only the failed one.
        const audited = await db
          .selectFrom("audit_log")
          .select(["actor_type", "target_id", "details_json"])
          .where("action", "=", "announcement.poster_redacted")
          .execute();
        expect(audited).toHaveLength(1);
        expect(audited[0]).toMatchObject({ actor_type: "system", target_id: lastId });
        expect(JSON.parse(audited[0]?.details_json ?? "{}")).toMatchObject({
          verdict: "failed",
          interrupted: true,
          attempts: 3,
        });
        started.splice(started.indexOf(t), 1);
        await t.stop();
      } finally {
        await database.drop();
      }
    }, 300_000);

    it("two workers on one database: the one working renews its claim, an expired one is taken back", async () => {
      const { database, dataDir, env, ids } = await announcements(2);
      const config = loadConfig({ SIGNAGE_DATA_DIR: dataDir, ...env });
      const store = openStore(config.database);
      stores.push(store);
      const redactor = createPhotoRedactor({
        workers: 1,
        engine: config.detectorEngine,
        log: silent,
      });
      // Short leases, renewed often: a claim not renewed runs out within half a second.
      const worker = () =>
        new PosterRedaction({
          db: store.db,
          vault: MasterKeyring.open({ dataDir }),
          redactor,
          log: silent,
          pollMs: 60_000,
          leaseMs: 400,
          leaseRenewMs: 100,
        });
      const first = worker();
      const second = worker();
      try {
        const [workedId = "", leftId = ""] = ids;
        const at = new Date().toISOString();
        const raw = sealPoster(MasterKeyring.open({ dataDir }), workedId, await demoPhoto(1));
        await seedPosters(store.db, at, [
          {
            announcement_id: workedId,
            status: "queued",
            attempts: 0,
            raw_sealed: raw,
            raw_mime: "image/jpeg",
          },
        ]);

        // The first worker claims it and runs it through the detectors (seconds: they load).
        await first.start();
        await expect
          .poll(async () => (await posterRow(store.db, workedId)).status, { interval: 20 })
          .toBe("processing");
        const claimed = await posterRow(store.db, workedId);
        expect(claimed.attempts).toBe(1);
        const owner = claimed.claimed_by;
        const firstLease = Date.parse(claimed.lease_until ?? "");
        expect(owner).toBeTruthy();
        // Still working once its first lease ran out: renewed meanwhile.
        await expect
          .poll(
            async () => {
              const row = await posterRow(store.db, workedId);
              return (
                row.status === "processing" &&
                Date.now() > firstLease + 100 &&
                Date.parse(row.lease_until ?? "") > Date.now()
              );
            },
            { timeout: 30_000, interval: 20 },
          )
          .toBe(true);

        // The second worker starts meanwhile: its start-up recovery leaves the poster alone.
        await second.start();
        expect(await posterRow(store.db, workedId)).toMatchObject({
          status: "processing",
          claimed_by: owner,
          attempts: 1,
        });
        // The first worker finishes it, once: its result kept, the claim released.
        await expect
          .poll(async () => (await posterRow(store.db, workedId)).status, { timeout: 300_000 })
          .not.toMatch(/^(queued|processing)$/);
        expect(await posterRow(store.db, workedId)).toMatchObject({
          attempts: 1,
          claimed_by: null,
          lease_until: null,
        });

        // A process on another host claimed a poster and stopped renewing: left alone while
        // its lease holds, taken back by a running worker's periodic recovery once it ran out.
        const until = new Date(Date.now() + 1_500).toISOString();
        await seedPosters(store.db, at, [
          {
            announcement_id: leftId,
            claimed_by: "poster-host-d~0123456789ab~77~left0001",
            lease_until: until,
          },
        ]);
        await new Promise((r) => setTimeout(r, 700));
        expect(await posterRow(store.db, leftId)).toMatchObject({ status: "processing" });
        await expect
          .poll(async () => (await posterRow(store.db, leftId)).status, { timeout: 10_000 })
          .toBe("queued");
        const taken = await posterRow(store.db, leftId);
        expect(taken).toMatchObject({ claimed_by: null, lease_until: null });
        expect(taken.updated_at >= until).toBe(true);
      } finally {
        await first.stop();
        await second.stop();
        await redactor.close();
        stores.splice(stores.indexOf(store), 1);
        await store.db.destroy();
        await database.drop();
      }
    }, 600_000);
  },
);
