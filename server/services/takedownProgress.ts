import type { Kysely } from "kysely";
import type { Database } from "../store/schema";
import { needsFullSync, staleDistrictsOf } from "../store/screens";
import type { AuditLog } from "./auditLog";

/** How far one takedown (revoke, expiry or withdrawal of a shown entry) has reached. */
export interface Takedown {
  entryId: string;
  kind: "entry.revoked" | "entry.expired" | "entry.withdrawn";
  version: number;
  at: string;
  /**
   * Screens that must drop the entry: paired screens of its districts and sub-districts, and
   * screens moved out of them that have not yet applied a full manifest where they are now.
   */
  screens: number;
  /** Those that applied this version or a later one, for the district set they are in. */
  acknowledged: number;
  /** The rest, for the console to chase. */
  missing: { id: string; name: string; districtId: string; lastSeenAt: string | null }[];
}

/** Walks the district tree; implemented by DistrictRegistry. */
export interface SubtreeOf {
  subtreeIds(ids: readonly string[]): Promise<string[]>;
}

const TAKEDOWN_KINDS = ["entry.revoked", "entry.expired", "entry.withdrawn"] as const;

/**
 * Reports takedown acknowledgements: a screen acknowledges a takedown by applying its
 * change-log version (the kiosk reports `kiosk:applied` after each sync it applies).
 */
export class TakedownProgress {
  constructor(private readonly deps: { db: Kysely<Database>; registry: SubtreeOf }) {}

  /** The newest takedowns, optionally only of entries shown in `within` districts. */
  async recent(opts: {
    limit: number;
    entryId?: string;
    within?: ReadonlySet<string>;
  }): Promise<Takedown[]> {
    let q = this.takedownEvents()
      .orderBy("change_log.version", "desc")
      .limit(opts.within ? opts.limit * 5 : opts.limit);
    if (opts.entryId) q = q.where("change_log.entity_id", "=", opts.entryId);
    const events = await q.execute();
    const out: Takedown[] = [];
    for (const e of events) {
      const districts = await this.districtsOf(e.entity_id);
      const within = opts.within;
      if (within && !districts.some((d) => within.has(d))) continue;
      const { movedAway, ...progress } = await this.progressOf(e, districts);
      // A user sees only the screens of the districts they hold.
      out.push(
        within
          ? {
              ...progress,
              // A screen moved out of their districts still holding the entry is theirs to chase.
              missing: progress.missing.filter(
                (m) => within.has(m.districtId) || movedAway.has(m.id),
              ),
            }
          : progress,
      );
      if (out.length >= opts.limit) break;
    }
    return out;
  }

  /**
   * Writes one "takedown.acknowledged" audit record for each recent takedown that every screen
   * has now acknowledged (the audit log's summary of its reach), at most once per takedown.
   */
  async recordCompleted(audit: AuditLog, now = new Date()): Promise<number> {
    const since = new Date(now.getTime() - 60 * 60 * 1000).toISOString();
    const done = new Set(
      (
        await this.deps.db
          .selectFrom("audit_log")
          .select("details_json")
          .where("action", "=", "takedown.acknowledged")
          .where("at", ">=", since)
          .execute()
      ).map((r) => (JSON.parse(r.details_json) as { version?: number }).version),
    );
    const events = await this.takedownEvents()
      .where("change_log.at", ">=", since)
      .orderBy("change_log.version", "desc")
      .limit(50)
      .execute();
    let recorded = 0;
    for (const e of events) {
      if (done.has(Number(e.version))) continue;
      const districts = await this.districtsOf(e.entity_id);
      const p = await this.progressOf(e, districts);
      if (p.acknowledged < p.screens) continue;
      await audit.record(this.deps.db, {
        actor: { type: "system" },
        action: "takedown.acknowledged",
        target: { type: "entry", id: e.entity_id },
        details: {
          version: p.version,
          kind: p.kind,
          screens: p.screens,
          msToAllScreens: now.getTime() - Date.parse(e.at),
        },
      });
      recorded += 1;
    }
    return recorded;
  }

  private async districtsOf(entryId: string): Promise<string[]> {
    const rows = await this.deps.db
      .selectFrom("entry_districts")
      .select("district_id")
      .where("entry_id", "=", entryId)
      .execute();
    return rows.map((d) => d.district_id);
  }

  /** Takedown events of entries that were on screens (published before), not of drafts. */
  private takedownEvents() {
    return this.deps.db
      .selectFrom("change_log")
      .select(["change_log.version", "change_log.kind", "change_log.entity_id", "change_log.at"])
      .where("change_log.kind", "in", [...TAKEDOWN_KINDS])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("change_log as published")
            .select("published.version")
            .whereRef("published.entity_id", "=", "change_log.entity_id")
            .where("published.kind", "=", "entry.published")
            .whereRef("published.version", "<", "change_log.version"),
        ),
      );
  }

  private async progressOf(
    e: { version: number; kind: string; entity_id: string; at: string },
    districts: string[],
  ): Promise<Takedown & { movedAway: Set<string> }> {
    const reach = new Set(await this.deps.registry.subtreeIds(districts));
    const columns = [
      "id",
      "name",
      "district_id",
      "last_seen_at",
      "applied_version",
      "stale_districts_json",
      "stale_cleared_version",
    ] as const;
    const version = Number(e.version);
    const inReach =
      reach.size === 0
        ? []
        : await this.deps.db
            .selectFrom("screens")
            .select(columns)
            .where("state", "=", "active")
            .where("district_id", "in", [...reach])
            .execute();
    // A screen moved out of reach (or re-parented) may still hold the entry until it applied a
    // full manifest where it is now: it counts until then, and for takedowns made before that.
    const movedAway = (
      await this.deps.db
        .selectFrom("screens")
        .select(columns)
        .where("state", "=", "active")
        .where("stale_districts_json", "is not", null)
        .where((eb) =>
          eb.or([
            eb("stale_cleared_version", "is", null),
            eb("stale_cleared_version", ">=", version),
          ]),
        )
        .execute()
    ).filter(
      (s) =>
        !reach.has(s.district_id) &&
        staleDistrictsOf(s).some((d) => districts.includes(d)) &&
        (needsFullSync(s) || version <= Number(s.stale_cleared_version)),
    );
    const screens = [...inReach, ...movedAway].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    // Applied versions count only for the district set a screen is in: a screen whose set
    // changed since its last full manifest has acknowledged nothing there yet.
    const missing = screens.filter((s) => needsFullSync(s) || Number(s.applied_version) < version);
    return {
      movedAway: new Set(movedAway.map((s) => s.id)),
      entryId: e.entity_id,
      kind: e.kind as Takedown["kind"],
      version,
      at: e.at,
      screens: screens.length,
      acknowledged: screens.length - missing.length,
      missing: missing.map((s) => ({
        id: s.id,
        name: s.name,
        districtId: s.district_id,
        lastSeenAt: s.last_seen_at,
      })),
    };
  }
}
