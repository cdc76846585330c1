/**
 * Migrations 0028 and 0033: organisations named like a person (0028), or whose name shows their
 * legal representative's whole name (0033, a sole trader's shop), were shown whole by earlier
 * releases; their stored masked names are masked now, and the screens holding them get them
 * again at their next sync (a change-log event each), on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import type { Database } from "../../server/store/schema";
import { migrateToLatest } from "../../server/store/database";
import { deliverableEntries } from "../../server/store/delivery";
import { databaseBackends } from "../support/databases";
import { useStoreMigratedTo } from "../support/migratedStore";
import { insertDistrictWithScreens, insertEntryRow } from "../support/storeRows";

/** The newest change-log version in `db` (0 when none). */
async function newestVersion(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("change_log")
    .select((eb) => eb.fn.max("version").as("v"))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

describe.each(databaseBackends)(
  "migration 0028 masks organisations named like a person ($name)",
  (backend) => {
    const storeAt = useStoreMigratedTo();

    it("masks their stored names and republishes those on screens; leaves the rest alone", async () => {
      const store = await storeAt(
        "0027_erase_legal_representatives",
        backend.name === "SQLite" ? "sqlite" : "postgres",
      );
      await insertDistrictWithScreens(store.db, "d1", []);
      const entry = (id: string, state: string, maskedName: string, person = false) =>
        insertEntryRow(store.db, {
          id,
          state,
          maskedName,
          districtId: "d1",
          ...(person ? { subjectType: "person" as const } : {}),
        });
      await entry("sole-trader", "approved", "禤志明（个体工商户）");
      await entry("like-person", "approved", "宋明远");
      await entry("waiting", "pending_review", "Lin Xiaoyu");
      await entry("company", "approved", "东城区宏达建材有限公司");
      await entry("person", "approved", "王某", true);
      const since = await newestVersion(store.db);

      await migrateToLatest(store);

      const names = await store.db
        .selectFrom("entries")
        .select(["id", "masked_name"])
        .orderBy("id")
        .execute();
      expect(Object.fromEntries(names.map((r) => [r.id, r.masked_name]))).toEqual({
        company: "东城区宏达建材有限公司",
        "like-person": "宋某",
        person: "王某",
        "sole-trader": "禤某",
        waiting: "Lin X.",
      });
      // Only what is on screens is sent again, to where it is listed.
      const events = await store.db
        .selectFrom("change_log")
        .select(["kind", "entity_id", "scope_json"])
        .where("version", ">", since)
        .orderBy("entity_id")
        .execute();
      expect(events).toEqual(
        ["like-person", "sole-trader"].map((id) => ({
          kind: "entry.published",
          entity_id: id,
          scope_json: JSON.stringify({ districtIds: ["d1"] }),
        })),
      );
      // A kiosk that synced before the upgrade gets both in its next delta.
      const delta = await deliverableEntries(store.db, ["d1"], since);
      expect(delta.map((e) => [e.row.id, e.row.masked_name]).sort()).toEqual([
        ["like-person", "宋某"],
        ["sole-trader", "禤某"],
      ]);
    });

    it("masks the legal representative's whole name inside an organisation's name (0033)", async () => {
      const store = await storeAt(
        "0032_district_settings_review",
        backend.name === "SQLite" ? "sqlite" : "postgres",
      );
      await insertDistrictWithScreens(store.db, "d1", []);
      const shop = (id: string, maskedName: string, legalRepresentative: string | null) =>
        insertEntryRow(store.db, {
          id,
          state: "approved",
          maskedName,
          legalRepresentative,
          districtId: "d1",
        });
      await shop("owner-shop", "东城区欧阳娜娜烧烤店", "欧阳娜娜");
      await shop("other-owner", "东城区宏达建材有限公司", "钱伟");
      await shop("no-owner", "东城区老街烧烤店", null);
      const since = await newestVersion(store.db);

      await migrateToLatest(store);

      const delta = await deliverableEntries(store.db, ["d1"], since);
      expect(delta.map((e) => [e.row.id, e.row.masked_name])).toEqual([
        ["owner-shop", "东城区欧阳某烧烤店"],
      ]);
      const names = await store.db.selectFrom("entries").select("masked_name").execute();
      expect(names.map((r) => r.masked_name).join("|")).not.toContain("欧阳娜娜");
    });
  },
);
