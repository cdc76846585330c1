/**
 * Migration 0032: a district's contest line and emergency setting take effect once a second
 * person approves them. Those set by an earlier release are on the street already and count as
 * approved, so no list slide loses its contest line at the upgrade; on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../../server/store/database";
import { getDistrict } from "../../server/store/districts";
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
  },
);
