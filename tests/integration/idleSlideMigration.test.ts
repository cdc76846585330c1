/**
 * Migration 0031: an idle slide set by an earlier release reached screens with no second person.
 * It waits for its first approval now, and nobody who changed the district's schedule (by the
 * audit log) may give it; on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../../server/store/database";
import { databaseBackends } from "../support/databases";
import { useStoreMigratedTo } from "../support/migratedStore";
import { insertDistrictWithScreens } from "../support/storeRows";

/** The schedules table as releases before 0031 wrote it. */
interface EarlierTables {
  schedules: { district_id: string; schedule_json: string; updated_at: string };
}

describe.each(databaseBackends)(
  "migration 0031 holds idle slides for approval ($name)",
  (backend) => {
    const storeAt = useStoreMigratedTo();

    it("keeps earlier idle slides off the screens and bars everyone who changed the schedule", async () => {
      const store = await storeAt(
        "0030_change_log_pushed",
        backend.name === "SQLite" ? "sqlite" : "postgres",
      );
      const at = new Date().toISOString();
      for (const d of ["with-idle", "without"]) await insertDistrictWithScreens(store.db, d, []);
      const earlier = store.db as unknown as Kysely<EarlierTables>;
      const schedule = (idle: boolean) =>
        JSON.stringify({
          timeZone: "Asia/Shanghai",
          windows: [],
          ...(idle ? { idleSlide: { title: "便民服务", body: "" } } : {}),
        });
      await earlier
        .insertInto("schedules")
        .values([
          { district_id: "with-idle", schedule_json: schedule(true), updated_at: at },
          { district_id: "without", schedule_json: schedule(false), updated_at: at },
        ])
        .execute();
      const audit = (actor: string | null, action: string, target: string) =>
        store.db
          .insertInto("audit_log")
          .values({
            at,
            actor_type: actor === null ? "system" : "user",
            actor_id: actor,
            action,
            target_type: "district",
            target_id: target,
            details_json: "{}",
            prev_hash: "0",
            hash: "0",
          })
          .execute();
      await audit("user-b", "schedule.changed", "with-idle");
      await audit("user-a", "schedule.changed", "with-idle");
      await audit("user-b", "schedule.changed", "with-idle");
      await audit(null, "schedule.changed", "with-idle");
      // Another district's changes, and another action on this one, bar nobody here.
      await audit("user-c", "schedule.changed", "without");
      await audit("user-d", "district.updated", "with-idle");

      await migrateToLatest(store);

      const rows = await store.db
        .selectFrom("schedules")
        .select(["district_id", "idle_approved_json", "idle_changers_json"])
        .orderBy("district_id")
        .execute();
      expect(rows).toEqual([
        {
          district_id: "with-idle",
          idle_approved_json: null,
          idle_changers_json: '["user-a","user-b"]',
        },
        { district_id: "without", idle_approved_json: null, idle_changers_json: '["user-c"]' },
      ]);
    });
  },
);
