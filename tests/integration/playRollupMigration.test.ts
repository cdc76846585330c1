import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../../server/store/database";
import { useStoreMigratedTo } from "../support/migratedStore";

const storeAt = useStoreMigratedTo();

describe("migration 0022 sums the plays already stored into the daily rollup", () => {
  it("backfills one row per screen, content and UTC day with its plays and milliseconds", async () => {
    const store = await storeAt("0021_kiosk_releases");
    // Plays as a server before 0022 stored them (the screens themselves do not matter here).
    await sql`pragma foreign_keys = off`.execute(store.db);
    const play = (id: string, screen: string, content: string, startedAt: string, ms: number) =>
      sql`insert into plays (screen_id, play_id, kind, content_id, version, started_at,
          duration_ms, received_at)
        values (${screen}, ${id}, 'entry', ${content}, 1, ${startedAt}, ${ms}, ${startedAt})`.execute(
        store.db,
      );
    await play("p1", "s1", "e1", "2026-03-01T00:00:00.000Z", 1_000);
    await play("p2", "s1", "e1", "2026-03-01T23:59:59.999Z", 2_000);
    await play("p3", "s1", "e1", "2026-03-02T00:00:00.000Z", 4_000);
    await play("p4", "s2", "e1", "2026-03-01T12:00:00.000Z", 8_000);
    await play("p5", "s1", "e2", "2026-03-01T12:00:00.000Z", 16_000);

    await migrateToLatest(store);

    const rows = await store.db
      .selectFrom("play_days")
      .selectAll()
      .orderBy("screen_id")
      .orderBy("day")
      .orderBy("content_id")
      .execute();
    expect(
      rows.map((r) => ({ ...r, plays: Number(r.plays), total_ms: Number(r.total_ms) })),
    ).toEqual([
      {
        screen_id: "s1",
        day: "2026-03-01",
        kind: "entry",
        content_id: "e1",
        plays: 2,
        total_ms: 3_000,
      },
      {
        screen_id: "s1",
        day: "2026-03-01",
        kind: "entry",
        content_id: "e2",
        plays: 1,
        total_ms: 16_000,
      },
      {
        screen_id: "s1",
        day: "2026-03-02",
        kind: "entry",
        content_id: "e1",
        plays: 1,
        total_ms: 4_000,
      },
      {
        screen_id: "s2",
        day: "2026-03-01",
        kind: "entry",
        content_id: "e1",
        plays: 1,
        total_ms: 8_000,
      },
    ]);
  });
});
