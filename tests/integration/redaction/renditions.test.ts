import { createHash } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { loadFaceDetector } from "../../../server/services/redaction/faceDetector";
import { normalizeImage } from "../../../server/services/redaction/imageIntake";
import { mosaicGrid, redactImage } from "../../../server/services/redaction/redactImage";
import { redactPhoto } from "../../../server/services/redaction/redactPhoto";
import {
  clampBox,
  clusterHits,
  coverRegions,
  outerPixels,
  toPixels,
} from "../../../server/services/redaction/regions";
import { displaySize, layoutDisplay } from "../../../server/services/redaction/renderRenditions";
import { tf } from "../../../server/services/redaction/tfjs";
import type { Box, RgbImage } from "../../../server/services/redaction/types";
import { demoPhoto, noFacePhoto } from "../../fixtures/images";

/** The chunk types of a WebP (RIFF) file, e.g. ["VP8X", "VP8 "]. */
function webpChunks(bytes: Buffer): string[] {
  expect(bytes.toString("latin1", 0, 4)).toBe("RIFF");
  expect(bytes.toString("latin1", 8, 12)).toBe("WEBP");
  const chunks: string[] = [];
  for (let at = 12; at + 8 <= bytes.length;) {
    const size = bytes.readUInt32LE(at + 4);
    chunks.push(bytes.toString("latin1", at, at + 4));
    at += 8 + size + (size % 2);
  }
  return chunks;
}

/** Demo photo n with EXIF (including a name and GPS), an ICC profile and XMP attached. */
async function photoWithMetadata(n: number): Promise<Buffer> {
  return sharp(await demoPhoto(n))
    .withExif({
      IFD0: {
        ImageDescription: "SECRET-Zhang-San-110101199003077777",
        Artist: "SECRET-photographer",
      },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "39/1 54/1 2700/100",
        GPSLongitudeRef: "E",
        GPSLongitude: "116/1 23/1 2900/100",
      },
    })
    .withIccProfile("p3")
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>SECRET-xmp</rdf:Description></rdf:RDF></x:xmpmeta>',
    )
    .jpeg()
    .toBuffer();
}

/** The layout, regions and detector the pipeline would use for this photo. */
async function realRegions(bytes: Buffer): Promise<{ layout: RgbImage; regions: Box[] }> {
  const detector = await loadFaceDetector();
  const { image } = await normalizeImage(bytes, { fit: displaySize });
  const { pixels, placement: p } = await layoutDisplay(image);
  const photo = { x: p.left, y: p.top, width: p.width, height: p.height };
  const hits = (await detector.detect(pixels, 0.2)).flatMap((h) => {
    const box = clampBox(h.box, photo);
    return box ? [{ ...h, box }] : [];
  });
  return {
    layout: pixels,
    regions: coverRegions(
      clusterHits(hits).map((f) => f.box),
      [],
      photo,
    ),
  };
}

function rgbAt(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.data[i] ?? 0, img.data[i + 1] ?? 0, img.data[i + 2] ?? 0];
}

describe("renditions", { timeout: 120_000 }, () => {
  it("strips all metadata: no EXIF, GPS, ICC or XMP survives into the display or thumbnail", async () => {
    const input = await photoWithMetadata(2);
    const inMeta = await sharp(input).metadata();
    expect(inMeta.exif).toBeDefined();
    expect(inMeta.icc).toBeDefined();
    expect(inMeta.xmp).toBeDefined();

    const result = await redactPhoto(input);
    expect(result.verdict).toBe("publishable");
    const { display, thumb } = result.renditions ?? {};
    if (!display || !thumb) throw new Error("no renditions");
    for (const r of [display, thumb]) {
      const meta = await sharp(r.bytes).metadata();
      expect(meta.format).toBe("webp");
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(webpChunks(r.bytes).filter((c) => !["VP8 ", "VP8L", "VP8X"].includes(c))).toEqual([]);
      expect(r.bytes.includes("SECRET")).toBe(false);
    }
  });

  it("renders 600×800 and 150×200 WebP files named by the sha256 of their bytes", async () => {
    const result = await redactPhoto(await demoPhoto(6));
    const { display, thumb } = result.renditions ?? {};
    if (!display || !thumb) throw new Error("no renditions");
    for (const [r, w, h] of [
      [display, 600, 800],
      [thumb, 150, 200],
    ] as const) {
      const meta = await sharp(r.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([w, h]);
      expect(r.mediaType).toBe("image/webp");
      const sha = createHash("sha256").update(r.bytes).digest("hex");
      expect(r.sha256).toBe(sha);
      expect(r.fileName).toBe(`${sha}.webp`);
    }
    expect(display.sha256).not.toBe(thumb.sha256);
    // The same photo redacts to the same bytes, so its URL is stable and cacheable.
    const again = await redactPhoto(await demoPhoto(6));
    expect(again.renditions?.display.sha256).toBe(display.sha256);
  });

  it("letterboxes a landscape photo into the portrait display instead of cropping it", async () => {
    // Sample 5, whose mosaic the gate publishes (sample 1's goes to review: see coveredShare).
    const result = await redactPhoto(await demoPhoto(5));
    const display = result.renditions?.display;
    if (!display) throw new Error("no rendition");
    const { data, info } = await sharp(display.bytes).raw().toBuffer({ resolveWithObject: true });
    const img = { data, width: info.width, height: info.height };
    // 1920×1398 → 600×437 in the middle: the bands above (to y 181) and below (from y 619)
    // are the white letterbox.
    for (const [x, y] of [
      [10, 10],
      [590, 170],
      [300, 790],
    ] as const) {
      for (const v of rgbAt(img, x, y)) expect(v).toBeGreaterThan(245);
    }
  });
});

describe("the mosaic on real photos", { timeout: 120_000 }, () => {
  it("has at most 6 flat cells across every covered area", async () => {
    const { layout, regions } = await realRegions(await demoPhoto(5));
    expect(regions.length).toBeGreaterThan(0);
    const out = await redactImage(layout, regions, { style: "mosaic", smooth: false });
    for (const region of regions) {
      const { x0, y0, x1, y1 } = outerPixels(region);
      for (let y = y0; y < y1; y++) {
        const row = new Set<string>();
        for (let x = x0; x < x1; x++) row.add(rgbAt(out, x, y).join());
        expect(row.size).toBeLessThanOrEqual(6);
      }
      for (let x = x0; x < x1; x++) {
        const col = new Set<string>();
        for (let y = y0; y < y1; y++) col.add(rgbAt(out, x, y).join());
        expect(col.size).toBeLessThanOrEqual(6);
      }
    }
  });

  it("keeps the cells flat in the published WebP (smoothing off), up to compression noise", async () => {
    const bytes = await demoPhoto(5);
    const result = await redactPhoto(bytes, { smooth: false });
    const display = result.renditions?.display;
    if (!display) throw new Error("no rendition");
    const { data, info } = await sharp(display.bytes).raw().toBuffer({ resolveWithObject: true });
    const img = { data, width: info.width, height: info.height };
    const { regions } = await realRegions(bytes);
    for (const region of regions) {
      const { x0, y0, x1, y1 } = outerPixels(region);
      const { cols, rows } = mosaicGrid(x1 - x0, y1 - y0);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          // The inner half of each cell, away from edges where the codec blends neighbours.
          const cx0 = x0 + Math.floor((c * (x1 - x0)) / cols);
          const cx1 = x0 + Math.floor(((c + 1) * (x1 - x0)) / cols);
          const cy0 = y0 + Math.floor((r * (y1 - y0)) / rows);
          const cy1 = y0 + Math.floor(((r + 1) * (y1 - y0)) / rows);
          const qx = Math.floor((cx1 - cx0) / 4);
          const qy = Math.floor((cy1 - cy0) / 4);
          const values: number[] = [];
          for (let y = cy0 + qy; y < cy1 - qy; y++) {
            for (let x = cx0 + qx; x < cx1 - qx; x++) values.push(rgbAt(img, x, y)[1]);
          }
          const mean = values.reduce((a, b) => a + b, 0) / values.length;
          const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
          expect(sd).toBeLessThan(4);
        }
      }
    }
  });

  it("is irreversible even when smoothed: detail inside a cell cannot change the output", async () => {
    const { layout, regions } = await realRegions(await demoPhoto(3));
    const region = regions[0];
    if (!region) throw new Error("no face found");
    const { x0, y0, x1, y1 } = outerPixels(region);
    const { cols, rows } = mosaicGrid(x1 - x0, y1 - y0);
    // Mirror the pixels inside every cell: each cell's average stays, the face is scrambled.
    const scrambled = Buffer.from(layout.data);
    for (let r = 0; r < rows; r++) {
      const cy0 = y0 + Math.floor((r * (y1 - y0)) / rows);
      const cy1 = y0 + Math.floor(((r + 1) * (y1 - y0)) / rows);
      for (let c = 0; c < cols; c++) {
        const cx0 = x0 + Math.floor((c * (x1 - x0)) / cols);
        const cx1 = x0 + Math.floor(((c + 1) * (x1 - x0)) / cols);
        for (let y = cy0; y < cy1; y++) {
          for (let x = cx0; x < cx1; x++) {
            const from = ((cy1 - 1 - (y - cy0)) * layout.width + (cx1 - 1 - (x - cx0))) * 3;
            layout.data.copy(scrambled, (y * layout.width + x) * 3, from, from + 3);
          }
        }
      }
    }
    expect(scrambled.equals(layout.data)).toBe(false);
    const a = await redactImage(layout, [region], { style: "mosaic", smooth: true });
    const b = await redactImage({ ...layout, data: scrambled }, [region], {
      style: "mosaic",
      smooth: true,
    });
    expect(a.data.equals(b.data)).toBe(true);
  });
});

describe("manual regions and failing closed", { timeout: 120_000 }, () => {
  it("covers a moderator's region on a photo with no detectable face and re-verifies", async () => {
    const bytes = await noFacePhoto();
    const manual = { x: 0.3, y: 0.2, width: 0.4, height: 0.3 };
    const result = await redactPhoto(bytes, { manualRegions: [manual] });
    expect(result.verdict).toBe("publishable");
    expect(result.verification.status).toBe("passed");
    expect(result.regions).toHaveLength(1);
    const display = result.renditions?.display;
    if (!display) throw new Error("no rendition");
    const { data, info } = await sharp(display.bytes).raw().toBuffer({ resolveWithObject: true });
    const before = await sharp(bytes).raw().toBuffer();
    const box = toPixels(manual, { x: 0, y: 0, width: info.width, height: info.height });
    // The checkerboard is gone inside the region and intact outside it.
    const spread = (buf: Buffer, cx: number, cy: number): number => {
      const values: number[] = [];
      for (let y = cy - 12; y < cy + 12; y++) {
        for (let x = cx - 12; x < cx + 12; x++) values.push(buf[(y * info.width + x) * 3 + 2] ?? 0);
      }
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    };
    const cx = Math.round(box.x + box.width / 2);
    const cy = Math.round(box.y + box.height / 2);
    expect(spread(before, cx, cy)).toBeGreaterThan(15);
    expect(spread(data, cx, cy)).toBeLessThan(8);
    expect(spread(data, 60, 700)).toBeGreaterThan(15);
  });

  it("does not let an empty list of manual regions publish a photo with no face", async () => {
    const result = await redactPhoto(await noFacePhoto(), { manualRegions: [] });
    expect(result.verdict).toBe("needs_review");
    expect(result.reason).toBe("no_face_detected");
  });

  it("refuses a manual region that lies outside the photo instead of ignoring it", async () => {
    await expect(
      redactPhoto(await noFacePhoto(), {
        manualRegions: [{ x: 1.2, y: 0.1, width: 0.2, height: 0.2 }],
      }),
    ).rejects.toThrow(RangeError);
  });

  it("adds manual regions to the detected faces", async () => {
    const bytes = await demoPhoto(2);
    const plain = await redactPhoto(bytes);
    const manual = { x: 0.02, y: 0.8, width: 0.1, height: 0.15 };
    const withManual = await redactPhoto(bytes, { manualRegions: [manual] });
    expect(withManual.regions.length).toBe(plain.regions.length + 1);
    expect(withManual.faces.length).toBe(plain.faces.length);
  });

  it("sends the photo to review, with no rendition, when the detectors fail to load", async () => {
    const result = await redactPhoto(
      await demoPhoto(1),
      {},
      {
        loadDetector: () => Promise.reject(new Error("WASM backend failed to start")),
      },
    );
    expect(result.verdict).toBe("needs_review");
    expect(result.reason).toBe("detector_error");
    expect(result.verification.status).toBe("error");
    expect(result.renditions).toBeUndefined();
  });

  it("sends the photo to review when the detectors fail during verification", async () => {
    const real = await loadFaceDetector();
    let calls = 0;
    const flaky = {
      ...real,
      detect: (...args: Parameters<typeof real.detect>) => {
        calls += 1;
        return calls === 1 ? real.detect(...args) : Promise.reject(new Error("out of memory"));
      },
    };
    const result = await redactPhoto(
      await demoPhoto(1),
      {},
      { loadDetector: () => Promise.resolve(flaky) },
    );
    expect(calls).toBe(2);
    expect(result.verdict).toBe("needs_review");
    expect(result.reason).toBe("detector_error");
    expect(result.verification.error).toBe("out of memory");
    expect(result.renditions).toBeUndefined();
  });

  it("frees every tensor it makes (tf.memory does not grow over many photos)", async () => {
    const bytes = await demoPhoto(4);
    await redactPhoto(bytes);
    const before = tf.memory();
    for (let i = 0; i < 3; i++) await redactPhoto(bytes);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});
