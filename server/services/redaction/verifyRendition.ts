import sharp from "sharp";
import type { FaceDetector } from "./faceDetector";
import { intersectionArea } from "./regions";
import type { Box, DetectorName } from "./types";

/** The detectors look this low on the finished rendition, so near-misses are recorded too. */
export const verifyMinScore = 0.1;
/** A detection at or above this score blocks publication, wherever it is. */
export const verifyBlockingScore = 0.3;

/** Something a detector still saw on the finished rendition. */
export interface VerificationHit {
  detector: DetectorName;
  score: number;
  /** In pixels of the display rendition. */
  box: Box;
  /** It overlaps a covered area: a face the cover did not hide well enough. */
  overlapsRedaction: boolean;
  /** It scores at least `verifyBlockingScore`, so the photo goes to review. */
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
 * would receive) and runs both detectors on it at 0.1. Any detection scoring 0.3 or more
 * fails it — over a covered area (the cover did not hide the face) or anywhere else (a face
 * the first pass missed). A detector error fails it too: the gate fails closed.
 * `coveredAreas` are in rendition pixels, as are the hits.
 */
export async function verifyRendition(
  detector: FaceDetector,
  rendition: Buffer,
  coveredAreas: readonly Box[],
): Promise<Verification> {
  const base = { minScore: verifyMinScore, blockingScore: verifyBlockingScore };
  try {
    const { data, info } = await sharp(rendition)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const hits = await detector.detect(
      { data, width: info.width, height: info.height },
      verifyMinScore,
    );
    const checked = hits.map((h) => ({
      detector: h.detector,
      score: h.score,
      box: h.box,
      overlapsRedaction: coveredAreas.some((a) => intersectionArea(a, h.box) > 0),
      blocking: h.score >= verifyBlockingScore,
    }));
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
