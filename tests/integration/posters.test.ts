import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnnouncementViewSchema, type AnnouncementView } from "../../shared/schemas/announcement";
import { demoFaces } from "../fixtures/demoFaces";
import { animatedGif, demoPhoto, pngBomb, svgWithScript, webpAndAvif } from "../fixtures/images";
import { announcementApprover, announcementOf } from "../support/announcements";
import { detailKept, maxDetailRatio } from "../support/privacyJudge";
import type { TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

/**
 * A poster with no face: coloured bands and shapes drawn with sharp, with the EXIF a design
 * tool writes. (Large lettering is left out on purpose: BlazeFace scores some letter pairs
 * 0.5–0.56 as faces, and such a poster goes to review, the safe direction.)
 */
async function drawnPoster(width = 1600, height = 900): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#1f4e79"/>
    <rect x="80" y="80" width="${width - 160}" height="${height / 3}" fill="#f2c12e"/>
    <rect x="80" y="${height / 2}" width="${width / 2 - 100}" height="${height / 2 - 80}" fill="#e8e8e8"/>
    <polygon points="${width - 400},${height - 80} ${width - 80},${height - 80} ${width - 240},${height - 380}" fill="#d9534f"/>
  </svg>`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 90 })
    .withMetadata({ exif: { IFD0: { Artist: "Poster Studio", Copyright: "Fictional" } } })
    .toBuffer();
}

describe(
  "announcement posters through the face pipeline (real server, real detectors)",
  { timeout: 600_000 },
  () => {
    let t: TestServer;
    let approver: TestUser;
    let kiosk: { socket: KioskSocket; token: string; screenId: string };

    beforeAll(async () => {
      t = await startTestServer();
      await createDistrict(t.baseUrl, "poster-city");
      approver = await announcementApprover(t);
      kiosk = await pairKiosk(t.baseUrl, "poster-city");
    });
    afterAll(async () => {
      kiosk.socket.disconnect();
      await t.stop();
      removeDataDir(t.dataDir);
    });

    /** A new draft announcement of the whole city, written by the default admin. */
    async function draft(title: string): Promise<AnnouncementView> {
      const res = await postJson(`${t.baseUrl}/api/announcements`, { title });
      expect(res.status).toBe(201);
      return AnnouncementViewSchema.parse((res.body as { announcement: unknown }).announcement);
    }

    async function view(id: string): Promise<AnnouncementView> {
      return announcementOf(await api(`${t.baseUrl}/api/announcements/${id}`));
    }

    function upload(id: string, bytes: Buffer, name = "poster.jpg"): Promise<Response> {
      const form = new FormData();
      form.set("poster", new Blob([new Uint8Array(bytes)]), name);
      return api(`${t.baseUrl}/api/announcements/${id}/poster`, { method: "PUT", body: form });
    }

    /** Waits (generously) until the poster left the queue. */
    async function settled(id: string): Promise<AnnouncementView> {
      const deadline = Date.now() + 400_000;
      for (;;) {
        const a = await view(id);
        if (a.poster.status !== "queued" && a.poster.status !== "processing") return a;
        if (Date.now() > deadline) throw new Error(`poster of ${id} still ${a.poster.status}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    function kioskFetch(hash: string, token?: string): Promise<Response> {
      return fetch(`${t.baseUrl}/kiosk/posters/${hash}`, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
    }

    it.each([
      ["an SVG", () => Promise.resolve(svgWithScript()), 415, "unsupported_media_type"],
      ["a GIF", animatedGif, 415, "unsupported_media_type"],
      ["an AVIF", async () => (await webpAndAvif()).avif, 415, "unsupported_media_type"],
      ["a decompression bomb", () => Promise.resolve(pngBomb()), 413, "payload_too_large"],
      [
        "a text file",
        () => Promise.resolve(Buffer.from("not an image at all, only words")),
        415,
        "unsupported_media_type",
      ],
    ] as const)(
      "refuses %s with a code and a sentence, storing nothing",
      async (_, make, status, code) => {
        const bytes = await make();
        const a = await draft("海报校验");
        const res = await upload(a.id, bytes);
        expect(res.status).toBe(status);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe(code);
        expect(body.error.message.length).toBeGreaterThan(10);
        const after = await view(a.id);
        expect(after.poster.status).toBe("none");
        expect(after.revision).toBe(a.revision);
      },
    );

    it("refuses an upload that is not multipart, and a form without the poster part", async () => {
      const a = await draft("海报格式");
      const json = await api(`${t.baseUrl}/api/announcements/${a.id}/poster`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      expect(json.status).toBe(415);
      const form = new FormData();
      form.set("photo", new Blob([new Uint8Array(await drawnPoster())]), "p.jpg");
      const wrongPart = await api(`${t.baseUrl}/api/announcements/${a.id}/poster`, {
        method: "PUT",
        body: form,
      });
      expect(wrongPart.status).toBe(400);
      expect((await view(a.id)).poster.status).toBe("none");
    });

    it("covers every known face of a real photo and sends the poster to review", async () => {
      const a = await draft("社区活动海报");
      const photo = await demoPhoto(1);
      const res = await upload(a.id, photo);
      expect(res.status).toBe(200);
      // An upload is an edit: a new revision, the uploader among the editors.
      const queued = await view(a.id);
      expect(queued.revision).toBe(a.revision + 1);
      const done = await settled(a.id);
      expect(done.poster.status).toBe("needs_review");
      expect(done.poster.faces).toBeGreaterThanOrEqual(3);
      expect(done.poster.hash).toMatch(/^[0-9a-f]{64}$/);

      const rendition = await api(`${t.baseUrl}/api/announcements/${a.id}/poster`);
      expect(rendition.status).toBe(200);
      expect(rendition.headers.get("content-type")).toBe("image/webp");
      const bytes = Buffer.from(await rendition.arrayBuffer());
      const labels = demoFaces.find((d) => d.photo === 1);
      if (!labels) throw new Error("demo photo 1 has no labels");
      const meta = await sharp(bytes).metadata();
      // 1920 × 1280 fits a 4K screen: kept at its own size, not cropped, not enlarged.
      expect([meta.width, meta.height]).toEqual([labels.width, labels.height]);

      // Judged by the hand-labelled boxes, not by the pipeline's detectors: the rendition keeps
      // under a quarter of each face's detail (the unredacted photo encoded alike as reference).
      const grey = async (b: Buffer) => {
        const { data, info } = await sharp(b)
          .removeAlpha()
          .grayscale()
          .raw()
          .toBuffer({ resolveWithObject: true });
        return { data, width: info.width, height: info.height };
      };
      const reference = await grey(await sharp(photo).webp({ quality: 85 }).toBuffer());
      const redacted = await grey(bytes);
      for (const f of labels.faces) {
        const box = { x0: f.x, y0: f.y, x1: f.x + f.width, y1: f.y + f.height };
        expect((await detailKept(reference, reference, box)).kept).toBeGreaterThan(0.9);
        expect((await detailKept(reference, redacted, box)).kept).toBeLessThan(maxDetailRatio);
      }
    });

    it("lets only a second person accept covered faces, then plays it once published", async () => {
      const a = await draft("志愿者招募");
      // Smaller than a detector window, so the pipeline makes one pass of it.
      const photo = await sharp(await demoPhoto(1))
        .resize(780)
        .jpeg()
        .toBuffer();
      expect((await upload(a.id, photo)).status).toBe(200);
      const covered = await settled(a.id);
      expect(covered.poster.status).toBe("needs_review");
      const hash = covered.poster.hash ?? "";

      // Not shown to screens while the announcement is not published.
      expect((await kioskFetch(hash, kiosk.token)).status).toBe(404);

      // The uploader may not accept their own poster.
      const own = await postJson(`${t.baseUrl}/api/announcements/${a.id}/poster/confirm`, { hash });
      expect(own.status).toBe(403);
      expect((own.body as { error: { code: string } }).error.code).toBe("four_eyes");
      expect((await view(a.id)).poster.status).toBe("needs_review");

      // An acceptance holds only for the rendition its moderator saw: it must name it, and
      // naming another is refused; neither changes anything.
      const unnamed = await approver.post(
        `${t.baseUrl}/api/announcements/${a.id}/poster/confirm`,
        {},
      );
      expect(unnamed.status).toBe(400);
      const unnamedError = ((await unnamed.json()) as { error: { code: string; message: string } })
        .error;
      expect(unnamedError.code).toBe("validation_failed");
      expect(unnamedError.message).toMatch(/hash/);
      const other = await approver.post(`${t.baseUrl}/api/announcements/${a.id}/poster/confirm`, {
        hash: "0".repeat(64),
      });
      expect(other.status).toBe(409);
      const otherError = ((await other.json()) as { error: { code: string; message: string } })
        .error;
      expect(otherError.code).toBe("stale_revision");
      expect(otherError.message.length).toBeGreaterThan(10);
      expect((await view(a.id)).poster.status).toBe("needs_review");

      const accepted = await approver.post(
        `${t.baseUrl}/api/announcements/${a.id}/poster/confirm`,
        {
          hash,
        },
      );
      expect(accepted.status).toBe(200);
      expect((await view(a.id)).poster.status).toBe("done");

      const current = await view(a.id);
      const submitted = await postJson(`${t.baseUrl}/api/announcements/${a.id}/submit`, {
        revision: current.revision,
      });
      expect(submitted.status).toBe(200);
      const approved = await approver.post(`${t.baseUrl}/api/announcements/${a.id}/approve`, {
        revision: current.revision,
        posterHash: hash,
      });
      expect(approved.status).toBe(200);
      expect((await announcementOf(approved)).state).toBe("published");

      const served = await kioskFetch(hash, kiosk.token);
      expect(served.status).toBe(200);
      expect(served.headers.get("etag")).toBe(`"${hash}"`);
      expect(served.headers.get("cache-control")).toBe("private, no-store");
      const again = await fetch(`${t.baseUrl}/kiosk/posters/${hash}`, {
        headers: { Authorization: `Bearer ${kiosk.token}`, "If-None-Match": `"${hash}"` },
      });
      expect(again.status).toBe(304);
      // Without the device token: refused.
      const anonymous = await kioskFetch(hash);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe(
        "unauthenticated",
      );

      // Removing the poster is an edit: the announcement leaves the screens, and so does the poster.
      const removed = await api(`${t.baseUrl}/api/announcements/${a.id}/poster`, {
        method: "DELETE",
      });
      expect(removed.status).toBe(200);
      const after = await view(a.id);
      expect(after.state).toBe("in_review");
      expect(after.poster.status).toBe("none");
      expect((await kioskFetch(hash, kiosk.token)).status).toBe(404);
    });

    it("passes a poster without faces as done, its metadata stripped", async () => {
      const a = await draft("道路施工海报");
      const poster = await drawnPoster();
      expect((await sharp(poster).metadata()).exif).toBeDefined();
      expect((await upload(a.id, poster)).status).toBe(200);
      const done = await settled(a.id);
      expect(done.poster).toMatchObject({ status: "done", faces: 0, width: 1600, height: 900 });
      const rendition = await api(`${t.baseUrl}/api/announcements/${a.id}/poster`);
      expect(rendition.status).toBe(200);
      const meta = await sharp(Buffer.from(await rendition.arrayBuffer())).metadata();
      expect(meta.format).toBe("webp");
      expect(meta.exif).toBeUndefined();

      // The upload is stored sealed: no stretch of its bytes is in any file of the data folder.
      const sample = poster.subarray(poster.length >> 1, (poster.length >> 1) + 48);
      const files = readdirSync(t.dataDir, { withFileTypes: true }).filter((f) => f.isFile());
      expect(files.length).toBeGreaterThan(0);
      for (const f of files)
        expect(readFileSync(join(t.dataDir, f.name)).includes(sample), f.name).toBe(false);
    });

    it("approves only naming the covered poster the approver looked at", async () => {
      // Two faceless posters, each done; the pipeline finishing changes no revision, so a
      // moderator who read the announcement while its poster was queued saw no poster at all.
      const other = await draft("另一张海报");
      expect((await upload(other.id, await drawnPoster(1200, 800))).status).toBe(200);
      const a = await draft("夜间施工海报");
      expect((await upload(a.id, await drawnPoster())).status).toBe(200);
      const done = await settled(a.id);
      const otherHash = (await settled(other.id)).poster.hash;
      expect(done.poster.status).toBe("done");
      expect(done.poster.hash).not.toBeNull();
      expect(otherHash).not.toBe(done.poster.hash);
      const submitted = await postJson(`${t.baseUrl}/api/announcements/${a.id}/submit`, {
        revision: done.revision,
      });
      expect(submitted.status).toBe(200);
      const approve = (body: object) =>
        approver.post(`${t.baseUrl}/api/announcements/${a.id}/approve`, {
          revision: done.revision,
          ...body,
        });
      for (const [body, reason] of [
        [{}, "announcement.posterNotNamed"],
        [{ posterHash: null }, "announcement.posterNotNamed"],
        [{ posterHash: otherHash }, "announcement.posterNotSeen"],
      ] as const) {
        const refused = await approve(body);
        expect(refused.status, JSON.stringify(body)).toBe(409);
        const error = (
          (await refused.json()) as { error: { code: string; reason: string; message: string } }
        ).error;
        expect(error).toMatchObject({ code: "stale_revision", reason });
        expect(error.message).toMatch(/poster/);
        expect((await view(a.id)).state).toBe("in_review");
      }
      const malformed = await approve({ posterHash: "not-a-hash" });
      expect(malformed.status).toBe(400);
      const approved = await approve({ posterHash: done.poster.hash });
      expect(approved.status).toBe(200);
      expect((await announcementOf(approved)).state).toBe("published");
    });

    it("covers hand-drawn regions too, re-rendered, and waits for a second person", async () => {
      const a = await draft("手绘区域海报");
      const poster = await drawnPoster(780, 440);
      expect((await upload(a.id, poster)).status).toBe(200);
      const first = await settled(a.id);
      expect(first.poster).toMatchObject({ status: "done", faces: 0 });

      const outside = await api(`${t.baseUrl}/api/announcements/${a.id}/poster/regions`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ regions: [{ x: 0.9, y: 0.1, width: 0.5, height: 0.2 }] }),
      });
      expect(outside.status).toBe(400);
      expect((await view(a.id)).revision).toBe(first.revision);

      // The red triangle's square, bottom right of the poster.
      const region = { x: 0.6, y: 0.45, width: 0.35, height: 0.45 };
      const marked = await api(`${t.baseUrl}/api/announcements/${a.id}/poster/regions`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ regions: [region] }),
      });
      expect(marked.status).toBe(200);
      const covered = await settled(a.id);
      expect(covered.poster.status).toBe("needs_review");
      expect(covered.revision).toBe(first.revision + 1);
      expect(covered.poster.hash).not.toBe(first.poster.hash);

      // The region's pixels are a coarse mosaic now: far less detail than the drawing had.
      const rendition = Buffer.from(
        await (await api(`${t.baseUrl}/api/announcements/${a.id}/poster`)).arrayBuffer(),
      );
      const grey = async (b: Buffer) => {
        const { data, info } = await sharp(b)
          .removeAlpha()
          .grayscale()
          .raw()
          .toBuffer({ resolveWithObject: true });
        return { data, width: info.width, height: info.height };
      };
      const reference = await grey(await sharp(poster).webp({ quality: 85 }).toBuffer());
      const box = {
        x0: region.x * 780,
        y0: region.y * 440,
        x1: (region.x + region.width) * 780,
        y1: (region.y + region.height) * 440,
      };
      expect((await detailKept(reference, await grey(rendition), box)).kept).toBeLessThan(
        maxDetailRatio,
      );

      const accepted = await approver.post(
        `${t.baseUrl}/api/announcements/${a.id}/poster/confirm`,
        { hash: covered.poster.hash },
      );
      expect(accepted.status).toBe(200);
      expect((await view(a.id)).poster.status).toBe("done");

      // Withdrawing erases the upload: new regions would have nothing to render, so they are
      // refused with a sentence, and nothing changes (the poster is not queued for ever).
      const withdrawn = await postJson(`${t.baseUrl}/api/announcements/${a.id}/withdraw`, {});
      expect(withdrawn.status).toBe(200);
      const gone = await view(a.id);
      expect(gone.state).toBe("withdrawn");
      const late = await api(`${t.baseUrl}/api/announcements/${a.id}/poster/regions`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ regions: [region] }),
      });
      expect(late.status).toBe(409);
      const lateError = ((await late.json()) as { error: { code: string; message: string } }).error;
      expect(lateError.code).toBe("conflict");
      expect(lateError.message).toMatch(/upload the poster again/);
      const after = await view(a.id);
      expect(after.state).toBe("withdrawn");
      expect(after.revision).toBe(gone.revision);
      expect(after.poster.status).toBe("done");
    });
  },
);
