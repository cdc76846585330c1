import type { Kysely } from "kysely";
import type {
  DistrictReport as DistrictReportView,
  ReportPlays,
  ReportScreen,
  ReportTakedown,
} from "../../../shared/schemas/districtReport";
import { parseStrings } from "../../presenters/presentAnnouncement";
import { parseScope } from "../../store/changeLog";
import { announcementDistricts } from "../../store/announcements";
import { districtIdsOfEntry } from "../../store/entries";
import {
  contentPlayTotals,
  playDaysOf,
  reportScreens,
  takedownAcknowledgementCounts,
  takedownCompletionTimes,
  takedownsInPeriod,
  type ReportPeriod,
  type ReportScreenRow,
  type ReportTakedownRow,
} from "../../store/reports";
import { connectedMs, connectedSpans } from "../../store/screenHistory";
import type { Database } from "../../store/schema";
import { ONLINE_WITHIN_MS } from "../screens/ScreenRegistry";

/** Screens listed per report (the count covers all); more is a fleet view, not a report. */
const MAX_SCREENS = 2_000;
/** Contents listed per report, most played first (the totals cover all). */
const MAX_CONTENTS = 500;
/** Takedowns looked at per report, oldest first. */
const MAX_TAKEDOWNS = 500;
/** Screens whose connections are read per query (bound parameters stay few). */
const SPAN_CHUNK = 500;
/** The audit log records a takedown's completion within this long of it (TakedownProgress). */
const COMPLETION_RECORDED_WITHIN_MS = 60 * 60 * 1000;

/** Walks the district tree; implemented by DistrictRegistry. */
export interface DistrictTree {
  subtreeIds(ids: readonly string[]): Promise<string[]>;
  /** The chain from a district up to its city, itself first. */
  ancestry(id: string): Promise<readonly { id: string }[]>;
}

/**
 * Builds a district's report over a period: its screens' uptime, what they played, and how its
 * takedowns went. The district covers its sub-districts. Everything is summed in the database
 * or read in bounded pages: a year of a city costs a few queries, not its rows.
 */
export class DistrictReport {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      registry: DistrictTree;
      /** Whether a screen is connected to this process now. */
      isOnline?: (screenId: string) => boolean;
      now?: () => Date;
    },
  ) {}

  /** The report of `districtId` (and its sub-districts) over `period`. */
  async report(districtId: string, period: ReportPeriod): Promise<DistrictReportView> {
    const now = (this.deps.now ?? (() => new Date()))();
    const subtree = await this.deps.registry.subtreeIds([districtId]);
    const [screens, plays, takedowns] = [
      await this.screens(subtree, period, now),
      await this.plays(subtree, period),
      await this.takedowns(districtId, subtree, period),
    ];
    return {
      districtId,
      from: period.from,
      to: period.to,
      generatedAt: now.toISOString(),
      screens,
      plays,
      takedowns,
    };
  }

  private async screens(
    subtree: readonly string[],
    period: ReportPeriod,
    now: Date,
  ): Promise<DistrictReportView["screens"]> {
    const { rows, total } = await reportScreens(this.deps.db, subtree, MAX_SCREENS);
    const connected = new Map<string, number>();
    for (let i = 0; i < rows.length; i += SPAN_CHUNK) {
      const ids = rows.slice(i, i + SPAN_CHUNK).map((r) => r.id);
      const spans = await connectedSpans(this.deps.db, ids, period, now, ONLINE_WITHIN_MS);
      for (const [id, ms] of connectedMs(spans)) connected.set(id, ms);
    }
    let seenMs = 0;
    let upMs = 0;
    const items = rows.map((row): ReportScreen => {
      const ms = connected.get(row.id) ?? 0;
      const window = observableMs(row, period, now);
      seenMs += window;
      upMs += Math.min(ms, window);
      return {
        id: row.id,
        name: row.name,
        districtId: row.district_id,
        state: row.state,
        online: this.online(row, now),
        connectedMinutes: Math.round(ms / 60_000),
        uptimePercent: window > 0 ? percent(ms, window) : null,
      };
    });
    return {
      count: total,
      online: items.filter((s) => s.online).length,
      uptimePercent: seenMs > 0 ? percent(upMs, seenMs) : null,
      items,
      truncated: total > rows.length,
    };
  }

  /** Connected now: to this process, or holding a connection reported on within the window. */
  private online(row: ReportScreenRow, now: Date): boolean {
    if (row.state !== "active") return false;
    if (this.deps.isOnline?.(row.id)) return true;
    const seen = row.last_seen_at === null ? 0 : Date.parse(row.last_seen_at);
    return row.connection_id !== null && now.getTime() - seen < ONLINE_WITHIN_MS;
  }

  private async plays(
    subtree: readonly string[],
    period: ReportPeriod,
  ): Promise<DistrictReportView["plays"]> {
    // Read from the daily rollup: the period is rounded out to whole UTC days.
    const days = playDaysOf(period);
    const totals = await contentPlayTotals(this.deps.db, subtree, days, MAX_CONTENTS);
    return {
      from: `${days.from}T00:00:00.000Z`,
      to: `${days.to}T00:00:00.000Z`,
      total: totals.plays,
      seconds: Math.round(totals.totalMs / 1000),
      items: totals.rows.map((r): ReportPlays => ({
        kind: r.kind,
        contentId: r.content_id,
        label: r.label,
        plays: r.plays,
        seconds: Math.round(r.total_ms / 1000),
      })),
      truncated: totals.contents > totals.rows.length,
    };
  }

  private async takedowns(
    districtId: string,
    subtree: readonly string[],
    period: ReportPeriod,
  ): Promise<DistrictReportView["takedowns"]> {
    // A takedown sent to an ancestor reached this district too.
    const ancestors = (await this.deps.registry.ancestry(districtId)).map((d) => d.id);
    const reachable = [...new Set([...subtree, ...ancestors])];
    const events = await takedownsInPeriod(this.deps.db, period, reachable, MAX_TAKEDOWNS + 1);
    const truncated = events.length > MAX_TAKEDOWNS;
    const looked = events.slice(0, MAX_TAKEDOWNS);
    const ours = new Set(subtree);
    const until = new Date(Date.parse(period.to) + COMPLETION_RECORDED_WITHIN_MS).toISOString();
    const completed = await takedownCompletionTimes(
      this.deps.db,
      looked.map((e) => e.version),
      period.from,
      until,
    );
    const reaches = new Map<string, Promise<string[]>>();
    const items: ReportTakedown[] = [];
    for (const e of looked) {
      const reach = await this.reachWithin(e, ours, reaches);
      if (reach === null) continue;
      const { screens, acknowledged } = await this.acknowledged(e, reach);
      const never = screens - acknowledged;
      const ms = completed.get(e.version);
      items.push({
        version: e.version,
        kind: e.kind,
        contentType: contentTypeOf(e.kind),
        contentId: e.entity_id,
        label: e.label,
        at: e.at,
        screens,
        acknowledged,
        neverAcknowledged: never,
        secondsToLast: never === 0 && ms !== undefined ? Math.round(ms / 100) / 10 : null,
      });
    }
    const times = items.flatMap((t) => (t.secondsToLast === null ? [] : [t.secondsToLast]));
    return {
      count: items.length,
      items,
      secondsToLast: {
        measured: times.length,
        p50: nearestRank(times, 0.5),
        p90: nearestRank(times, 0.9),
        max: times.length === 0 ? null : Math.max(...times),
      },
      incomplete: items.filter((t) => t.neverAcknowledged > 0).length,
      truncated,
    };
  }

  /**
   * The districts of this report a takedown was sent to (the scope recorded with it, else where
   * its content is now, each with its sub-districts); null when none. A city-wide announcement
   * reached all of them.
   */
  private async reachWithin(
    e: ReportTakedownRow,
    ours: ReadonlySet<string>,
    reaches: Map<string, Promise<string[]>>,
  ): Promise<string[] | null> {
    const scope = parseScope(e.scope_json);
    let districts = scope?.districtIds;
    if (districts === undefined) {
      if (e.kind.startsWith("entry."))
        districts = await districtIdsOfEntry(this.deps.db, e.entity_id);
      else if (e.kind.startsWith("announcement."))
        districts =
          (await announcementDistricts(this.deps.db, [e.entity_id])).get(e.entity_id) ?? [];
      else districts = [];
    }
    const everywhere = e.kind.startsWith("announcement.") && districts.length === 0;
    // Each distinct reach is worked out once per report.
    const key = JSON.stringify([...districts].sort());
    let subtreeOf = reaches.get(key);
    if (subtreeOf === undefined) {
      subtreeOf = this.deps.registry.subtreeIds(districts);
      reaches.set(key, subtreeOf);
    }
    const reach = everywhere ? [...ours] : (await subtreeOf).filter((d) => ours.has(d));
    return reach.length === 0 ? null : reach;
  }

  /**
   * How many active screens of `reach` the takedown was for (an announcement's: those with its
   * tags) and how many acknowledged it, counted in the database.
   */
  private async acknowledged(e: ReportTakedownRow, reach: readonly string[]) {
    if (!e.kind.startsWith("announcement."))
      return takedownAcknowledgementCounts(this.deps.db, reach, e.version, null);
    const scope = parseScope(e.scope_json);
    const tags = scope?.screenTags ?? (e.screen_tags_json ? parseStrings(e.screen_tags_json) : []);
    // A screen whose tags changed since its last full manifest may hold it still: it counts.
    return takedownAcknowledgementCounts(this.deps.db, reach, e.version, tags);
  }
}

/** Milliseconds of the period a screen could be connected in: from its pairing, up to now. */
function observableMs(row: ReportScreenRow, period: ReportPeriod, now: Date): number {
  const start = Math.max(Date.parse(period.from), Date.parse(row.paired_at));
  const end = Math.min(Date.parse(period.to), now.getTime());
  return Math.max(0, end - start);
}

/** `part` of `whole` in percent, one decimal, at most 100. */
function percent(part: number, whole: number): number {
  return Math.min(100, Math.round((part / whole) * 1000) / 10);
}

/** The nearest-rank percentile of `values` (q in 0–1); null when there are none. */
export function nearestRank(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? null;
}

function contentTypeOf(kind: ReportTakedownRow["kind"]): ReportTakedown["contentType"] {
  if (kind.startsWith("entry.")) return "entry";
  if (kind.startsWith("announcement.")) return "announcement";
  return "emergency";
}
