import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { buildEntryInput } from "../support/entryFactory";
import { demoPhoto } from "../fixtures/images";
import { singleFacePortrait } from "../fixtures/singleFace";
import {
  api,
  createDistrict,
  type TestServer,
  useTestServer,
  waitForRedaction,
} from "../support/testServer";

async function postEntryWithPhoto(
  t: TestServer,
  photo: Buffer,
  fileName = "photo.jpg",
): Promise<Response> {
  const form = new FormData();
  form.set("entry", JSON.stringify(buildEntryInput()));
  form.set("photo", new Blob([new Uint8Array(photo)]), fileName);
  return api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
}

async function entryCount(t: TestServer): Promise<number> {
  const res = await api(`${t.baseUrl}/api/entries?limit=200`);
  return ((await res.json()) as { entries: unknown[] }).entries.length;
}

describe("entries with photos: sealed raw, redacted off the event loop, fail closed", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } }, (t) =>
    createDistrict(t.baseUrl, "dongcheng"),
  );

  it("redacts a photo with a face into verified renditions and never stores the raw bytes in clear", async () => {
    const t = server();
    const photo = await singleFacePortrait();
    const res = await postEntryWithPhoto(t, photo);
    expect(res.status).toBe(201);
    const created = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    expect(created.redactionStatus).toBe("queued");

    const done = await waitForRedaction(t, created.id);
    expect(done.redactionStatus).toBe("done");
    expect(done.renditions.map((r) => r.variant).sort()).toEqual(["display", "thumb"]);

    const disk = Buffer.concat(readdirSync(t.dataDir).map((f) => readFileSync(join(t.dataDir, f))));
    const probe = photo.subarray(Math.floor(photo.length / 2), Math.floor(photo.length / 2) + 64);
    expect(disk.includes(probe)).toBe(false);
  });

  it("sends a photo without a face to manual review with no rendition", async () => {
    const t = server();
    const noFace = await sharp({
      create: { width: 600, height: 800, channels: 3, background: { r: 90, g: 140, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    const res = await postEntryWithPhoto(t, noFace);
    expect(res.status).toBe(201);
    const created = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    const done = await waitForRedaction(t, created.id);
    expect(done.redactionStatus).toBe("needs_review");
    expect(done.redactionReason).toBeTruthy();
    expect(done.renditions).toEqual([]);

    // A better photo replaces it and is redacted again.
    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array(await demoPhoto(2))]), "p.jpg");
    const replaced = await api(`${t.baseUrl}/api/entries/${created.id}/photo`, {
      method: "PUT",
      body: form,
    });
    expect(replaced.status).toBe(200);
    const again = await waitForRedaction(t, created.id);
    expect(again.redactionStatus).toBe("done");
    expect(again.renditions).toHaveLength(2);
  });

  it("a photo replaced while the old one is being redacted never gets the old photo's renditions", async () => {
    const t = server();
    const res = await postEntryWithPhoto(t, await demoPhoto(5));
    expect(res.status).toBe(201);
    const created = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    const noFace = await sharp({
      create: { width: 600, height: 800, channels: 3, background: { r: 200, g: 200, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array(noFace)]), "p.jpg");
    const replaced = await api(`${t.baseUrl}/api/entries/${created.id}/photo`, {
      method: "PUT",
      body: form,
    });
    expect(replaced.status).toBe(200);
    const settled = await waitForRedaction(t, created.id);
    // Whichever way the race went, only the new photo's (failing) result may stand.
    await new Promise((r) => setTimeout(r, 6_000));
    const final = await waitForRedaction(t, settled.id);
    expect(final.redactionStatus).toBe("needs_review");
    expect(final.renditions).toEqual([]);
  });

  it("refuses a text file named .jpg with a 4xx and stores nothing", async () => {
    const t = server();
    const before = await entryCount(t);
    const res = await postEntryWithPhoto(t, Buffer.from("this is not an image\n"), "face.jpg");
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(await entryCount(t)).toBe(before);
  });

  it("refuses a photo over 15 MB with a 413", async () => {
    const t = server();
    const res = await postEntryWithPhoto(t, Buffer.alloc(16 * 1024 * 1024, 1));
    expect(res.status).toBe(413);
  });

  it("refuses a multipart form without the entry field", async () => {
    const t = server();
    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array([1, 2, 3])]), "x.jpg");
    const res = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
    expect(res.status).toBe(400);
  });
});
