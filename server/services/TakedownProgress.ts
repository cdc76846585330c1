import type { Takedown } from "../../shared/schemas/takedown";
import type { Kysely } from "kysely";
import { parseStrings } from "../presenters/presentAnnouncement";
import {
  announcementDistricts,
  announcementTitles,
  recentAnnouncementTakedowns,
} from "../store/announcements";
import { takedownAcknowledgementsSince } from "../store/auditRecords";
import { parseScope } from "../store/changeLog";
import { districtIdsOfEntry } from "../store/entries";
import type { Database } from "../store/schema";
import {
  movedScreensStaleAt,
  needsFullSync,
  staleDistrictsOf,
  takedownScreensIn,
  type TakedownScreenRow,
} from "../store/screens";
import {
  announcementTargetScreens,
  entryTakedownsSince,
  recentEntryTakedowns,
} from "../store/takedowns";
import type { AuditLog } from "./AuditLog";

/** A takedown event as the change log holds it. */
interface TakedownEvent {
  version: number;
  kind: string;
  entity_id: string;
  at: string;
  /** Where it was sent, recorded with it (older events have none: counted by where it is now). */
  scope_json: string | null;
}

/** What was taken down: an entry (shown in its districts) or an announcement (its target). */
interface Subject {
  contentType: Takedown["contentType"];
  /** The districts it was shown in; for a city-wide announcement, none ("everywhere"). */
  districts: string[];
  /** An announcement's screen tags (none: every screen of its districts). */
  screenTags: string[];
  title?: string;
}

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

  /**
   * The newest takedowns of entries and announcements (of one, if given), optionally only of
   * what is shown in `within` districts (a city-wide announcement is shown in all of them).
   */
  async recent(opts: {
    limit: number;
    entryId?: string;
    announcementId?: string;
    within?: ReadonlySet<string>;
  }): Promise<Takedown[]> {
    const fetch = opts.within ? opts.limit * 5 : opts.limit;
    const entries = opts.announcementId
      ? []
      : await recentEntryTakedowns(this.deps.db, fetch, opts.entryId);
    const announcements = opts.entryId
      ? []
      : await recentAnnouncementTakedowns(this.deps.db, fetch, {
          ...(opts.announcementId ? { announcementId: opts.announcementId } : {}),
        });
    const events = [...entries, ...announcements].sort(
      (a, b) => Number(b.version) - Number(a.version),
    );
    const out: Takedown[] = [];
    for (const e of events) {
      const subject = await this.subjectOf(e);
      const within = opts.within;
      if (within && subject.districts.length > 0 && !subject.districts.some((d) => within.has(d)))
        continue;
      const { movedAway, ...progress } = await this.progressOf(e, subject);
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
    const events = [
      ...(await entryTakedownsSince(this.deps.db, since, 50)),
      ...(await recentAnnouncementTakedowns(this.deps.db, 50, { since })),
    ];
    let recorded = 0;
    for (const e of events) {
      if (done.has(Number(e.version))) continue;
      const p = await this.progressOf(e, await this.subjectOf(e));
      if (p.acknowledged < p.screens) continue;
      await audit.record(this.deps.db, {
        actor: { type: "system" },
        action: "takedown.acknowledged",
        target: { type: p.contentType, id: e.entity_id },
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

  /**
   * What was taken down and the screens it had been sent to: the scope recorded with the event
   * (an edit may have moved the entry or retargeted the announcement since), else where it is now.
   */
  private async subjectOf(e: TakedownEvent): Promise<Subject> {
    const scope = parseScope(e.scope_json);
    if (!e.kind.startsWith("announcement.")) {
      const districts =
        scope?.districtIds.slice() ?? (await districtIdsOfEntry(this.deps.db, e.entity_id));
      return { contentType: "entry", districts, screenTags: [] };
    }
    const [row] = await announcementTitles(this.deps.db, [e.entity_id]);
    const districts =
      scope?.districtIds.slice() ??
      (await announcementDistricts(this.deps.db, [e.entity_id])).get(e.entity_id) ??
      [];
    return {
      contentType: "announcement",
      districts,
      screenTags: scope?.screenTags?.slice() ?? (row ? parseStrings(row.screen_tags_json) : []),
      ...(row ? { title: row.title } : {}),
    };
  }

  private async progressOf(
    e: TakedownEvent,
    subject: Subject,
  ): Promise<Takedown & { movedAway: Set<string> }> {
    const { districts, screenTags } = subject;
    const everywhere = subject.contentType === "announcement" && districts.length === 0;
    const reach = new Set(everywhere ? [] : await this.deps.registry.subtreeIds(districts));
    const version = Number(e.version);
    const inReach = everywhere
      ? await announcementTargetScreens(this.deps.db, "all")
      : reach.size === 0
        ? []
        : subject.contentType === "announcement"
          ? await announcementTargetScreens(this.deps.db, [...reach])
          : await takedownScreensIn(this.deps.db, [...reach]);
    // An announcement for some screen tags reached the screens carrying one of them; a screen
    // whose tags changed since its last full manifest may hold it still, so it counts too.
    const targeted = inReach.filter(
      (s) =>
        screenTags.length === 0 ||
        needsFullSync(s) ||
        ("tags_json" in s &&
          typeof s.tags_json === "string" &&
          parseStrings(s.tags_json).some((t) => screenTags.includes(t))),
    );
    const movedAway = everywhere
      ? []
      : await movedAwayFrom(this.deps.db, reach, districts, version);
    return {
      movedAway: new Set(movedAway.map((s) => s.id)),
      contentType: subject.contentType,
      contentId: e.entity_id,
      ...(subject.contentType === "entry" ? { entryId: e.entity_id } : {}),
      ...(subject.title !== undefined ? { title: subject.title } : {}),
      kind: e.kind as Takedown["kind"],
      version,
      at: e.at,
      ...acknowledgements([...targeted, ...movedAway], version),
    };
  }
}

/**
 * Screens moved out of `reach` (or re-parented) that may still hold what was sent to
 * `districts` at `version`: until they applied a full manifest where they are now, they count,
 * and for changes made before that.
 */
export async function movedAwayFrom(
  db: Kysely<Database>,
  reach: ReadonlySet<string>,
  districts: readonly string[],
  version: number,
): Promise<TakedownScreenRow[]> {
  return (await movedScreensStaleAt(db, version)).filter(
    (s) =>
      !reach.has(s.district_id) &&
      staleDistrictsOf(s).some((d) => districts.includes(d)) &&
      (needsFullSync(s) || version <= Number(s.stale_cleared_version)),
  );
}

/**
 * How far `version` has reached `screens`: each acknowledged it by applying it or a later one.
 * Applied versions count only for the district set a screen is in: a screen whose set changed
 * since its last full manifest has acknowledged nothing there yet. Missing ones by name.
 */
export function acknowledgements(
  screens: readonly TakedownScreenRow[],
  version: number,
): Pick<Takedown, "screens" | "acknowledged" | "missing"> {
  const sorted = [...screens].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const missing = sorted.filter((s) => needsFullSync(s) || Number(s.applied_version) < version);
  return {
    screens: sorted.length,
    acknowledged: sorted.length - missing.length,
    missing: missing.map((s) => ({
      id: s.id,
      name: s.name,
      districtId: s.district_id,
      lastSeenAt: s.last_seen_at,
    })),
  };
}
