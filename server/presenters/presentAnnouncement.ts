import type { Announcement, AnnouncementView } from "../../shared/schemas/announcement";
import type { PosterSummary } from "../store/posters";
import type { AnnouncementRow } from "../store/schema";

/**
 * The one place that decides which announcement fields reach a screen: its text, window and
 * redacted poster (only a poster the face pipeline finished and a moderator accepted).
 */
export function presentAnnouncement(row: AnnouncementRow, poster?: PosterSummary): Announcement {
  const shownPoster =
    poster?.status === "done" && poster.hash && poster.mime && poster.width && poster.height
      ? {
          hash: poster.hash,
          mime: poster.mime,
          width: Number(poster.width),
          height: Number(poster.height),
          layout: row.poster_layout,
        }
      : undefined;
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    language: row.language,
    tags: parseStrings(row.tags_json),
    createdAt: row.created_at,
    version: Number(row.version),
    ...(row.starts_at ? { startsAt: row.starts_at } : {}),
    ...(row.ends_at ? { endsAt: row.ends_at } : {}),
    ...(shownPoster ? { poster: shownPoster } : {}),
  };
}

/** An announcement as the console sees it: state, target, window, poster, who did what. */
export function presentAnnouncementView(
  row: AnnouncementRow,
  districtIds: readonly string[],
  poster?: PosterSummary,
): AnnouncementView {
  return {
    id: row.id,
    state: row.state,
    title: row.title,
    body: row.body,
    language: row.language,
    tags: parseStrings(row.tags_json),
    target: { districtIds: [...districtIds], screenTags: parseStrings(row.screen_tags_json) },
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    posterLayout: row.poster_layout,
    poster: {
      status: poster?.status ?? "none",
      faces: poster?.faces ?? 0,
      hash: poster?.hash ?? null,
      width: poster?.width ?? null,
      height: poster?.height ?? null,
      reason: poster?.reason ?? null,
    },
    revision: Number(row.revision),
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at ?? row.created_at,
    changedBy: parseStrings(row.changed_by_json),
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at,
    reason: row.reason,
    version: Number(row.version) > 0 ? Number(row.version) : null,
  };
}

/** Reads a stored JSON list of strings (tags, user ids); anything malformed reads as none. */
export function parseStrings(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

/** Whether an announcement targeting `screenTags` plays on a screen carrying `tags`. */
export function targetsScreen(
  row: Pick<AnnouncementRow, "screen_tags_json">,
  tags: readonly string[],
): boolean {
  const wanted = parseStrings(row.screen_tags_json);
  return wanted.length === 0 || wanted.some((t) => tags.includes(t));
}

/**
 * Announcements as a kiosk of the previous release reads them: it knows no window and no poster
 * and refuses a sync holding fields it does not know, so those are left out, and one that has
 * not started yet is held back (it would show at once). Its end still reaches it as a takedown.
 */
export function forPreviousRelease(
  announcements: readonly Announcement[],
  now: Date,
): Announcement[] {
  return announcements
    .filter((a) => a.startsAt === undefined || Date.parse(a.startsAt) <= now.getTime())
    .map(({ startsAt: _start, endsAt: _end, poster: _poster, ...known }) => known);
}
