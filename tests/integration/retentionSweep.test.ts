import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { AuditLog } from "../../server/services/AuditLog";
import { RawVault } from "../../server/services/crypto/RawVault";
import { RetentionSweep } from "../../server/services/RetentionSweep";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { makeDataDir, removeDataDir, startTestServer } from "../support/testServer";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.parse("2026-06-01T00:00:00.000Z");
const iso = (ms: number): string => new Date(ms).toISOString();

/** The plays that exist before a sweep at NOW, by id, with how long ago each was shown. */
const plays: Record<string, number> = {
  "past-400-days": 400 * DAY + 1,
  "long-ago": 900 * DAY,
  "exactly-400-days": 400 * DAY,
  "just-inside": 400 * DAY - 1,
  yesterday: DAY,
};

/** Sessions before the sweep: when each idle deadline was and when it was created, relative to NOW. */
const sessions: Record<string, { expiresAgo: number; createdAgo: number }> = {
  "idled-out-31-days-ago": { expiresAgo: 30 * DAY + 1, createdAgo: 30 * DAY + 3 * HOUR },
  "idled-out-29-days-ago": { expiresAgo: 29 * DAY, createdAgo: 29 * DAY + 3 * HOUR },
  // Kept sliding its idle deadline, but ended at its 12-hour maximum age 31 days ago.
  "maxed-out-31-days-ago": { expiresAgo: -HOUR, createdAgo: 31 * DAY + 12 * HOUR },
  active: { expiresAgo: -HOUR, createdAgo: HOUR },
};

async function seed(store: Store): Promise<void> {
  const { db } = store;
  const at = iso(NOW - 1000 * DAY);
  await db
    .insertInto("districts")
    .values({
      id: "da",
      parent_id: null,
      name_zh: "东城",
      name_en: "Dongcheng",
      time_zone: "Asia/Shanghai",
      language: "zh-CN",
      contest_text: "",
      contest_url: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db
    .insertInto("screens")
    .values({
      id: "s1",
      name: "Gate",
      district_id: "da",
      location: "gate",
      state: "active",
      token_hash: "h",
      paired_at: at,
      last_seen_at: null,
      width: null,
      height: null,
      app_version: null,
      current_slide: null,
      uptime_seconds: null,
      memory_mb: null,
    })
    .execute();
  for (const [id, ago] of Object.entries(plays))
    await db
      .insertInto("plays")
      .values({
        screen_id: "s1",
        play_id: id,
        kind: "announcement",
        content_id: "a1",
        version: 1,
        started_at: iso(NOW - ago),
        duration_ms: 8000,
        received_at: iso(NOW - ago + 60_000),
      })
      .execute();
  await db
    .insertInto("users")
    .values({
      id: "u1",
      email: "op@example.test",
      display_name: "Op",
      password_hash: "x",
      state: "active",
      must_change_password: 0,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [id, s] of Object.entries(sessions))
    await db
      .insertInto("sessions")
      .values({
        id_hash: id,
        user_id: "u1",
        created_at: iso(NOW - s.createdAgo),
        last_seen_at: iso(NOW - s.createdAgo),
        expires_at: iso(NOW - s.expiresAgo),
      })
      .execute();
}

describe.each(["sqlite", "postgres"] as const)("retention sweep on %s (issue 21)", (kind) => {
  let dir: string;
  let pg: TempDatabase | undefined;
  let store: Store;
  let audit: AuditLog;

  beforeAll(async () => {
    dir = makeDataDir();
    if (kind === "postgres") pg = await createTempDatabase();
    store = openStore(
      pg ? { kind: "postgres", url: pg.url } : { kind: "sqlite", file: join(dir, "signage.db") },
    );
    await migrateToLatest(store);
    audit = new AuditLog({
      db: store.db,
      kind: store.kind,
      key: RawVault.open({ dataDir: dir }).auditChainKey(),
    });
    await seed(store);
  });

  afterAll(async () => {
    await store.db.destroy();
    await pg?.drop();
    removeDataDir(dir);
  });

  it("deletes exactly the plays and ended sessions past their age, and records how many", async () => {
    const { retention } = loadConfig({});
    expect(retention).toEqual({ playsDays: 400, endedSessionsDays: 30 });
    const sweep = new RetentionSweep({
      db: store.db,
      log: pino({ level: "silent" }),
      settings: retention,
      audit,
      now: () => new Date(NOW),
    });

    expect(await sweep.sweep()).toEqual({ plays: 2, sessions: 2 });
    const leftPlays = await store.db.selectFrom("plays").select("play_id").execute();
    expect(leftPlays.map((p) => p.play_id).sort()).toEqual([
      "exactly-400-days",
      "just-inside",
      "yesterday",
    ]);
    const leftSessions = await store.db.selectFrom("sessions").select("id_hash").execute();
    expect(leftSessions.map((s) => s.id_hash).sort()).toEqual(["active", "idled-out-29-days-ago"]);
    const [record] = await audit.list({ action: "retention.swept", limit: 5 });
    expect(JSON.parse(record?.details_json ?? "{}")).toMatchObject({ plays: 2, sessions: 2 });

    // Nothing more is due: the next sweep deletes nothing and records nothing.
    expect(await sweep.sweep()).toEqual({ plays: 0, sessions: 0 });
    expect(await audit.list({ action: "retention.swept", limit: 5 })).toHaveLength(1);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it("takes its ages from the settings", () => {
    const { retention } = loadConfig({
      SIGNAGE_RETAIN_PLAYS_DAYS: "90",
      SIGNAGE_RETAIN_SESSIONS_DAYS: "7",
    });
    expect(retention).toEqual({ playsDays: 90, endedSessionsDays: 7 });
    expect(() => loadConfig({ SIGNAGE_RETAIN_PLAYS_DAYS: "0" })).toThrow(
      /SIGNAGE_RETAIN_PLAYS_DAYS must be a whole number of days/,
    );
  });
});

describe("retention sweep started with the server (issue 21)", () => {
  it("deletes a play older than the setting soon after the server starts", async () => {
    const first = await startTestServer({ signIn: false });
    const file = join(first.dataDir, "signage.db");
    await first.stop();
    const store = openStore({ kind: "sqlite", file });
    const now = Date.now();
    try {
      await seed(store);
      await store.db.deleteFrom("plays").execute();
      for (const [id, ago] of [
        ["31-days-ago", 31 * DAY],
        ["yesterday", DAY],
      ] as const)
        await store.db
          .insertInto("plays")
          .values({
            screen_id: "s1",
            play_id: id,
            kind: "announcement",
            content_id: "a1",
            version: 1,
            started_at: iso(now - ago),
            duration_ms: 8000,
            received_at: iso(now - ago),
          })
          .execute();
    } finally {
      await store.db.destroy();
    }
    const t = await startTestServer({
      dataDir: first.dataDir,
      signIn: false,
      env: { SIGNAGE_RETAIN_PLAYS_DAYS: "30" },
    });
    try {
      const left = async (): Promise<string[]> =>
        (await t.server.store.db.selectFrom("plays").select("play_id").execute()).map(
          (p) => p.play_id,
        );
      const deadline = Date.now() + 30_000;
      while ((await left()).length > 1 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(await left()).toEqual(["yesterday"]);
    } finally {
      await t.stop();
      removeDataDir(first.dataDir);
    }
  });
});
