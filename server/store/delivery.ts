import type { Kysely, Transaction } from "kysely";
import type { Database, EntryRow } from "./schema";
import { districtsOf } from "./entries";
import { lockScreenRows } from "./screens";
import { databaseKindOf } from "./transactionLocks";

type Db = Kysely<Database> | Transaction<Database>;

/** The columns a screen's copy of an entry is made from (never the name or sealed data). */
export const SCREEN_ENTRY_COLUMNS = [
  "entries.id",
  "entries.kind",
  "entries.subject_type",
  "entries.masked_name",
  "entries.case_number",
  "entries.court",
  "entries.obligation",
  "entries.amount_minor",
  "entries.currency",
  "entries.listing_ground",
  "entries.listing_date",
  "entries.expiry_date",
  "entries.published_version",
  "entries.legal_basis_number",
  "entries.legal_basis_issuer",
  "entries.performance",
  "entries.updated_at",
  "entries.public_id",
] as const;

/** An entry row as far as screens see it. */
export type ScreenEntryRow = Pick<
  EntryRow,
  | "id"
  | "kind"
  | "subject_type"
  | "masked_name"
  | "case_number"
  | "court"
  | "obligation"
  | "amount_minor"
  | "currency"
  | "listing_ground"
  | "listing_date"
  | "expiry_date"
  | "published_version"
  | "legal_basis_number"
  | "legal_basis_issuer"
  | "performance"
  | "updated_at"
  | "public_id"
>;

/** An approved entry a screen may show, with its display rendition and its districts' zones. */
export interface DeliverableEntry {
  row: ScreenEntryRow;
  /** The time zones of every district it is listed in (the earliest expiry wins). */
  timeZones: string[];
  photo: { hash: string; mime: string; width: number; height: number } | null;
}

const ENTRY_EVENTS = [
  "entry.published",
  "entry.revoked",
  "entry.expired",
  "entry.withdrawn",
] as const;

/** Ids of entries with any change-log event after `version` (published, withdrawn, ended). */
export async function entriesChangedSince(db: Db, version: number): Promise<string[]> {
  const rows = await db
    .selectFrom("change_log")
    .select("entity_id")
    .where("kind", "in", [...ENTRY_EVENTS])
    .where("version", ">", version)
    .distinct()
    .execute();
  return rows.map((r) => r.entity_id);
}

/**
 * The approved entries listed in any district of `chain` (a screen's district and its
 * ancestors) — only those changed after `sinceVersion` when given — each with its verified
 * display rendition. The id sets stay inside the database as subqueries, so a city of any
 * size never hits a bound-parameter limit.
 */
export async function deliverableEntries(
  db: Db,
  chain: readonly string[],
  sinceVersion?: number,
  onlyId?: string,
): Promise<DeliverableEntry[]> {
  if (chain.length === 0) return [];
  const ids = () => {
    let q = db
      .selectFrom("entries")
      .select("entries.id")
      .where("entries.state", "=", "approved")
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("entry_districts")
            .select("entry_districts.entry_id")
            .whereRef("entry_districts.entry_id", "=", "entries.id")
            .where("entry_districts.district_id", "in", [...chain]),
        ),
      );
    if (onlyId !== undefined) q = q.where("entries.id", "=", onlyId);
    if (sinceVersion !== undefined)
      q = q.where("entries.id", "in", (eb) =>
        eb
          .selectFrom("change_log")
          .select("change_log.entity_id")
          .where("change_log.kind", "in", [...ENTRY_EVENTS])
          .where("change_log.version", ">", sinceVersion),
      );
    return q;
  };
  const rows = await db
    .selectFrom("entries")
    .select([...SCREEN_ENTRY_COLUMNS])
    .where("entries.id", "in", ids())
    .orderBy("entries.published_version")
    .execute();
  if (rows.length === 0) return [];
  const zones = await db
    .selectFrom("entry_districts")
    .innerJoin("districts", "districts.id", "entry_districts.district_id")
    .select(["entry_districts.entry_id", "districts.time_zone"])
    .where("entry_districts.entry_id", "in", ids())
    .execute();
  const photos = await db
    .selectFrom("renditions")
    .select(["entry_id", "hash", "mime", "width", "height"])
    .where("entry_id", "in", ids())
    .where("variant", "=", "display")
    .execute();
  const zonesOf = new Map<string, string[]>();
  for (const z of zones) zonesOf.set(z.entry_id, [...(zonesOf.get(z.entry_id) ?? []), z.time_zone]);
  const photoOf = new Map(photos.map((p) => [p.entry_id, p]));
  return rows.map((row) => {
    const p = photoOf.get(row.id);
    return {
      row,
      timeZones: zonesOf.get(row.id) ?? [],
      photo: p
        ? { hash: p.hash, mime: p.mime, width: Number(p.width), height: Number(p.height) }
        : null,
    };
  });
}

/**
 * One approved entry as its screens get it (as a sync would deliver it), or undefined when it
 * is not deliverable (not approved any more).
 */
export async function deliverableEntry(db: Db, id: string): Promise<DeliverableEntry | undefined> {
  const chain = (await districtsOf(db, [id])).get(id) ?? [];
  return (await deliverableEntries(db, chain, undefined, id))[0];
}

/** Who may fetch a rendition: the states and districts of the entries that hold those bytes. */
export async function renditionHolders(db: Db, hash: string) {
  return db
    .selectFrom("renditions")
    .innerJoin("entries", "entries.id", "renditions.entry_id")
    .innerJoin("entry_districts", "entry_districts.entry_id", "entries.id")
    .select([
      "renditions.entry_id",
      "renditions.mime",
      "entries.state",
      "entry_districts.district_id",
    ])
    .where("renditions.hash", "=", hash)
    .execute();
}

/** The bytes of a rendition by hash (any holder: the bytes are the same). */
export async function renditionByHash(db: Db, hash: string) {
  return db
    .selectFrom("renditions")
    .select(["bytes", "mime"])
    .where("hash", "=", hash)
    .limit(1)
    .executeTakeFirst();
}

/** A kiosk's acknowledgement: everything up to `version`, and whether it was a full manifest. */
export interface AppliedAck {
  version: number;
  /** A full manifest the kiosk applied: its version, and the screen's district epoch it was for. */
  full?: { version: number; epoch: number };
}

/**
 * Records that screens applied everything up to their versions, in one transaction; a version
 * never moves backwards, and a claim of a version the server never issued is dropped. A full
 * manifest made for the screen's current district epoch also ends its "may hold content from
 * elsewhere" state; one made before a later move ends nothing.
 */
export async function recordAppliedVersions(
  db: Kysely<Database>,
  acks: readonly (readonly [screenId: string, ack: AppliedAck])[],
): Promise<AdvancedScreen[]> {
  const inOrder = [...acks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const postgres = databaseKindOf(db) === "postgres";
  return db.transaction().execute(async (trx) => {
    const advanced: AdvancedScreen[] = [];
    // What each screen had acknowledged before, to say which versions this batch newly covers.
    const before = new Map<string, { applied_version: number; district_id: string }>();
    const ids = inOrder.map(([id]) => id);
    for (let i = 0; i < ids.length; i += 500)
      for (const row of await trx
        .selectFrom("screens")
        .select(["id", "applied_version", "district_id"])
        .where("id", "in", ids.slice(i, i + 500))
        .execute())
        before.set(row.id, row);
    const newest = Number(
      (
        await trx
          .selectFrom("change_log")
          .select((eb) => eb.fn.max("version").as("v"))
          .executeTakeFirst()
      )?.v ?? 0,
    );
    // Screens that acknowledged the same version (a whole fleet after one takedown) are moved in
    // one statement per 500, not one each: a statement is a round trip to the database. Only
    // those that move: a kiosk back from a reconnect mostly acknowledges what it had.
    const byVersion = new Map<number, string[]>();
    const moving: string[] = [];
    for (const [screenId, { version }] of inOrder) {
      // A claim beyond what the server issued is not an acknowledgement of anything.
      if (version > newest || Number(before.get(screenId)?.applied_version ?? version) >= version)
        continue;
      moving.push(screenId);
      const same = byVersion.get(version);
      if (same) same.push(screenId);
      else byVersion.set(version, [screenId]);
    }
    // On PostgreSQL the rows that move are locked first, in screen id order, the order every
    // batch of screen writes takes its row locks in (ScreenPresence): the updates, grouped by
    // version, then wait on nothing, and two batches never wait on each other in a cycle.
    if (postgres) await lockScreenRows(trx, moving);
    for (const [version, screenIds] of byVersion)
      for (let i = 0; i < screenIds.length; i += 500)
        await trx
          .updateTable("screens")
          .set({ applied_version: version })
          .where("id", "in", screenIds.slice(i, i + 500))
          .where("applied_version", "<", version)
          .execute();
    for (const [screenId, { version, full }] of inOrder) {
      if (version <= newest) {
        const was = before.get(screenId);
        if (was && Number(was.applied_version) < version)
          advanced.push({
            screenId,
            districtId: was.district_id,
            from: Number(was.applied_version),
            version,
          });
      }
      if (full !== undefined && full.version <= newest)
        await trx
          .updateTable("screens")
          .set({ stale_cleared_version: full.version })
          .where("id", "=", screenId)
          .where("district_epoch", "=", full.epoch)
          .where("stale_districts_json", "is not", null)
          .where("stale_cleared_version", "is", null)
          .execute();
    }
    return advanced;
  });
}

/** A screen whose acknowledged version moved forward in a batch. */
export interface AdvancedScreen {
  screenId: string;
  districtId: string;
  /** The version it had acknowledged before. */
  from: number;
  /** The version it acknowledged now. */
  version: number;
}
