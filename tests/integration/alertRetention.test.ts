import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { RetentionSweep } from "../../server/services/RetentionSweep";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { makeDataDir, removeDataDir } from "../support/testServer";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-06T12:00:00.000Z");
const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString();

describe.each(["sqlite", "postgres"] as const)(
  "retention of alerts on %s (issue 21 item 2)",
  (kind) => {
    let dir: string;
    let pg: TempDatabase | undefined;
    let store: Store;

    beforeAll(async () => {
      dir = makeDataDir();
      if (kind === "postgres") pg = await createTempDatabase();
      store = openStore(
        pg ? { kind: "postgres", url: pg.url } : { kind: "sqlite", file: join(dir, "signage.db") },
      );
      await migrateToLatest(store);
    });

    afterAll(async () => {
      await store.db.destroy();
      await pg?.drop();
      removeDataDir(dir);
    });

    it("deletes alerts resolved more than 90 days ago with their deliveries, and keeps open ones however old", async () => {
      const db = store.db;
      const alert = (id: string, raised: number, resolved: number | null) => ({
        id,
        kind: "screen_offline" as const,
        screen_id: `screen-${id}`,
        district_id: "d",
        subject: "",
        detail_json: "{}",
        raised_at: at(raised),
        resolved_at: resolved === null ? null : at(resolved),
      });
      await db
        .insertInto("alerts")
        .values([
          alert("old-resolved", 120, 100),
          alert("recent-resolved", 120, 30),
          alert("old-open", 400, null),
        ])
        .execute();
      await db
        .insertInto("alert_deliveries")
        .values(
          ["old-resolved", "recent-resolved"].map((id) => ({
            id: `delivery-${id}`,
            alert_id: id,
            event: "alert.resolved" as const,
            payload_json: "{}",
            next_attempt_at: null,
            delivered_at: at(1),
            last_error: null,
            created_at: at(1),
          })),
        )
        .execute();
      const sweepWith = (env: Record<string, string>) =>
        new RetentionSweep({
          db,
          log: pino({ level: "silent" }),
          settings: loadConfig(env).retention,
          now: () => new Date(NOW),
        });
      expect(await sweepWith({}).sweepAlerts()).toBe(1);
      const left = await db.selectFrom("alerts").select("id").orderBy("id").execute();
      expect(left.map((r) => r.id)).toEqual(["old-open", "recent-resolved"]);
      const deliveries = await db.selectFrom("alert_deliveries").select("alert_id").execute();
      expect(deliveries.map((d) => d.alert_id)).toEqual(["recent-resolved"]);
      // A city may keep them for less time.
      expect(await sweepWith({ SIGNAGE_RETAIN_ALERTS_DAYS: "7" }).sweepAlerts()).toBe(1);
      expect(await db.selectFrom("alerts").select("id").execute()).toEqual([{ id: "old-open" }]);
    });
  },
);
