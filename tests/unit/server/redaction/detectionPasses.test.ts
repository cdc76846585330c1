import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { unrotateBox } from "../../../../server/services/redaction/detectionPasses";
import { concernsOf } from "../../../../server/services/redaction/redactPhoto";
import { clusterHits } from "../../../../server/services/redaction/regions";
import type { Box, DetectorHit } from "../../../../server/services/redaction/types";

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });
const hit = (
  detector: DetectorHit["detector"],
  score: number,
  b: Box,
  pass?: string,
): DetectorHit => ({ detector, score, box: b, ...(pass ? { pass } : {}) });

/** The bounding box of the white pixels of a raw RGB image. */
function whiteBox(data: Buffer, width: number, height: number): Box {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if ((data[(y * width + x) * 3] ?? 0) > 200) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  return box(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
}

describe("unrotateBox", () => {
  it.each([-30, 30, 45])(
    "maps a box found on a photo sharp turned %i° back onto the upright photo",
    async (degrees) => {
      // A white square off-centre on black: where it lands after sharp's turn, mapped back,
      // must hold the square where it was.
      const width = 300;
      const height = 400;
      const square = box(60, 90, 50, 50);
      const svg = `<svg width="${width}" height="${height}"><rect width="100%" height="100%" fill="black"/><rect x="${square.x}" y="${square.y}" width="${square.width}" height="${square.height}" fill="white"/></svg>`;
      const { data, info } = await sharp(Buffer.from(svg))
        .removeAlpha()
        .rotate(degrees, { background: "#000000" })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const found = whiteBox(data, info.width, info.height);
      const back = unrotateBox(found, degrees, info, { width, height });
      // The box around a turned square is larger than the square; it must contain it.
      expect(back.x).toBeLessThanOrEqual(square.x + 2);
      expect(back.y).toBeLessThanOrEqual(square.y + 2);
      expect(back.x + back.width).toBeGreaterThanOrEqual(square.x + square.width - 2);
      expect(back.y + back.height).toBeGreaterThanOrEqual(square.y + square.height - 2);
      // Turned the wrong way, the square would come back mirrored about the centre.
      expect(back.x + back.width / 2).toBeCloseTo(square.x + square.width / 2, -1);
      expect(back.y + back.height / 2).toBeCloseTo(square.y + square.height / 2, -1);
      expect(back.width).toBeLessThan(square.width * 2.1);
    },
  );

  it("is the identity for no turn", () => {
    const b = box(10, 20, 30, 40);
    const back = unrotateBox(b, 0, { width: 100, height: 100 }, { width: 100, height: 100 });
    expect(back.x).toBeCloseTo(10);
    expect(back.y).toBeCloseTo(20);
    expect(back.width).toBeCloseTo(30);
    expect(back.height).toBeCloseTo(40);
  });
});

describe("clusterHits across passes", () => {
  it("joins one detector's hits on the same face from different passes", () => {
    const faces = clusterHits([
      hit("blazeface", 0.9, box(100, 100, 80, 80), "main"),
      hit("blazeface", 0.8, box(95, 105, 90, 85), "rotate_30"),
    ]);
    expect(faces).toHaveLength(1);
  });

  it("never joins two hits of one detector in one pass", () => {
    const faces = clusterHits([
      hit("blazeface", 0.9, box(100, 100, 80, 80), "main"),
      hit("blazeface", 0.8, box(110, 110, 80, 80), "main"),
    ]);
    expect(faces).toHaveLength(2);
  });
});

describe("concernsOf: a person's photo must make sense", () => {
  const photo = box(0, 0, 600, 800);
  const face = (hits: DetectorHit[]) => clusterHits(hits);

  it("raises nothing for one large face two detectors agree on", () => {
    const faces = face([
      hit("ssd_mobilenetv1", 0.95, box(200, 200, 200, 240)),
      hit("blazeface", 0.9, box(205, 210, 190, 230)),
    ]);
    expect(concernsOf(faces, photo)).toEqual([]);
  });

  it("flags several faces (a group photo puts bystanders on a street screen)", () => {
    const faces = face([
      hit("ssd_mobilenetv1", 0.95, box(50, 200, 150, 180)),
      hit("blazeface", 0.9, box(55, 205, 140, 170)),
      hit("ssd_mobilenetv1", 0.9, box(380, 220, 150, 180)),
    ]);
    expect(concernsOf(faces, photo).map((c) => c.code)).toContain("several_faces");
  });

  it("does not count a low-scoring hit only one detector saw as a second person", () => {
    const faces = face([
      hit("ssd_mobilenetv1", 0.95, box(200, 200, 200, 240)),
      hit("tiny_face_detector", 0.8, box(205, 210, 190, 230)),
      hit("blazeface", 0.35, box(20, 700, 40, 40)),
    ]);
    expect(concernsOf(faces, photo)).toEqual([]);
  });

  it("flags a largest face under a tenth of the photo's height", () => {
    const faces = face([
      hit("ssd_mobilenetv1", 0.95, box(280, 300, 50, 60)),
      hit("blazeface", 0.9, box(282, 302, 48, 58)),
    ]);
    expect(concernsOf(faces, photo).map((c) => c.code)).toEqual(["face_too_small"]);
  });

  it("flags a main face only one detector saw, and faces no detector is sure of", () => {
    expect(
      concernsOf(face([hit("blazeface", 0.9, box(200, 200, 200, 240))]), photo).map((c) => c.code),
    ).toEqual(["detectors_disagree"]);
    expect(
      concernsOf(face([hit("tiny_face_detector", 0.4, box(200, 200, 200, 240))]), photo).map(
        (c) => c.code,
      ),
    ).toEqual(["no_confident_face"]);
  });

  it("says in words why, and raises nothing about faces on a poster", () => {
    const faces = face([
      hit("ssd_mobilenetv1", 0.95, box(50, 200, 150, 180)),
      hit("ssd_mobilenetv1", 0.9, box(380, 220, 150, 180)),
    ]);
    const [concern] = concernsOf(faces, photo);
    expect(concern?.message).toMatch(/more than one face/);
    expect(concernsOf(faces, photo, { expectOneFace: false })).toEqual([]);
    expect(concernsOf(faces, photo, { expectOneFace: false, coverAll: true })).toEqual([
      { code: "covered_whole_frame", message: "A moderator covered the whole photo." },
    ]);
  });
});
