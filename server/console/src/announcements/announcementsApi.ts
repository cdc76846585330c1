import { z } from "zod";
import {
  AnnouncementListSchema,
  AnnouncementViewSchema,
  type AnnouncementEdit,
  type AnnouncementInputSchema,
  type AnnouncementState,
  type AnnouncementView,
} from "../../../../shared/schemas/announcement";
import { queryString, request } from "../lib/api";

const AnnouncementAnswer = z.object({ announcement: AnnouncementViewSchema });

/** What the console sends to create one: the input before the server's defaults. */
export type AnnouncementDraft = z.input<typeof AnnouncementInputSchema>;

/** The announcements of the user's districts, newest first; `state` "" lists every state. */
export async function fetchAnnouncementViews(
  state: AnnouncementState | "",
  limit = 100,
): Promise<AnnouncementView[]> {
  return (
    await request(`/api/announcements${queryString({ state, limit })}`, AnnouncementListSchema)
  ).announcements;
}

/** One announcement as it is now (to follow its poster, or after an upload). */
export async function fetchAnnouncement(id: string): Promise<AnnouncementView> {
  return (await request(`/api/announcements/${id}`, AnnouncementAnswer)).announcement;
}

/** Creates an announcement: a draft, or (with `submit`) straight into review. */
export async function createAnnouncement(input: AnnouncementDraft): Promise<AnnouncementView> {
  return (await request("/api/announcements", AnnouncementAnswer, { method: "POST", body: input }))
    .announcement;
}

/**
 * Changes an announcement as of the revision the user edited (refused with stale_revision when
 * someone changed it since); a published one goes back to review and leaves the screens.
 */
export async function editAnnouncement(
  id: string,
  edit: AnnouncementEdit,
): Promise<AnnouncementView> {
  return (
    await request(`/api/announcements/${id}`, AnnouncementAnswer, { method: "PATCH", body: edit })
  ).announcement;
}

/** One step of an announcement's life, at the revision the user saw. */
async function step(
  id: string,
  action: "submit" | "approve" | "reject" | "withdraw",
  body: { revision?: number; reason?: string; posterHash?: string | null },
): Promise<AnnouncementView> {
  return (
    await request(`/api/announcements/${id}/${action}`, AnnouncementAnswer, {
      method: "POST",
      body,
    })
  ).announcement;
}

/** Sends a draft to review (a second person approves it). */
export function submitAnnouncement(id: string, revision: number): Promise<AnnouncementView> {
  return step(id, "submit", { revision });
}

/**
 * Approves an announcement for the screens (refused to whoever made or changed it), as the
 * moderator saw it: its revision and the covered poster shown beside it (its hash).
 */
export function approveAnnouncement(seen: AnnouncementView): Promise<AnnouncementView> {
  return step(seen.id, "approve", { revision: seen.revision, posterHash: seen.poster.hash });
}

/** Rejects an announcement back to draft; the author reads the reason. */
export function rejectAnnouncement(
  id: string,
  revision: number,
  reason: string,
): Promise<AnnouncementView> {
  return step(id, "reject", { revision, reason });
}

/** Takes an announcement off every screen (a takedown, acknowledged per screen). */
export function withdrawAnnouncement(id: string, reason: string): Promise<AnnouncementView> {
  return step(id, "withdraw", { reason });
}

/**
 * Uploads (or replaces) the poster; it goes through the face pipeline before it can be shown.
 * Answers the announcement as it is after the upload.
 */
export async function uploadPoster(id: string, poster: File): Promise<AnnouncementView> {
  const body = new FormData();
  body.set("poster", poster, poster.name);
  // The answer's shape is the poster's, not ours to rely on: the announcement is read afresh.
  await request(`/api/announcements/${id}/poster`, z.unknown(), { method: "PUT", body });
  return fetchAnnouncement(id);
}

/** Removes the poster (an edit: a published announcement goes back to review). */
export async function removePoster(id: string): Promise<AnnouncementView> {
  await request(`/api/announcements/${id}/poster`, z.unknown(), { method: "DELETE" });
  return fetchAnnouncement(id);
}

/**
 * A moderator accepts the covered rendition of a poster in which faces were found, naming the
 * rendition they looked at (the server refuses if it has been replaced since).
 */
export async function confirmPoster(id: string, hash: string): Promise<AnnouncementView> {
  await request(`/api/announcements/${id}/poster/confirm`, z.unknown(), {
    method: "POST",
    body: { hash },
  });
  return fetchAnnouncement(id);
}

/** The redacted poster's address (never the upload); the hash busts the browser's copy. */
export function posterUrl(a: Pick<AnnouncementView, "id" | "poster">): string {
  return `/api/announcements/${a.id}/poster?h=${encodeURIComponent(a.poster.hash ?? "")}`;
}
