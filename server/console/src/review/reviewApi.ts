import { EntryAnswerSchema, type EntryView } from "../../../../shared/schemas/entryView";
import {
  BulkApprovalSchema,
  type BulkApproval,
  type Region,
} from "../../../../shared/schemas/moderation";
import { ReviewPageSchema, type ReviewItem } from "../../../../shared/schemas/reviewQueue";
import { failureOf, networkFailure, queryString, request } from "../lib/api";

/** The oldest pending entries of the moderator's districts (up to 100). */
export async function fetchReviewQueue(district = ""): Promise<ReviewItem[]> {
  return (
    await request(
      `/api/entries/review-queue${queryString({ district, limit: 100 })}`,
      ReviewPageSchema,
    )
  ).entries;
}

/** One entry, fresh (to follow its re-redaction). */
export async function fetchEntry(id: string): Promise<EntryView> {
  return (await request(`/api/entries/${id}`, EntryAnswerSchema)).entry;
}

/**
 * Approves (publishes) an entry at the revision the moderator is looking at; the server refuses
 * with stale_revision when it changed since.
 */
export async function approveEntry(id: string, revision: number): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/approve`, EntryAnswerSchema, {
      method: "POST",
      body: { revision },
    })
  ).entry;
}

/** Rejects an entry; the submitter reads the reason. */
export async function rejectEntry(id: string, reason: string): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/reject`, EntryAnswerSchema, {
      method: "POST",
      body: { reason },
    })
  ).entry;
}

/** Approves clean entries at once, each at the revision shown (the server re-checks each). */
export async function bulkApprove(
  entries: { id: string; revision: number }[],
): Promise<BulkApproval> {
  return request("/api/entries/bulk-approve", BulkApprovalSchema, {
    method: "POST",
    body: { entries },
  });
}

/** Crops the photo to a box of the upright photo (null: the whole photo again); re-redacts it. */
export async function putCrop(id: string, box: Region | null): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/crop`, EntryAnswerSchema, { method: "PUT", body: { box } })
  ).entry;
}

/** Covers the whole photo (or undoes it); re-redacts it. */
export async function putCoverAll(id: string, on: boolean): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/cover-all`, EntryAnswerSchema, {
      method: "PUT",
      body: { on },
    })
  ).entry;
}

/** Replaces the hand-drawn face regions (fractions of the upright photo); re-redacts the photo. */
export async function putRegions(id: string, regions: Region[]): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/regions`, EntryAnswerSchema, {
      method: "PUT",
      body: { regions },
    })
  ).entry;
}

/** The redacted rendition's address; `version` busts the browser's copy after a re-render. */
export function renditionUrl(entry: EntryView, variant: "display" | "thumb" = "display"): string {
  return `/api/entries/${entry.id}/renditions/${variant}?v=${encodeURIComponent(entry.updatedAt)}`;
}

/**
 * Fetches the original photo (each view is written to the audit log) as an object URL the
 * caller must revoke; it is never cached.
 */
export async function fetchRawPhoto(id: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`/api/entries/${id}/raw-photo`, {
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw networkFailure();
  }
  if (!res.ok) throw await failureOf(res);
  return URL.createObjectURL(await res.blob());
}
