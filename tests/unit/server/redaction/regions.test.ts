import { describe, expect, it } from "vitest";
import {
  clampBox,
  clusterHits,
  containment,
  coverRegions,
  faceGrowth,
  growFaceBox,
  intersectionArea,
  iou,
  mergeOverlapping,
  outerPixels,
  toPixels,
  toRelative,
} from "../../../../server/services/redaction/regions";
import type { Box, DetectorHit } from "../../../../server/services/redaction/types";

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });
const hit = (detector: DetectorHit["detector"], score: number, b: Box): DetectorHit => ({
  detector,
  score,
  box: b,
});

describe("growFaceBox", () => {
  it("grows a face at least 1.5× in both directions, as non-negotiable 2 requires", () => {
    expect(faceGrowth.width).toBeGreaterThanOrEqual(1.5);
    expect(faceGrowth.height).toBeGreaterThanOrEqual(1.5);
    const grown = growFaceBox(box(100, 100, 50, 60));
    expect(grown.width).toBeCloseTo(80);
    expect(grown.height).toBeCloseTo(108);
  });

  it("keeps the face centred across and gives more of the growth to forehead and hair than to the neck", () => {
    const face = box(100, 100, 50, 60);
    const grown = growFaceBox(face);
    expect(grown.x + grown.width / 2).toBeCloseTo(125);
    const above = face.y - grown.y;
    const below = grown.y + grown.height - (face.y + face.height);
    expect(above).toBeGreaterThan(below);
    expect(below).toBeGreaterThan(0);
  });

  it("always contains the face it grew from", () => {
    const face = box(10, 20, 30, 40);
    expect(containment(face, growFaceBox(face))).toBe(1);
    expect(intersectionArea(face, growFaceBox(face))).toBeCloseTo(30 * 40);
  });
});

describe("clampBox", () => {
  it("cuts a box to the area and drops one that is wholly outside", () => {
    const area = box(0, 100, 600, 400);
    expect(clampBox(box(-10, 90, 50, 50), area)).toEqual(box(0, 100, 40, 40));
    expect(clampBox(box(580, 480, 50, 50), area)).toEqual(box(580, 480, 20, 20));
    expect(clampBox(box(0, 0, 50, 50), area)).toBeNull();
  });
});

describe("mergeOverlapping", () => {
  it("merges overlapping boxes into their union, transitively", () => {
    const merged = mergeOverlapping([
      box(0, 0, 10, 10),
      box(200, 0, 10, 10),
      box(8, 8, 10, 10),
      box(16, 16, 10, 10),
    ]);
    expect(merged).toHaveLength(2);
    expect(merged).toContainEqual(box(0, 0, 26, 26));
    expect(merged).toContainEqual(box(200, 0, 10, 10));
  });

  it("leaves no two boxes overlapping", () => {
    const boxes = Array.from({ length: 30 }, (_, i) => box((i * 37) % 200, (i * 53) % 200, 25, 25));
    const merged = mergeOverlapping(boxes);
    for (let i = 0; i < merged.length; i++) {
      for (let j = i + 1; j < merged.length; j++) {
        const a = merged[i];
        const b = merged[j];
        if (a && b) expect(intersectionArea(a, b)).toBe(0);
      }
    }
    // Nothing that was covered before merging is uncovered after.
    for (const b of boxes) expect(merged.some((m) => containment(b, m) === 1)).toBe(true);
  });
});

describe("clusterHits (the ensemble)", () => {
  it("treats an SSD hit and a Tiny hit on the same face as one face with the union box", () => {
    const faces = clusterHits([
      hit("ssd_mobilenetv1", 0.95, box(100, 100, 50, 60)),
      hit("tiny_face_detector", 0.7, box(95, 110, 60, 60)),
    ]);
    expect(faces).toHaveLength(1);
    expect(faces[0]?.score).toBe(0.95);
    expect(faces[0]?.box).toEqual(box(95, 100, 60, 70));
    expect(faces[0]?.hits.map((h) => h.detector).sort()).toEqual([
      "ssd_mobilenetv1",
      "tiny_face_detector",
    ]);
  });

  it("keeps a face that only one detector saw: the ensemble is a union, not a vote", () => {
    const faces = clusterHits([
      hit("ssd_mobilenetv1", 0.9, box(0, 0, 40, 40)),
      hit("tiny_face_detector", 0.4, box(300, 300, 40, 40)),
    ]);
    expect(faces).toHaveLength(2);
  });

  it("never merges two hits of the same detector, even when they touch", () => {
    const faces = clusterHits([
      hit("tiny_face_detector", 0.8, box(0, 0, 40, 40)),
      hit("tiny_face_detector", 0.6, box(20, 0, 40, 40)),
    ]);
    expect(faces).toHaveLength(2);
  });

  it("joins a hit offset by half a face to the face it mostly overlaps", () => {
    const faces = clusterHits([
      hit("ssd_mobilenetv1", 0.95, box(129, 117, 89, 186)),
      hit("tiny_face_detector", 0.7, box(171, 114, 167, 202)),
    ]);
    expect(iou(box(129, 117, 89, 186), box(171, 114, 167, 202))).toBeGreaterThan(0.2);
    expect(faces).toHaveLength(1);
  });
});

describe("coverRegions", () => {
  it("grows faces, keeps manual regions as drawn, clamps to the photo and merges overlaps", () => {
    const photo = box(0, 200, 600, 400);
    const regions = coverRegions(
      [box(100, 210, 50, 60), box(400, 400, 40, 40)],
      [box(500, 150, 80, 100)],
      photo,
    );
    for (const r of regions) expect(containment(r, photo)).toBe(1);
    // The first face was near the top edge: its grown box is clipped to the photo.
    expect(regions.some((r) => r.y === 200 && r.x === 85)).toBe(true);
    // The manual region reached above the photo: only its part inside is kept.
    expect(regions).toContainEqual(box(500, 200, 80, 50));
  });
});

describe("relative boxes", () => {
  it("round-trips between pixels and fractions of the photo's area", () => {
    const photo = box(0, 200, 600, 400);
    const px = box(150, 300, 60, 80);
    const rel = toRelative(px, photo);
    expect(rel).toEqual({ x: 0.25, y: 0.25, width: 0.1, height: 0.2 });
    expect(toPixels(rel, photo)).toEqual(px);
  });

  it("rounds covered areas outwards to whole pixels", () => {
    expect(outerPixels(box(10.2, 20.7, 5.5, 5.5))).toEqual({ x0: 10, y0: 20, x1: 16, y1: 27 });
  });
});
