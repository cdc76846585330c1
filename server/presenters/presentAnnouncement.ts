import type { Announcement } from "../../shared/schemas/announcement";
import type { AnnouncementRow } from "../store/schema";

/** The one place that decides which announcement fields leave the server. */
export function presentAnnouncement(row: AnnouncementRow): Announcement {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    language: row.language,
    tags: parseTags(row.tags_json),
    createdAt: row.created_at,
    version: Number(row.version),
  };
}

/** Reads a stored tag list; anything malformed reads as no tags. */
export function parseTags(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}
