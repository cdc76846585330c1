import { sql, type Kysely, type SelectQueryBuilder } from "kysely";
import type {
  PlayRecord,
  PlayReceipt,
  PlayReport,
  PlayReportQuery,
  PlayView,
} from "../../shared/schemas/proofOfPlay";
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
    const result = await this.db
      .insertInto("plays")
      .values(rows)
      .onConflict((oc) => oc.columns(["screen_id", "play_id"]).doNothing())
      .executeTakeFirst();
    const stored = Number(result.numInsertedOrUpdatedRows ?? 0n);
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
      for (const r of await this.db
        .selectFrom("entry_districts")
        .select("entry_districts.entry_id as id")
        .where("entry_districts.entry_id", "in", entries)
        .where("entry_districts.district_id", "in", [...districts])
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("change_log")
              .select("change_log.version")
              .whereRef("change_log.entity_id", "=", "entry_districts.entry_id")
              .where("change_log.kind", "=", "entry.published"),
          ),
        )
        .distinct()
        .execute())
        sent.add(`entry:${r.id}`);
    const announcements = ids("announcement");
    if (announcements.length > 0)
      for (const r of await this.db
        .selectFrom("change_log")
        .select("entity_id as id")
        .where("kind", "=", "announcement.published")
        .where("entity_id", "in", announcements)
        .distinct()
        .execute())
        sent.add(`announcement:${r.id}`);
    const emergencies = ids("emergency");
    if (emergencies.length > 0 && districts.length > 0)
      for (const r of await this.db
        .selectFrom("emergency_districts")
        .select("emergency_id as id")
        .where("emergency_id", "in", emergencies)
        .where("district_id", "in", [...districts])
        .distinct()
        .execute())
        sent.add(`emergency:${r.id}`);
    return sent;
  }

  /** What one screen showed in the range: per content, and the latest plays. */
  async screenReport(screenId: string, query: PlayReportQuery): Promise<PlayReport> {
    const { from, to } = this.range(query);
    const where = this.db
      .selectFrom("plays")
      .where("screen_id", "=", screenId)
      .where("started_at", ">=", from)
      .$if(to !== null, (q) => q.where("started_at", "<", to ?? ""));
    const groups = await where
      .select([
        "content_id as id",
        "kind",
        sql<number>`count(*)`.as("plays"),
        sql<number>`sum(duration_ms)`.as("total_ms"),
        sql<string>`max(started_at)`.as("last_at"),
      ])
      .groupBy(["content_id", "kind"])
      .orderBy("last_at", "desc")
      .execute();
    const labels = await this.contentLabels(groups.map((g) => ({ id: g.id, kind: g.kind })));
    const recent = await this.recent(where, query.limit);
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
    const { from, to } = this.range(query);
    const screens =
      districts === "all"
        ? null
        : this.db
            .selectFrom("screens")
            .select("screens.id")
            .where("screens.district_id", "in", [...districts, ""]);
    const where = this.db
      .selectFrom("plays")
      .$if(screens !== null, (q) => q.where("plays.screen_id", "in", screens ?? [""]))
      .where("plays.content_id", "=", contentId)
      .where("plays.started_at", ">=", from)
      .$if(to !== null, (q) => q.where("plays.started_at", "<", to ?? ""));
    const groups = await where
      .innerJoin("screens", "screens.id", "plays.screen_id")
      .select([
        "plays.screen_id as id",
        "screens.name as label",
        sql<number>`count(*)`.as("plays"),
        sql<number>`sum(plays.duration_ms)`.as("total_ms"),
        sql<string>`max(plays.started_at)`.as("last_at"),
      ])
      .groupBy(["plays.screen_id", "screens.name"])
      .orderBy("last_at", "desc")
      .execute();
    return this.report(from, to, groups, await this.recent(where, query.limit));
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

  private async recent(
    where: SelectQueryBuilder<Database, "plays", object>,
    limit: number,
  ): Promise<PlayView[]> {
    const rows = await where
      .innerJoin("screens as s", "s.id", "plays.screen_id")
      .select([
        "plays.play_id",
        "plays.screen_id",
        "s.name",
        "plays.kind",
        "plays.content_id",
        "plays.version",
        "plays.started_at",
        "plays.duration_ms",
      ])
      .orderBy("plays.started_at", "desc")
      .orderBy("plays.play_id")
      .limit(limit)
      .execute();
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
      for (const r of await this.db
        .selectFrom("entries")
        .select(["id", "masked_name"])
        .where("id", "in", entries)
        .execute())
        labels.set(r.id, r.masked_name);
    const announcements = ids("announcement");
    if (announcements.length > 0)
      for (const r of await this.db
        .selectFrom("announcements")
        .select(["id", "title"])
        .where("id", "in", announcements)
        .execute())
        labels.set(r.id, r.title);
    const emergencies = ids("emergency");
    if (emergencies.length > 0)
      for (const r of await this.db
        .selectFrom("emergencies")
        .select(["id", "title"])
        .where("id", "in", emergencies)
        .execute())
        labels.set(r.id, r.title);
    return labels;
  }
}
