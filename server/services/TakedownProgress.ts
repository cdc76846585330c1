import type { Takedown } from "../../shared/schemas/takedown";
import type { Kysely } from "kysely";
import { takedownAcknowledgementsSince } from "../store/auditRecords";
import { districtIdsOfEntry } from "../store/entries";
import type { Database } from "../store/schema";
import {
  movedScreensStaleAt,
  needsFullSync,
  staleDistrictsOf,
  takedownScreensIn,
} from "../store/screens";
import { entryTakedownsSince, recentEntryTakedowns } from "../store/takedowns";
import type { AuditLog } from "./AuditLog";

/** Walks the district tree; implemented by DistrictRegistry. */
export interface SubtreeOf {
  subtreeIds(ids: readonly string[]): Promise<string[]>;
}

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
    const events = await recentEntryTakedowns(
      this.deps.db,
      opts.within ? opts.limit * 5 : opts.limit,
      opts.entryId,
    );
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
      (await takedownAcknowledgementsSince(this.deps.db, since)).map(
        (r) => (JSON.parse(r.details_json) as { version?: number }).version,
      ),
    );
    const events = await entryTakedownsSince(this.deps.db, since, 50);
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
    return districtIdsOfEntry(this.deps.db, entryId);
  }

  private async progressOf(
    e: { version: number; kind: string; entity_id: string; at: string },
    districts: string[],
  ): Promise<Takedown & { movedAway: Set<string> }> {
    const reach = new Set(await this.deps.registry.subtreeIds(districts));
    const version = Number(e.version);
    const inReach = reach.size === 0 ? [] : await takedownScreensIn(this.deps.db, [...reach]);
    // A screen moved out of reach (or re-parented) may still hold the entry until it applied a
    // full manifest where it is now: it counts until then, and for takedowns made before that.
    const movedAway = (await movedScreensStaleAt(this.deps.db, version)).filter(
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
