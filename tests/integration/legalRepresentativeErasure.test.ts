/**
 * Migration 0027: a listing that ended before this release loses its legal representative's
 * name, as every listing ending from now on does (deleteRawData).
 */
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../../server/store/database";
import { useStoreMigratedTo } from "../support/migratedStore";
import { insertEntryRow } from "../support/storeRows";

describe("migration 0027 erases the legal representatives of listings that ended", () => {
  const storeAt = useStoreMigratedTo();

  it("clears the name where the raw data is gone, and keeps it where the listing runs", async () => {
    const store = await storeAt("0026_entry_changed_by");
    const entry = (id: string, state: string, sealed: Buffer | null) =>
      insertEntryRow(store.db, {
        id,
        state,
        sealed,
        maskedName: "东城区宏达建材有限公司",
        legalRepresentative: "司马长风",
      });
    await entry("revoked", "revoked", null);
    await entry("expired", "expired", null);
    await entry("live", "approved", Buffer.from("sealed"));

    await migrateToLatest(store);

    const rows = await store.db
      .selectFrom("entries")
      .select(["id", "legal_representative"])
      .orderBy("id")
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.legal_representative]))).toEqual({
      expired: null,
      live: "司马长风",
      revoked: null,
    });
  });
});
