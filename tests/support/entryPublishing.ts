import { expect } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { buildEntryInput } from "./entryFactory";
import type { TestUser } from "./principals";
import { api, waitForRedaction, type TestServer } from "./testServer";

/** Creates an entry with a photo as the default admin (the submitter), in district "da" unless told. */
export async function createEntryWithPhoto(
  t: TestServer,
  photo: Buffer,
  overrides: Parameters<typeof buildEntryInput>[0],
): Promise<EntryView> {
  const form = new FormData();
  form.set("entry", JSON.stringify(buildEntryInput({ districtIds: ["da"], ...overrides })));
  form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
  const res = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
  expect(res.status).toBe(201);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

/** The display rendition's hash of an entry (what the screen fetches). */
export function displayHash(entry: EntryView): string {
  const hash = entry.renditions.find((r) => r.variant === "display")?.hash;
  if (!hash) throw new Error(`entry ${entry.id} has no display rendition`);
  return hash;
}

/**
 * Has `moderator` approve an entry once redacted; a silhouette has no detectable face, so the
 * submitter marks the head first, as the review queue asks (four eyes: not the approver). Returns the approval's time and
 * the entry as approved (with its renditions).
 */
export async function approveEntry(
  t: TestServer,
  moderator: TestUser,
  entry: EntryView,
): Promise<{ approvedAt: number; entry: EntryView }> {
  const first = await waitForRedaction(t, entry.id);
  if (first.redactionStatus === "needs_review") {
    // The submitter (the default admin) marks the head: whoever draws may not approve.
    const marked = await api(`${t.baseUrl}/api/entries/${entry.id}/regions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ regions: [{ x: 0.25, y: 0.2, width: 0.5, height: 0.4 }] }),
    });
    expect(marked.status).toBe(200);
  }
  const redacted = await waitForRedaction(t, entry.id);
  expect(redacted.redactionStatus).toBe("done");
  const res = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
    revision: redacted.revision,
  });
  expect(res.status).toBe(200);
  return { approvedAt: Date.now(), entry: redacted };
}

/**
 * Has `user` approve an entry at the revision they read just before (what the review queue
 * shows); the server's answer, whatever it is. A user who cannot read the entry names revision 1.
 */
export async function approveAsSeen(
  baseUrl: string,
  user: TestUser,
  id: string,
): Promise<Response> {
  const read = await user.fetch(`${baseUrl}/api/entries/${id}`);
  const revision = read.ok
    ? EntryViewSchema.parse(((await read.json()) as { entry: unknown }).entry).revision
    : 1;
  return user.post(`${baseUrl}/api/entries/${id}/approve`, { revision });
}
