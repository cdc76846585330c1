/**
 * Migration 0032: a district's contest line and emergency setting take effect once a second
 * person approves them. Those set by an earlier release are on the street already and count as
 * approved, so no list slide loses its contest line at the upgrade; and a save racing an
 * approval does not undo it; on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../../server/store/database";
import {
  approveDistrictSettings,
  getDistrict,
  savedSettingsOf,
  updateDistrict,
} from "../../server/store/districts";
import { reviewedSettingsJson } from "../../shared/schemas/district";
import {
  contestLineOf,
  emergencyApprovalOf,
  settingsReviewOf,
} from "../../server/services/districtSettings";
import { databaseBackends } from "../support/databases";
import { useStoreMigratedTo } from "../support/migratedStore";
import { insertDistrictWithScreens } from "../support/storeRows";

/** The districts' columns 0032 reads, as releases before it wrote them. */
interface EarlierTables {
  districts: {
    id: string;
    contest_contact: string | null;
    emergency_approval: string | null;
  };
}

describe.each(databaseBackends)(
  "migration 0032 counts earlier contest lines and emergency settings as approved ($name)",
  (backend) => {
    const storeAt = useStoreMigratedTo();

    it("keeps each district's line and setting in effect, with nothing waiting", async () => {
      const store = await storeAt(
        "0031_idle_slide_review",
        backend.name === "SQLite" ? "sqlite" : "postgres",
      );
      for (const d of ["strict", "plain"]) await insertDistrictWithScreens(store.db, d, []);
      const earlier = store.db as unknown as Kysely<EarlierTables>;
      await earlier
        .updateTable("districts")
        .set({ contest_contact: "0411-12368", emergency_approval: "two-person" })
        .where("id", "=", "strict")
        .execute();

      await migrateToLatest(store);

      for (const id of ["strict", "plain"]) {
        const row = await getDistrict(store.db, id);
        if (!row) throw new Error(`district ${id} is gone`);
        expect(settingsReviewOf(row)).toMatchObject({ pending: false, changedBy: [] });
        expect(contestLineOf([row])).toMatchObject({
          contestText: "致电 12345",
          fromDistrictId: id,
        });
      }
      const strict = await getDistrict(store.db, "strict");
      if (!strict) throw new Error("district strict is gone");
      expect(contestLineOf([strict]).contestContact).toBe("0411-12368");
      expect(emergencyApprovalOf([strict])).toBe("two-person");
    });

    it("does not let a save that read the district before an approval undo it", async () => {
      const store = await storeAt(
        "0031_idle_slide_review",
        backend.name === "SQLite" ? "sqlite" : "postgres",
      );
      await migrateToLatest(store);
      await insertDistrictWithScreens(store.db, "raced", []);
      await store.db
        .updateTable("districts")
        .set({ contest_text: "新的说明", settings_changers_json: '["user-a"]' })
        .where("id", "=", "raced")
        .execute();
      const read = await getDistrict(store.db, "raced");
      if (!read) throw new Error("district raced is gone");
      expect(
        await approveDistrictSettings(store.db, read, reviewedSettingsJson(savedSettingsOf(read))),
      ).toBe(true);
      // The save read the row before the approval committed: it is refused, not written.
      expect(await updateDistrict(store.db, { ...read, name_en: "Raced" }, read)).toBe(false);
      const after = await getDistrict(store.db, "raced");
      expect(after && settingsReviewOf(after)).toMatchObject({ pending: false, changedBy: [] });
      expect(after?.name_en).not.toBe("Raced");
    });
  },
);
