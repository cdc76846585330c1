import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { buildEntryInput } from "../support/entryFactory";
import {
  createDistrict,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const demoDir = join(
  dirname(createRequire(import.meta.url).resolve("@vladmandic/face-api/package.json")),
  "demo",
);

async function postEntryWithPhoto(
  t: TestServer,
  photo: Buffer,
  fileName = "photo.jpg",
): Promise<Response> {
  const form = new FormData();
  form.set("entry", JSON.stringify(buildEntryInput()));
  form.set("photo", new Blob([new Uint8Array(photo)]), fileName);
  return fetch(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
}

async function waitForRedaction(t: TestServer, id: string, timeoutMs = 90_000): Promise<EntryView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${t.baseUrl}/api/entries/${id}`);
    const entry = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    if (entry.redactionStatus !== "queued" && entry.redactionStatus !== "processing") return entry;
    if (Date.now() > deadline) throw new Error(`redaction of ${id} still ${entry.redactionStatus}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function entryCount(t: TestServer): Promise<number> {
  const res = await fetch(`${t.baseUrl}/api/entries?limit=200`);
  return ((await res.json()) as { entries: unknown[] }).entries.length;
}

describe("entries with photos: sealed raw, redacted off the event loop, fail closed", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } });
    await createDistrict(t.baseUrl, "dongcheng");
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("redacts a photo with faces into verified renditions and never stores the raw bytes in clear", async () => {
    const photo = readFileSync(join(demoDir, "sample1.jpg"));
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
    form.set(
      "photo",
      new Blob([new Uint8Array(readFileSync(join(demoDir, "sample2.jpg")))]),
      "p.jpg",
    );
    const replaced = await fetch(`${t.baseUrl}/api/entries/${created.id}/photo`, {
      method: "PUT",
      body: form,
    });
    expect(replaced.status).toBe(200);
    const again = await waitForRedaction(t, created.id);
    expect(again.redactionStatus).toBe("done");
    expect(again.renditions).toHaveLength(2);
  });

  it("refuses a text file named .jpg with a 4xx and stores nothing", async () => {
    const before = await entryCount(t);
    const res = await postEntryWithPhoto(t, Buffer.from("this is not an image\n"), "face.jpg");
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(await entryCount(t)).toBe(before);
  });

  it("refuses a photo over 15 MB with a 413", async () => {
    const res = await postEntryWithPhoto(t, Buffer.alloc(16 * 1024 * 1024, 1));
    expect(res.status).toBe(413);
  });

  it("refuses a multipart form without the entry field", async () => {
    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array([1, 2, 3])]), "x.jpg");
    const res = await fetch(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
    expect(res.status).toBe(400);
  });
});
