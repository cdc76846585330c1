import type { Announcement } from "../../shared/schemas/announcement";
import type { AnnouncementRow } from "../store/schema";

/** The one place that decides which announcement fields leave the server. */
export function presentAnnouncement(row: AnnouncementRow): Announcement {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    language: row.language,
    createdAt: row.created_at,
    version: Number(row.version),
  };
}
