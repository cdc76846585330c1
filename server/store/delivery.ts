import type { Kysely, Transaction } from "kysely";
import type { Database, EntryRow } from "./schema";
import { districtsOf } from "./entries";
import { lockScreenRows } from "./screens";
import { databaseKindOf } from "./transactionLocks";
import { REPUSHED_KINDS, type ChangeKind } from "./changeLog";

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The columns a screen's copy of an entry is made from (never the name or sealed data; the legal
 * representative only to mask it in an organisation's name, never shown).
 */
export const SCREEN_ENTRY_COLUMNS = [
  "entries.id",
  "entries.kind",
  "entries.subject_type",
  "entries.masked_name",
  "entries.legal_representative",
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
  | "legal_representative"
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
  /** Everything up to it applied (a sync); 0 when only pushes were acknowledged. */
  version: number;
  /**
   * Takedowns applied from pushes (their versions): each one, not what came before it. The
   * screen counts as having applied up to the newest of them only when no takedown meant for it
   * lies unacknowledged below (see `claimedVersions`).
   */
  pushed?: number[];
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
  /** Filled with the pushed versions each screen could not be counted for yet. */
  held?: Map<string, number[]>,
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
    held?.clear();
    const claimed = await claimedVersions(trx, inOrder, before, newest, held);
    // Screens that acknowledged the same version (a whole fleet after one takedown) are moved in
    // one statement per 500, not one each: a statement is a round trip to the database. Only
    // those that move: a kiosk back from a reconnect mostly acknowledges what it had.
    const byVersion = new Map<number, string[]>();
    const moving: string[] = [];
    for (const [screenId] of inOrder) {
      const version = claimed.get(screenId) ?? 0;
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
    for (const [screenId, { full }] of inOrder) {
      const version = claimed.get(screenId) ?? 0;
      if (version > 0 && version <= newest) {
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

/** Takedowns, and what a kiosk learns only by a sync (a sent emergency): gaps a push ack cannot cross. */
const GAP_KINDS: ChangeKind[] = [...REPUSHED_KINDS, "emergency.sent"];

/** Widest span of versions a push acknowledgement is weighed over; a screen further behind waits for its sync. */
const PUSH_WINDOW = 10_000;

/**
 * The version each screen of a batch may be counted as having applied. A sync's acknowledgement
 * covers everything up to it. A push's covers the takedowns it names, and everything up to the
 * newest of them only while no takedown meant for the screen's district chain (nor a sent
 * emergency) lies between that is not among them (its push lost, or not yet applied):
 * acknowledging one takedown never counts an earlier one as done. Pushed versions it could not
 * count yet go in `held`, to be weighed again with the screen's next acknowledgement.
 */
async function claimedVersions(
  trx: Transaction<Database>,
  acks: readonly (readonly [string, AppliedAck])[],
  before: ReadonlyMap<string, { applied_version: number; district_id: string }>,
  /** The newest version issued: a pushed version beyond it acknowledges nothing. */
  newest: number,
  held?: Map<string, number[]>,
): Promise<Map<string, number>> {
  const claimed = new Map<string, number>();
  const weighed: { screenId: string; base: number; pushed: number[] }[] = [];
  let hi = 0;
  for (const [screenId, ack] of acks) {
    claimed.set(screenId, ack.version);
    const base = Math.max(Number(before.get(screenId)?.applied_version ?? 0), ack.version);
    const pushed: number[] = [];
    for (const v of ack.pushed ?? []) if (v > base && v <= newest) pushed.push(v);
    if (pushed.length === 0) continue;
    pushed.sort((a, b) => a - b);
    weighed.push({ screenId, base, pushed });
    hi = Math.max(hi, pushed[pushed.length - 1] ?? 0);
  }
  if (weighed.length === 0) return claimed;
  // A screen too far behind (a new one whose sync is not written yet) is not weighed at all.
  const inWindow = weighed.filter((w) => w.base >= hi - PUSH_WINDOW);
  for (const w of weighed) if (!inWindow.includes(w)) held?.set(w.screenId, w.pushed);
  if (inWindow.length === 0) return claimed;
  let lo = hi;
  for (const w of inWindow) lo = Math.min(lo, w.base);
  const gaps = (
    await trx
      .selectFrom("change_log")
      .select(["version", "scope_json"])
      .where("kind", "in", GAP_KINDS)
      .where("version", ">", lo)
      .where("version", "<=", hi)
      .orderBy("version")
      .execute()
  ).map((g) => ({ version: Number(g.version), districts: scopeDistricts(g.scope_json) }));
  const parents = new Map(
    (await trx.selectFrom("districts").select(["id", "parent_id"]).execute()).map((d) => [
      d.id,
      d.parent_id,
    ]),
  );
  const chainOf = (districtId: string | undefined): Set<string> => {
    const chain = new Set<string>();
    for (let d = districtId ?? null; d !== null && !chain.has(d); d = parents.get(d) ?? null)
      chain.add(d);
    return chain;
  };
  for (const { screenId, base, pushed } of inWindow) {
    const acknowledged = new Set(pushed);
    const chain = chainOf(before.get(screenId)?.district_id);
    // The first gap meant for this screen that it has not acknowledged (binary search to base).
    let i = firstAbove(gaps, base);
    const last = pushed[pushed.length - 1] ?? base;
    let gap = Infinity;
    for (; i < gaps.length && (gaps[i]?.version ?? Infinity) <= last; i++) {
      const g = gaps[i];
      if (g && !acknowledged.has(g.version) && reaches(g.districts, chain)) {
        gap = g.version;
        break;
      }
    }
    let version = base;
    const waiting: number[] = [];
    for (const v of pushed) {
      if (v < gap) version = v;
      else waiting.push(v);
    }
    claimed.set(screenId, version);
    if (waiting.length > 0) held?.set(screenId, waiting);
  }
  return claimed;
}

/** The index of the first of `gaps` (ascending) above `version`. */
function firstAbove(gaps: readonly { version: number }[], version: number): number {
  let lo = 0;
  let hi = gaps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((gaps[mid]?.version ?? Infinity) <= version) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The districts a change's scope names; null when it names none (it reaches every screen). */
function scopeDistricts(scopeJson: string | null): Set<string> | null {
  if (scopeJson === null) return null;
  const scope = JSON.parse(scopeJson) as { districtIds?: unknown };
  if (!Array.isArray(scope.districtIds) || scope.districtIds.length === 0) return null;
  return new Set(scope.districtIds.filter((d): d is string => typeof d === "string"));
}

/** Whether a change scoped to `districts` reaches a screen in `chain`. */
function reaches(districts: ReadonlySet<string> | null, chain: ReadonlySet<string>): boolean {
  if (districts === null) return true;
  for (const d of chain) if (districts.has(d)) return true;
  return false;
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
