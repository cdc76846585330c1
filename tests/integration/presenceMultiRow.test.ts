import { join } from "node:path";
import type { KyselyPlugin } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { ScreenStatus } from "../../shared/schemas/screen";
import { ScreenPresence } from "../../server/services/screens/ScreenPresence";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import { databaseBackends } from "../support/databases";
import { createTempDatabase } from "../support/postgres";
import { insertDistrictWithScreens } from "../support/storeRows";
import { makeDataDir, removeDataDir } from "../support/testServer";

const SCREENS = 300;
/** Screens that reconnect within the batch: disconnect, connect anew and report again. */
const RECONNECTING = 50;
/** The next screens go away after their report, within the batch. */
const LEAVING = 30;
const idOf = (i: number): string => `s${String(i).padStart(3, "0")}`;

/** Screen i's report: its own sizes, and (as older kiosks) not always skew or storage. */
function statusOf(i: number, uptimeSeconds: number): ScreenStatus {
  return {
    width: 1000 + i,
    height: 2000 + i,
    appVersion: `1.0.${i}`,
    appliedVersion: 0,
    currentSlide: null,
    uptimeSeconds,
    memoryMb: i % 5 === 0 ? null : 100 + i,
    ...(i % 2 === 1 ? { clockSkewMs: -i } : {}),
    ...(i % 3 === 0 ? { storageUsedMb: i + 0.5, storageQuotaMb: 4096 } : {}),
  };
}

/** Counts the statements sent through a Kysely instance (transaction begin and commit aside). */
function counting(): { plugin: KyselyPlugin; count: () => number } {
  let statements = 0;
  return {
    plugin: {
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    },
    count: () => statements,
  };
}

describe.each(databaseBackends)("presence batches as multi-row statements on $name", (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A fresh migrated store of this backend with SCREENS screens, removed after the test. */
  async function storeWithScreens(): Promise<Store> {
    let store: Store;
    if (backend.name === "SQLite") {
      const dir = makeDataDir();
      cleanups.push(() => Promise.resolve(removeDataDir(dir)));
      store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
    } else {
      const temp = await createTempDatabase();
      cleanups.push(() => temp.drop());
      store = openStore({ kind: "postgres", url: temp.url });
    }
    const opened = store;
    cleanups.push(() => opened.db.destroy());
    await migrateToLatest(store);
    await insertDistrictWithScreens(
      store.db,
      "d1",
      Array.from({ length: SCREENS }, (_, i) => idOf(i)),
    );
    return store;
  }

  it("writes a storm's connects, reports and reconnects in a few statements, each screen's in order and with its own values", async () => {
    const store = await storeWithScreens();
    const { plugin, count } = counting();
    // A clock a millisecond on at each write asked, so each write's time is its own.
    let tick = Date.parse("2026-03-02T08:00:00.000Z");
    const now = (): Date => new Date((tick += 1));
    // One batch for all (the default takes 500 at a time).
    const presence = new ScreenPresence({ db: store.db.withPlugin(plugin), now, batch: 1000 });
    // Asked within one turn, as a restart's reconnections arrive: each screen connects and
    // reports; the first ones then lose that connection, connect anew and report again; the
    // next ones go away. Each screen was last seen at its last write.
    const asked: Promise<void>[] = [];
    const lastSeen = new Map<string, string>();
    const ask = (id: string, write: Promise<void>): void => {
      asked.push(write);
      lastSeen.set(id, new Date(tick).toISOString());
    };
    for (let i = 0; i < SCREENS; i++) {
      ask(idOf(i), presence.connected(idOf(i), `a${i}`));
      ask(idOf(i), presence.recordStatus(idOf(i), `a${i}`, statusOf(i, 1)));
    }
    for (let i = 0; i < RECONNECTING; i++) {
      ask(idOf(i), presence.disconnected(idOf(i), `a${i}`));
      ask(idOf(i), presence.connected(idOf(i), `b${i}`));
      ask(idOf(i), presence.recordStatus(idOf(i), `b${i}`, statusOf(i, 2)));
    }
    for (let i = RECONNECTING; i < RECONNECTING + LEAVING; i++)
      ask(idOf(i), presence.disconnected(idOf(i), `a${i}`));
    await Promise.all(asked);
    await presence.settled();
    // 780 writes: one statement each (two for a report) was ~1,900; as multi-row statements,
    // a handful per kind per layer of each batch.
    expect(count()).toBeLessThanOrEqual(40);

    const screens = await store.db
      .selectFrom("screens")
      .select([
        "id",
        "connection_id",
        "last_seen_at",
        "width",
        "height",
        "app_version",
        "uptime_seconds",
        "memory_mb",
        "clock_skew_ms",
        "storage_used_mb",
        "storage_quota_mb",
      ])
      .orderBy("id")
      .execute();
    const leaving = (i: number) => i >= RECONNECTING && i < RECONNECTING + LEAVING;
    expect(screens).toEqual(
      Array.from({ length: SCREENS }, (_, i) => ({
        id: idOf(i),
        connection_id: i < RECONNECTING ? `b${i}` : leaving(i) ? null : `a${i}`,
        // Each last seen at its last write: a screen that left, leaving, after its report.
        last_seen_at: lastSeen.get(idOf(i)),
        width: 1000 + i,
        height: 2000 + i,
        app_version: `1.0.${i}`,
        uptime_seconds: i < RECONNECTING ? 2 : 1,
        memory_mb: i % 5 === 0 ? null : 100 + i,
        // A report without skew or storage left those alone (never set here).
        clock_skew_ms: i % 2 === 1 ? -i : null,
        storage_used_mb: i % 3 === 0 ? i + 0.5 : null,
        storage_quota_mb: i % 3 === 0 ? 4096 : null,
      })),
    );

    const connections = await store.db
      .selectFrom("screen_connections")
      .select(["screen_id", "connection_id", "disconnected_at"])
      .orderBy("screen_id")
      .orderBy("connection_id")
      .execute();
    expect(connections).toHaveLength(SCREENS + RECONNECTING);
    for (const c of connections) {
      const i = Number(c.screen_id.slice(1));
      const closed = c.connection_id === `a${i}` && (i < RECONNECTING || leaving(i));
      expect({ connection: c.connection_id, closed: c.disconnected_at !== null }).toEqual({
        connection: c.connection_id,
        closed,
      });
    }

    const reports = await store.db
      .selectFrom("screen_status_reports")
      .select(["screen_id", "report_json"])
      .execute();
    expect(reports).toHaveLength(SCREENS + RECONNECTING);
    for (const r of reports) {
      const i = Number(r.screen_id.slice(1));
      expect((JSON.parse(r.report_json) as ScreenStatus).width).toBe(1000 + i);
    }
  }, 120_000);

  it("keeps each screen's newest reports, at most 20, when one batch brings several per screen", async () => {
    const store = await storeWithScreens();
    let tick = Date.parse("2026-03-02T09:00:00.000Z");
    const presence = new ScreenPresence({ db: store.db, now: () => new Date((tick += 1)) });
    const screens = Array.from({ length: 40 }, (_, i) => idOf(i));
    // 25 reports from each of 40 screens, interleaved as they would arrive: 1,000 writes, in
    // two batches, 25 layers of up to 40 reports in a statement.
    const asked: Promise<void>[] = [];
    for (let n = 1; n <= 25; n++)
      for (const id of screens)
        asked.push(presence.recordStatus(id, `c-${id}`, statusOf(Number(id.slice(1)), n)));
    await Promise.all(asked);
    await presence.settled();
    const rows = await store.db
      .selectFrom("screen_status_reports")
      .select(["screen_id", "report_json"])
      .execute();
    const kept = new Map<string, number[]>();
    for (const r of rows)
      kept.set(r.screen_id, [
        ...(kept.get(r.screen_id) ?? []),
        (JSON.parse(r.report_json) as ScreenStatus).uptimeSeconds,
      ]);
    expect(new Set(kept.keys())).toEqual(new Set(screens));
    for (const id of screens)
      expect({ id, kept: kept.get(id)?.sort((a, b) => a - b) }).toEqual({
        id,
        kept: Array.from({ length: 20 }, (_, k) => k + 6),
      });
  }, 120_000);
});
