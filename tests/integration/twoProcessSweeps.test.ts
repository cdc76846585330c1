import { randomUUID } from "node:crypto";
import pino from "pino";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../server/services/AuditLog";
import { MasterKeyring } from "../../server/services/crypto/MasterKeyring";
import { EntryExpiry } from "../../server/services/EntryExpiry";
import { claimNextJob } from "../../server/store/entries";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  makeDataDir,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const redisUrl = process.env["SIGNAGE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** A day long gone: an entry given it as its expiry date has ended, in any time zone. */
const LONG_AGO = "2026-01-16";

/** How many audit records of `action` the log holds for an entry. */
async function recordsOf(t: TestServer, entryId: string, action: string): Promise<number> {
  const res = await api(`${t.baseUrl}/api/audit?entry=${entryId}&action=${action}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: unknown[] }).records.length;
}

/**
 * The expiry sweep as a server process runs it (server/index.ts): over that process's own
 * database pool and change feed, auditing through an audit log of its own.
 */
function expirySweepOf(t: TestServer): EntryExpiry {
  const { db, kind } = t.server.store;
  const vault = MasterKeyring.open({ dataDir: t.dataDir });
  return new EntryExpiry({
    db,
    log: pino({ level: "silent" }),
    audit: new AuditLog({ db, kind, key: vault }),
    changes: t.server.app.changes,
  });
}

// Two server processes (in one test process, as two servers, as in scaleOut.test.ts) on one
// PostgreSQL database and one Redis stream: the work each does on its own timer (the expiry
// sweep) or from a shared queue (redaction) is done once, whichever runs it first.
describe("the expiry sweep and the redaction queue run once across two processes", () => {
  let database: TempDatabase;
  let dataDir: string;
  let first: TestServer;
  let second: TestServer;
  let moderator: TestUser;
  const stream = `signage-test-${randomUUID()}`;

  beforeAll(async () => {
    database = await createTempDatabase();
    dataDir = makeDataDir();
    const env = {
      DATABASE_URL: database.url,
      SIGNAGE_REDIS_URL: redisUrl,
      SIGNAGE_REDIS_STREAM: stream,
    };
    first = await startTestServer({ dataDir, env });
    second = await startTestServer({ dataDir, env });
    await createDistrict(first.baseUrl, "da");
    moderator = await createUser(first.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
  }, 60_000);

  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    removeDataDir(dataDir);
    await database?.drop();
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    await redis.del(stream);
    await redis.quit();
  });

  it("expires an entry due on both processes' sweeps at the same moment once: one audit record, one change", async () => {
    const created = await postJson(
      `${first.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"] }),
    );
    expect(created.status).toBe(201);
    const id = (created.body as { entry: { id: string } }).entry.id;
    expect((await approveAsSeen(first.baseUrl, moderator, id)).status).toBe(200);
    // Its last day passes (the clock cannot be moved; its date can).
    await first.server.store.db
      .updateTable("entries")
      .set({ expiry_date: LONG_AGO })
      .where("id", "=", id)
      .execute();

    // Both sweeps find it due before either has expired it.
    const now = new Date();
    const sweeps = [expirySweepOf(first), expirySweepOf(second)];
    const due = await Promise.all(sweeps.map((s) => s.due(now)));
    expect(due).toEqual([[id], [id]]);
    const expired = await Promise.all(sweeps.map((s, i) => s.expire(due[i] ?? [], now)));

    expect(expired.flat()).toEqual([id]);
    expect(await recordsOf(second, id, "entry.expired")).toBe(1);
    const changes = await second.server.store.db
      .selectFrom("change_log")
      .select("version")
      .where("kind", "=", "entry.expired")
      .where("entity_id", "=", id)
      .execute();
    expect(changes).toHaveLength(1);
    const entry = await api(`${second.baseUrl}/api/entries/${id}`);
    expect(((await entry.json()) as { entry: { state: string } }).entry.state).toBe("expired");
  });

  it("hands a queued redaction job to one process when both claim it at once", async () => {
    const created = await postJson(
      `${first.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"] }),
    );
    const id = (created.body as { entry: { id: string } }).entry.id;
    const { db } = first.server.store;
    // A job queued by hand, claimed by both processes' pools at once. The running queues poll
    // every 2 s and may take it first now and then; then the race is run again.
    let raced = 0;
    for (let round = 0; round < 5 && raced === 0; round++) {
      const at = new Date().toISOString();
      const job = await db
        .insertInto("redaction_jobs")
        .values({ entry_id: id, state: "queued", attempts: 0, created_at: at, updated_at: at })
        .returning("id")
        .executeTakeFirstOrThrow();
      const claims = await Promise.all([
        claimNextJob(first.server.store.db, at),
        claimNextJob(second.server.store.db, at),
      ]);
      const won = claims.filter((c) => c !== undefined);
      expect(won.length).toBeLessThanOrEqual(1);
      if (won.length === 1) {
        raced += 1;
        expect(won[0]).toEqual({ id: Number(job.id), entryId: id, attempts: 1 });
        const row = await db
          .selectFrom("redaction_jobs")
          .select(["state", "attempts"])
          .where("id", "=", job.id)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ state: "running", attempts: 1 });
      }
      // Settled, so that no running queue picks it up afterwards.
      await db
        .updateTable("redaction_jobs")
        .set({ state: "superseded" })
        .where("id", "=", job.id)
        .execute();
    }
    expect(raced).toBe(1);
  });
});
