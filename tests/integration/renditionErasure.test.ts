/**
 * Migration 0029: a listing that ended before this release loses its redacted renditions (the
 * raw photo's own pixels outside the covered faces) and its redaction result, as every listing
 * ending from now on does (deleteRawData), on SQLite and PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../../server/store/database";
import type { Database } from "../../server/store/schema";
import { databaseBackends } from "../support/databases";
import { useStoreMigratedTo } from "../support/migratedStore";
import { insertEntryRow } from "../support/storeRows";

/** Stores a display and a thumb rendition (random bytes, found by a scan) and a redaction result. */
async function insertRedaction(db: Kysely<Database>, entryId: string): Promise<Buffer[]> {
  const at = "2026-01-15T00:00:00.000Z";
  const bytes = [randomBytes(4096), randomBytes(1024)];
  for (const [i, variant] of (["display", "thumb"] as const).entries()) {
    const b = bytes[i] ?? Buffer.alloc(0);
    await db
      .insertInto("renditions")
      .values({
        entry_id: entryId,
        variant,
        hash: `${entryId}-${variant}`,
        mime: "image/webp",
        width: variant === "display" ? 600 : 150,
        height: variant === "display" ? 800 : 200,
        bytes: b,
        created_at: at,
      })
      .execute();
  }
  await db
    .insertInto("redaction_results")
    .values({
      entry_id: entryId,
      verdict: "publishable",
      reason: null,
      style: "mosaic",
      detail_json: JSON.stringify({ faces: [{ x: 0.4, y: 0.2, w: 0.2, h: 0.2 }] }),
      manual_regions_json: null,
      completed_at: at,
    })
    .execute();
  return bytes;
}

/** The SQLite database file and its WAL, as bytes a hex editor would see. */
async function sqliteFiles(db: Kysely<Database>): Promise<Buffer[]> {
  const main = (
    await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(
      db,
    )
  ).rows[0]?.file;
  if (!main) throw new Error("no database file");
  return [main, `${main}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
}

describe.each(databaseBackends)(
  "migration 0029 erases the renditions of listings that ended ($name)",
  (backend) => {
    const storeAt = useStoreMigratedTo();

    it("deletes the renditions and redaction results of revoked and expired entries only", async () => {
      const kind = backend.name === "SQLite" ? "sqlite" : "postgres";
      const store = await storeAt("0028_remask_organisations", kind);
      const stored: Record<string, Buffer[]> = {};
      for (const [id, state] of [
        ["revoked", "revoked"],
        ["expired", "expired"],
        ["live", "approved"],
        ["waiting", "pending_review"],
      ] as const) {
        await insertEntryRow(store.db, {
          id,
          state,
          maskedName: "王某",
          subjectType: "person",
          sealed: state === "revoked" || state === "expired" ? null : Buffer.from("sealed"),
        });
        stored[id] = await insertRedaction(store.db, id);
      }

      await migrateToLatest(store);

      const renditions = await store.db
        .selectFrom("renditions")
        .select(["entry_id", "variant"])
        .orderBy("entry_id")
        .orderBy("variant")
        .execute();
      expect(renditions).toEqual([
        { entry_id: "live", variant: "display" },
        { entry_id: "live", variant: "thumb" },
        { entry_id: "waiting", variant: "display" },
        { entry_id: "waiting", variant: "thumb" },
      ]);
      const results = await store.db
        .selectFrom("redaction_results")
        .select("entry_id")
        .orderBy("entry_id")
        .execute();
      expect(results.map((r) => r.entry_id)).toEqual(["live", "waiting"]);
      // The entry rows stay as the record.
      const entries = await store.db.selectFrom("entries").select("id").orderBy("id").execute();
      expect(entries.map((e) => e.id)).toEqual(["expired", "live", "revoked", "waiting"]);

      if (kind === "sqlite") {
        // And no byte of the erased ones is left in the file or its WAL (secure_delete and the
        // checkpoint after migrating), while the live ones are: the scan works.
        const files = await sqliteFiles(store.db);
        const found = (bytes: Buffer[]) =>
          bytes.filter((b) => files.some((f) => f.includes(b.subarray(1000, 1064)))).length;
        expect(found([...(stored["revoked"] ?? []), ...(stored["expired"] ?? [])])).toBe(0);
        expect(found([...(stored["live"] ?? []), ...(stored["waiting"] ?? [])])).toBe(4);
      }
    });
  },
);
