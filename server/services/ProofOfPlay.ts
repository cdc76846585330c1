import type { Kysely } from "kysely";
import type {
  PlayRecord,
  PlayReceipt,
  PlayReport,
  PlayReportQuery,
  PlayView,
} from "../../shared/schemas/proofOfPlay";
import { announcementTitles, publishedAnnouncementIds } from "../store/announcements";
import { emergencyIdsCovering, emergencyTitles } from "../store/emergencies";
import { maskedNamesOf, publishedEntryIdsIn } from "../store/entries";
import {
  contentPlayGroups,
  contentRecentPlays,
  insertPlays,
  screenPlayGroups,
  screenRecentPlays,
  type RecentPlayRow,
} from "../store/plays";
import type { Database } from "../store/schema";

/** A report covers the last week unless the query says otherwise. */
const DEFAULT_RANGE_MS = 7 * 24 * 3600_000;

/**
 * Proof of play: stores what screens report having shown, once each however often an upload
 * is retried, and answers the console's reports per screen and per entry.
 */
export class ProofOfPlay {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Stores a screen's batch; plays already stored (a retried upload) are counted, not doubled.
   * Only plays of content sent to `districts` (the screen's district chain, and where it was
   * before a move) are stored: a play of anything else is refused and counted, so no report
   * of this screen ever names another district's content.
   */
  async record(
    screenId: string,
    plays: readonly PlayRecord[],
    districts: readonly string[],
  ): Promise<PlayReceipt> {
    const receivedAt = new Date(this.clock()).toISOString();
    const unique = [...new Map(plays.map((p) => [p.id, p])).values()];
    const sent = await this.sentTo(districts, unique);
    const rows = unique
      .filter((p) => sent.has(`${p.kind}:${p.contentId}`))
      .map((p) => ({
        screen_id: screenId,
        play_id: p.id,
        kind: p.kind,
        content_id: p.contentId,
        version: p.version,
        // Stored in UTC so that text order is time order whatever offset the kiosk used.
        started_at: new Date(p.startedAt).toISOString(),
        duration_ms: p.durationMs,
        received_at: receivedAt,
      }));
    const accepted = new Set(rows.map((r) => r.play_id));
    const refused = plays.filter((p) => !accepted.has(p.id)).length;
    if (rows.length === 0) return { stored: 0, duplicates: 0, refused };
    const stored = await insertPlays(this.db, rows);
    return { stored, duplicates: plays.length - refused - stored, refused };
  }

  /**
   * Which of these plays' contents were ever sent to screens of `districts`, as "kind:id":
   * entries published and listed in one of them, announcements published (every screen gets
   * them), emergencies covering one of them.
   */
  private async sentTo(
    districts: readonly string[],
    plays: readonly PlayRecord[],
  ): Promise<Set<string>> {
    const ids = (kind: PlayRecord["kind"]) => [
      ...new Set(plays.filter((p) => p.kind === kind).map((p) => p.contentId)),
    ];
    const sent = new Set<string>();
    const entries = ids("entry");
    if (entries.length > 0 && districts.length > 0)
      for (const r of await publishedEntryIdsIn(this.db, entries, districts))
        sent.add(`entry:${r.id}`);
    const announcements = ids("announcement");
    if (announcements.length > 0)
      for (const r of await publishedAnnouncementIds(this.db, announcements))
        sent.add(`announcement:${r.id}`);
    const emergencies = ids("emergency");
    if (emergencies.length > 0 && districts.length > 0)
      for (const r of await emergencyIdsCovering(this.db, emergencies, districts))
        sent.add(`emergency:${r.id}`);
    return sent;
  }

  /** What one screen showed in the range: per content, and the latest plays. */
  async screenReport(screenId: string, query: PlayReportQuery): Promise<PlayReport> {
    const range = this.range(query);
    const { from, to } = range;
    const groups = await screenPlayGroups(this.db, screenId, range);
    const labels = await this.contentLabels(groups.map((g) => ({ id: g.id, kind: g.kind })));
    const recent = playViews(await screenRecentPlays(this.db, screenId, range, query.limit));
    return this.report(
      from,
      to,
      groups.map((g) => ({ ...g, label: labels.get(g.id) ?? g.id })),
      recent,
    );
  }

  /**
   * Where and how often one entry (or announcement) was shown in the range: per screen, only
   * the screens of `districts` ("all": every screen) — a reader of one district sees its own.
   */
  async contentReport(
    contentId: string,
    query: PlayReportQuery,
    districts: "all" | ReadonlySet<string>,
  ): Promise<PlayReport> {
    const range = this.range(query);
    const groups = await contentPlayGroups(this.db, contentId, range, districts);
    const recent = await contentRecentPlays(this.db, contentId, range, districts, query.limit);
    return this.report(range.from, range.to, groups, playViews(recent));
  }

  /**
   * The range asked for; without an end it is open (a kiosk whose clock runs ahead reports
   * plays "in the future", and they must still be seen), without a start a week back.
   */
  private range(query: PlayReportQuery): { from: string; to: string | null } {
    const to = query.to ? Date.parse(query.to) : null;
    const from = query.from ? Date.parse(query.from) : (to ?? this.clock()) - DEFAULT_RANGE_MS;
    return {
      from: new Date(from).toISOString(),
      to: to === null ? null : new Date(to).toISOString(),
    };
  }

  private report(
    from: string,
    to: string | null,
    groups: readonly {
      id: string;
      label: string;
      plays: number | string;
      total_ms: number | string;
      last_at: string;
    }[],
    recent: PlayView[],
  ): PlayReport {
    const shaped = groups.map((g) => ({
      id: g.id,
      label: g.label,
      plays: Number(g.plays),
      totalMs: Number(g.total_ms),
      lastAt: g.last_at,
    }));
    return {
      from,
      to,
      plays: shaped.reduce((n, g) => n + g.plays, 0),
      totalMs: shaped.reduce((n, g) => n + g.totalMs, 0),
      groups: shaped,
      recent,
    };
  }

  /** Masked names and titles for a report (never a full name: the console shows these). */
  private async contentLabels(
    items: readonly { id: string; kind: string }[],
  ): Promise<Map<string, string>> {
    const ids = (kind: string) => items.filter((i) => i.kind === kind).map((i) => i.id);
    const labels = new Map<string, string>();
    const entries = ids("entry");
    if (entries.length > 0)
      for (const r of await maskedNamesOf(this.db, entries)) labels.set(r.id, r.masked_name);
    const announcements = ids("announcement");
    if (announcements.length > 0)
      for (const r of await announcementTitles(this.db, announcements)) labels.set(r.id, r.title);
    const emergencies = ids("emergency");
    if (emergencies.length > 0)
      for (const r of await emergencyTitles(this.db, emergencies)) labels.set(r.id, r.title);
    return labels;
  }
}

/** A report's latest plays as the console sees them. */
function playViews(rows: readonly RecentPlayRow[]): PlayView[] {
  return rows.map((r) => ({
    id: r.play_id,
    screenId: r.screen_id,
    screenName: r.name,
    kind: r.kind,
    contentId: r.content_id,
    version: Number(r.version),
    startedAt: r.started_at,
    durationMs: Number(r.duration_ms),
  }));
}
