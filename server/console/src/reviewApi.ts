import { z } from "zod";
import { EntryViewSchema, type EntryView } from "../../../shared/schemas/entryView";
import {
  AttentionSchema,
  RevisionChangeSchema,
  type Region,
} from "../../../shared/schemas/moderation";
import { failureOf, networkFailure, queryString, request } from "./api";

const EntryAnswer = z.object({ entry: EntryViewSchema });

/**
 * One entry of the review queue as GET /api/entries/review-queue answers it: why it needs a
 * look, whether it may be approved in bulk, and whether this moderator may act on it at all.
 */
export const ReviewItemSchema = z.object({
  entry: EntryViewSchema,
  attention: z.array(AttentionSchema),
  clean: z.boolean(),
  actionable: z.boolean(),
  notActionableBecause: z.string().optional(),
  /** What the entry's recent revisions changed (field names), oldest first. */
  recentChanges: z.array(RevisionChangeSchema),
  redaction: z
    .object({
      verdict: z.string(),
      reason: z.string().nullable(),
      completedAt: z.string(),
      detail: z.unknown(),
    })
    .nullable(),
});
/** One entry of the review queue. */
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

const ReviewPageSchema = z.object({
  entries: z.array(ReviewItemSchema),
  nextCursor: z.string().nullable(),
});

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
  return (await request(`/api/entries/${id}`, EntryAnswer)).entry;
}

/**
 * Approves (publishes) an entry at the revision the moderator is looking at; the server refuses
 * with stale_revision when it changed since.
 */
export async function approveEntry(id: string, revision: number): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/approve`, EntryAnswer, {
      method: "POST",
      body: { revision },
    })
  ).entry;
}

/** Rejects an entry; the submitter reads the reason. */
export async function rejectEntry(id: string, reason: string): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/reject`, EntryAnswer, { method: "POST", body: { reason } })
  ).entry;
}

/** The outcome of a bulk approval: approved ids, and why each other one was refused. */
export const BulkApprovalSchema = z.object({
  approved: z.array(z.string()),
  refused: z.array(z.object({ id: z.string(), code: z.string(), message: z.string() })),
});
/** The outcome of a bulk approval. */
export type BulkApproval = z.infer<typeof BulkApprovalSchema>;

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
  return (await request(`/api/entries/${id}/crop`, EntryAnswer, { method: "PUT", body: { box } }))
    .entry;
}

/** Covers the whole photo (or undoes it); re-redacts it. */
export async function putCoverAll(id: string, on: boolean): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/cover-all`, EntryAnswer, { method: "PUT", body: { on } })
  ).entry;
}

/** Replaces the hand-drawn face regions (fractions of the upright photo); re-redacts the photo. */
export async function putRegions(id: string, regions: Region[]): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/regions`, EntryAnswer, {
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
