import sharp from "sharp";
import { detectInPasses, type PassOptions } from "./detectionPasses";
import type { FaceDetector } from "./faceDetector";
import { redactionPolicy } from "./policy";
import { intersectionArea } from "./regions";
import type { Box, DetectorName } from "./types";

/** The detectors look this low on the finished rendition, so near-misses are recorded too. */
export const verifyMinScore = redactionPolicy.verifyMinScore;
/** A detection at or above this score blocks publication (see policy.ts for the exceptions). */
export const verifyBlockingScore = redactionPolicy.verifyBlockingScore;

/** Something a detector still saw on the finished rendition. */
export interface VerificationHit {
  detector: DetectorName;
  score: number;
  /** In pixels of the display rendition. */
  box: Box;
  /** The pass that saw it (main, or zoomed out). */
  pass?: string;
  /** It overlaps a covered area: a face the cover did not hide well enough. */
  overlapsRedaction: boolean;
  /**
   * It blocks publication: at least `verifyBlockingScore`, or, lying mostly on a cover, at
   * least its detector's `verifyCoveredBlockingScore` (see policy.ts).
   */
  blocking: boolean;
}

/** The outcome of the verification gate. */
export interface Verification {
  /** `passed` only when the detectors ran and nothing scored at or above the blocking score. */
  status: "passed" | "failed" | "error" | "skipped";
  minScore: number;
  blockingScore: number;
  hits: VerificationHit[];
  /** Why the detectors could not run, when status is "error". */
  error?: string;
}

/** A verification that did not run, e.g. because the photo never got as far as a rendition. */
export function skippedVerification(): Verification {
  return {
    status: "skipped",
    minScore: verifyMinScore,
    blockingScore: verifyBlockingScore,
    hits: [],
  };
}

/**
 * The gate before publication: decodes the rendition's encoded bytes (exactly what a screen
 * would receive) and runs the three detectors on it at 0.1 — on the rendition as it is and
 * zoomed out (`redactionPolicy.verifyPasses`). A detection from 0.3 fails it — over a covered
 * area (the cover did not hide the face) or anywhere else (a face the first pass missed) —
 * except where policy.ts calibrates a detector's own score (BlazeFace: 0.5 off the covers,
 * 0.75 with nearly all of it on one). A detector error fails it too: the gate fails closed.
 * `coveredAreas` and `photo` (where the photo sits) are in rendition pixels, as are the hits.
 * `passes` replaces the policy's verification passes (a poster is verified window by window,
 * zoomed out only where the window is the whole poster: see redactPoster.ts).
 */
export async function verifyRendition(
  detector: FaceDetector,
  rendition: Buffer,
  coveredAreas: readonly Box[],
  photo?: Box,
  passes: Pick<PassOptions, "zoomOut" | "rotations" | "tiles"> = redactionPolicy.verifyPasses,
): Promise<Verification> {
  const base = { minScore: verifyMinScore, blockingScore: verifyBlockingScore };
  try {
    const { data, info } = await sharp(rendition)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const hits = await detectInPasses(
      detector,
      { data, width: info.width, height: info.height },
      photo ?? { x: 0, y: 0, width: info.width, height: info.height },
      verifyMinScore,
      { ...passes, extraMinScore: verifyMinScore, detectorFloors: false },
    );
    const checked = hits.map((h) => {
      const onCover = coveredShareOf(h.box, coveredAreas) >= redactionPolicy.coveredShare;
      const threshold = onCover
        ? redactionPolicy.verifyCoveredBlockingScore[h.detector]
        : (redactionPolicy.detectorFloors[h.detector]?.verifyBlocking ?? verifyBlockingScore);
      return {
        detector: h.detector,
        score: h.score,
        box: h.box,
        ...(h.pass ? { pass: h.pass } : {}),
        overlapsRedaction: coveredAreas.some((a) => intersectionArea(a, h.box) > 0),
        blocking: h.score >= threshold,
      };
    });
    return {
      ...base,
      status: checked.some((h) => h.blocking) ? "failed" : "passed",
      hits: checked,
    };
  } catch (err) {
    return {
      ...base,
      status: "error",
      hits: [],
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/** The share of `box`'s area inside the covered areas (which never overlap one another). */
export function coveredShareOf(box: Box, coveredAreas: readonly Box[]): number {
  const area = box.width * box.height;
  if (!(area > 0)) return 0;
  const inside = coveredAreas.reduce((sum, a) => sum + intersectionArea(a, box), 0);
  return Math.min(1, inside / area);
}
