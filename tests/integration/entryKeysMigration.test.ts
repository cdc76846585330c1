import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Migrator, sql, type Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { rawDataAad, RawVault } from "../../server/services/crypto/RawVault";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import { migrationProvider } from "../../server/store/migrations";
import type { Database } from "../../server/store/schema";
import { makeDataDir, removeDataDir } from "../support/testServer";

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.db.destroy();
  for (const d of dirs.splice(0)) removeDataDir(d);
});

/** A SQLite database migrated up to just before 0010, as a server of yesterday left it. */
async function legacyStore(dir = makeDataDir()): Promise<Store> {
  dirs.push(dir);
  const store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
  stores.push(store);
  const names = Object.keys(await migrationProvider("sqlite").getMigrations()).sort();
  const before = names.filter((n) => n < "0010").at(-1);
  if (!before) throw new Error("no migration before 0010");
  const { error } = await new Migrator({
    db: store.db,
    provider: migrationProvider("sqlite"),
  }).migrateTo(before);
  if (error) throw error instanceof Error ? error : new Error("migrating to before 0010 failed");
  return store;
}

/** Inserts an entry row the way the code before 0010 wrote it (plain full name). */
async function insertLegacyEntry(
  db: Kysely<Database>,
  row: { id: string; state: string; fullName: string; idSealed: Buffer | null; fp: string | null },
): Promise<void> {
  await sql`insert into entries (id, kind, subject_type, state, full_name, masked_name,
      id_number_sealed, id_fingerprint, sex, case_number, court, obligation, currency,
      performance, listing_ground, listing_date, expiry_date, source, has_photo,
      redaction_status, created_at, updated_at)
    values (${row.id}, 'discredited', 'person', ${row.state}, ${row.fullName}, '欧阳某',
      ${row.idSealed}, ${row.fp}, 'female', ${`case-${row.id}`}, '法院', '', 'CNY', '未履行',
      '理由', '2026-01-01', '2028-01-01', 'test', 1, 'done', '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z')`.execute(db);
}

describe("migration 0010 moves existing entries onto their own data keys", () => {
  it("seals live entries' names and re-seals their photos and ID numbers; erases ended ones", async () => {
    const dir = makeDataDir();
    const store = await legacyStore(dir);
    const vault = RawVault.fromMasterKey(randomBytes(32));
    const photo = randomBytes(4096);
    const idAad = (id: string) => rawDataAad("id_number", id);
    await insertLegacyEntry(store.db, {
      id: "live",
      state: "approved",
      fullName: "欧阳娜娜",
      idSealed: vault.sealLegacy(Buffer.from("110101199003071234"), idAad("live")),
      fp: vault.idFingerprint("110101199003071234"),
    });
    await sql`insert into raw_photos (entry_id, sealed, created_at)
      values ('live', ${vault.sealLegacy(photo, rawDataAad("photo", "live"))}, 'x')`.execute(
      store.db,
    );
    await insertLegacyEntry(store.db, {
      id: "ended",
      state: "revoked",
      fullName: "欧阳丽丽",
      idSealed: null,
      fp: vault.idFingerprint("110101199505051111"),
    });

    await migrateToLatest(store, { legacy: vault });

    // Neither plain name survives in any file of the folder (secure_delete, then the
    // checkpoint migrateToLatest runs after applying migrations).
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      for (const name of ["欧阳娜娜", "欧阳丽丽"])
        expect(bytes.includes(Buffer.from(name, "utf8")), `${name} in ${file}`).toBe(false);
    }
    const columns = await sql<{ name: string }>`pragma table_info(entries)`.execute(store.db);
    expect(columns.rows.map((c) => c.name)).not.toContain("full_name");
    const live = await store.db
      .selectFrom("entries")
      .selectAll()
      .where("id", "=", "live")
      .executeTakeFirstOrThrow();
    const { wrapped } = await store.db
      .selectFrom("entry_keys")
      .select("wrapped")
      .where("entry_id", "=", "live")
      .executeTakeFirstOrThrow();
    const key = vault.unwrapDataKey(wrapped, "live");
    expect(
      live.full_name_sealed &&
        key.open(live.full_name_sealed, rawDataAad("full_name", "live")).toString(),
    ).toBe("欧阳娜娜");
    expect(live.id_number_sealed && key.open(live.id_number_sealed, idAad("live")).toString()).toBe(
      "110101199003071234",
    );
    // The live entry keeps its fingerprint (same ID in another live case); the old envelopes
    // are gone: the master key alone no longer opens them.
    expect(live.id_fingerprint).toBe(vault.idFingerprint("110101199003071234"));
    const sealedPhoto = await store.db
      .selectFrom("raw_photos")
      .select("sealed")
      .where("entry_id", "=", "live")
      .executeTakeFirstOrThrow();
    expect(key.open(sealedPhoto.sealed, rawDataAad("photo", "live")).equals(photo)).toBe(true);
    expect(() => vault.openLegacy(sealedPhoto.sealed, rawDataAad("photo", "live"))).toThrow();

    const ended = await store.db
      .selectFrom("entries")
      .selectAll()
      .where("id", "=", "ended")
      .executeTakeFirstOrThrow();
    expect(ended).toMatchObject({
      masked_name: "欧阳某",
      full_name_sealed: null,
      id_number_sealed: null,
      id_fingerprint: null,
    });
    expect(
      await store.db.selectFrom("entry_keys").selectAll().where("entry_id", "=", "ended").execute(),
    ).toEqual([]);
  });

  it("refuses without the master key when there is something to seal, and changes nothing", async () => {
    const store = await legacyStore();
    const vault = RawVault.fromMasterKey(randomBytes(32));
    await insertLegacyEntry(store.db, {
      id: "live",
      state: "pending_review",
      fullName: "欧阳娜娜",
      idSealed: null,
      fp: null,
    });
    await expect(migrateToLatest(store)).rejects.toThrow(/0010_entry_keys.*master key/);
    const columns = await sql<{ name: string }>`pragma table_info(entries)`.execute(store.db);
    expect(columns.rows.map((c) => c.name)).toContain("full_name");
    // Given the key, the same database migrates.
    await migrateToLatest(store, { legacy: vault });
    const row = await store.db
      .selectFrom("entries")
      .select("full_name_sealed")
      .where("id", "=", "live")
      .executeTakeFirstOrThrow();
    expect(row.full_name_sealed).not.toBeNull();
  });
});
