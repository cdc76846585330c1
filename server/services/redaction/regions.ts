import { redactionPolicy } from "./policy";
import type { Box, DetectorHit, RelativeBox } from "./types";

/** How much a detected face box grows before it is covered (the policy's `faceGrowth`). */
export const faceGrowth = redactionPolicy.faceGrowth;

/** When two detector hits are one face (the policy's `sameFace`). */
const sameFace = redactionPolicy.sameFace;

/** A face found by the ensemble: the union of the detectors' boxes that agree on it. */
export interface Detection {
  box: Box;
  /** The highest score any detector gave this face. */
  score: number;
  hits: DetectorHit[];
}

/** The area two boxes share, in square pixels. */
export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union, 0 (apart) to 1 (identical). */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Intersection over the smaller box's area: 1 when one box lies inside the other. */
export function containment(a: Box, b: Box): number {
  const smaller = Math.min(a.width * a.height, b.width * b.height);
  return smaller > 0 ? intersectionArea(a, b) / smaller : 0;
}

/** The smallest box holding both boxes. */
export function unionBox(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** The part of a box inside `area`, or null when nothing is left. */
export function clampBox(box: Box, area: Box): Box | null {
  const x0 = Math.max(area.x, box.x);
  const y0 = Math.max(area.y, box.y);
  const x1 = Math.min(area.x + area.width, box.x + box.width);
  const y1 = Math.min(area.y + area.height, box.y + box.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** A face box grown by `faceGrowth`, not yet clamped to the image. */
export function growFaceBox(face: Box): Box {
  const width = face.width * faceGrowth.width;
  const height = face.height * faceGrowth.height;
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2 - face.height * faceGrowth.shiftUp;
  return { x: cx - width / 2, y: cy - height / 2, width, height };
}

/**
 * Replaces boxes that overlap by their union until no two overlap, so every covered area is
 * one rectangle and a mosaic never straddles two grids.
 */
export function mergeOverlapping(boxes: readonly Box[]): Box[] {
  const out = boxes.map((b) => ({ ...b }));
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i];
        const b = out[j];
        if (a && b && intersectionArea(a, b) > 0) {
          out[i] = unionBox(a, b);
          out.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  return out;
}

/**
 * Groups the detectors' hits into faces: a hit joins the face it overlaps most (IoU ≥ 0.2,
 * or at least half of the smaller box inside the other) among faces that no hit of the same
 * detector in the same pass is part of; two hits of one detector in one pass are never
 * merged, its own suppression already told them apart (the same detector on another pass —
 * zoomed, turned, tiled — sees the same face again and does join it).
 * The face's box is the union of its hits — the larger cover wins — and a face only one
 * detector saw is kept: the ensemble is a union, never a vote.
 */
export function clusterHits(hits: readonly DetectorHit[]): Detection[] {
  const faces: Detection[] = [];
  for (const hit of [...hits].sort((a, b) => b.score - a.score)) {
    let best: Detection | undefined;
    let bestIou = -1;
    for (const face of faces) {
      if (face.hits.some((h) => h.detector === hit.detector && h.pass === hit.pass)) continue;
      for (const h of face.hits) {
        const overlap = iou(h.box, hit.box);
        const same = overlap >= sameFace.iou || containment(h.box, hit.box) >= sameFace.containment;
        if (same && overlap > bestIou) {
          best = face;
          bestIou = overlap;
        }
      }
    }
    if (best) {
      best.box = unionBox(best.box, hit.box);
      best.hits.push(hit);
    } else {
      faces.push({ box: { ...hit.box }, score: hit.score, hits: [hit] });
    }
  }
  return faces;
}

/**
 * The areas to cover: each face grown and clamped to the photo's area, each manual region
 * clamped as drawn, then overlapping areas merged.
 */
export function coverRegions(faces: readonly Box[], manual: readonly Box[], photo: Box): Box[] {
  const boxes: Box[] = [];
  for (const face of faces) {
    const grown = clampBox(growFaceBox(face), photo);
    if (grown) boxes.push(grown);
  }
  for (const region of manual) {
    const clamped = clampBox(region, photo);
    if (clamped) boxes.push(clamped);
  }
  return mergeOverlapping(boxes);
}

/** A pixel box as fractions of the photo, which occupies `photo` (pixels) in the same image. */
export function toRelative(box: Box, photo: Box): RelativeBox {
  return {
    x: (box.x - photo.x) / photo.width,
    y: (box.y - photo.y) / photo.height,
    width: box.width / photo.width,
    height: box.height / photo.height,
  };
}

/** A box relative to the photo, in pixels of an image where the photo occupies `photo`. */
export function toPixels(box: RelativeBox, photo: Box): Box {
  return {
    x: photo.x + box.x * photo.width,
    y: photo.y + box.y * photo.height,
    width: box.width * photo.width,
    height: box.height * photo.height,
  };
}

/**
 * The whole pixels a box touches (edges rounded outwards), so a covered area never leaves a
 * partial pixel row of face uncovered.
 */
export function outerPixels(box: Box): { x0: number; y0: number; x1: number; y1: number } {
  return {
    x0: Math.floor(box.x),
    y0: Math.floor(box.y),
    x1: Math.ceil(box.x + box.width),
    y1: Math.ceil(box.y + box.height),
  };
}
