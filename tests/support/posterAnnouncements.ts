import sharp from "sharp";
import { expect } from "vitest";
import type { AnnouncementView } from "../../shared/schemas/announcement";
import { announcementApprover, announcementOf } from "./announcements";
import { api, postJson, type TestServer } from "./testServer";

/**
 * A poster with no face, as a notice designer draws one: a coloured ground, a yellow panel
 * across the top, white bars beneath. Drawn with sharp at `width`×`height`, JPEG. Take a blue,
 * green or violet `hue`: on a reddish ground the detectors see faces (measured: #7a2e2e).
 */
export function drawnPoster(width: number, height: number, hue: string): Promise<Buffer> {
  const bars = Array.from(
    { length: 4 },
    (_, i) =>
      `<rect x="${width * 0.08}" y="${height * (0.5 + i * 0.1)}" width="${width * (0.84 - i * 0.15)}" height="${height * 0.05}" fill="#f5f5f5"/>`,
  ).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="${hue}"/>
    <rect x="${width * 0.06}" y="${height * 0.08}" width="${width * 0.88}" height="${height * 0.3}" fill="#f2c12e"/>
    ${bars}
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toBuffer();
}

/**
 * Publishes an announcement with a poster as screens get one: the default admin drafts it and
 * uploads the poster, the face pipeline passes it (a drawn poster has no face; should the
 * detectors see one anyway, a moderator accepts the covered rendition), the admin
 * submits the revision the pipeline left, and a second person approves it. `input` is what
 * POST /api/announcements takes; the whole city unless it says.
 */
export async function publishPosterAnnouncement(
  t: Pick<TestServer, "baseUrl">,
  input: Record<string, unknown>,
  poster: Buffer,
): Promise<AnnouncementView> {
  const created = await postJson(`${t.baseUrl}/api/announcements`, { ...input, submit: false });
  expect(created.status).toBe(201);
  const { id } = (created.body as { announcement: { id: string } }).announcement;
  const form = new FormData();
  form.set("poster", new Blob([new Uint8Array(poster)]), "poster.jpg");
  const uploaded = await api(`${t.baseUrl}/api/announcements/${id}/poster`, {
    method: "PUT",
    body: form,
  });
  expect(uploaded.status).toBe(200);
  // Generously: the detectors share two cores with everything else the tests run.
  const deadline = Date.now() + 180_000;
  let draft: AnnouncementView;
  for (;;) {
    draft = await announcementOf(await api(`${t.baseUrl}/api/announcements/${id}`));
    if (draft.poster.status !== "queued" && draft.poster.status !== "processing") break;
    if (Date.now() > deadline) throw new Error(`poster of ${id} still ${draft.poster.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const approver = await announcementApprover(t);
  if (draft.poster.status === "needs_review") {
    // The detectors took something drawn for a face and covered it: a moderator looks and
    // accepts the covered rendition, as the review queue asks.
    const confirmed = await approver.post(`${t.baseUrl}/api/announcements/${id}/poster/confirm`, {
      hash: draft.poster.hash,
    });
    expect(confirmed.status).toBe(200);
    draft = await announcementOf(await api(`${t.baseUrl}/api/announcements/${id}`));
  }
  expect(draft.poster.status).toBe("done");
  const submitted = await postJson(`${t.baseUrl}/api/announcements/${id}/submit`, {
    revision: draft.revision,
  });
  expect(submitted.status).toBe(200);
  const inReview = (submitted.body as { announcement: AnnouncementView }).announcement;
  const approved = await approver.post(`${t.baseUrl}/api/announcements/${id}/approve`, {
    revision: inReview.revision,
    posterHash: inReview.poster.hash,
  });
  expect(approved.status).toBe(200);
  const published = await announcementOf(approved);
  expect(published.state).toBe("published");
  return published;
}
