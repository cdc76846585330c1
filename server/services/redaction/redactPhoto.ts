import { performance } from "node:perf_hooks";
import {
  type FaceDetector,
  loadFaceDetector,
  readDetectorVersions,
  unknownDetectorVersions,
} from "./faceDetector";
import { type AcceptedFormat, normalizeImage } from "./imageIntake";
import { redactImage } from "./redactImage";
import {
  clampBox,
  clusterHits,
  coverRegions,
  type Detection,
  toPixels,
  toRelative,
} from "./regions";
import {
  displaySize,
  layoutDisplay,
  renderDisplay,
  renderThumb,
  type Rendition,
} from "./renderRenditions";
import type { Box, DetectorName, DetectorVersions, RedactionStyle, RelativeBox } from "./types";
import { skippedVerification, type Verification, verifyRendition } from "./verifyRendition";

/**
 * The first pass covers every hit scoring 0.2 or more: below the 0.3 at which verification
 * blocks, so a face that scores a little higher on the rendition than on the original is
 * already covered rather than sent to review.
 */
export const faceMinScore = 0.2;

/** How to redact one photo. */
export interface RedactOptions {
  /** Default `mosaic`. */
  style?: RedactionStyle;
  /** Mosaic only: blur the cells (default true). */
  smooth?: boolean;
  /**
   * Areas a moderator marked, relative to the upright photo. They are covered as drawn, in
   * addition to every face the detectors find, and the result is verified again. When the
   * detectors find no face, non-empty manual regions stand in for them (the moderator has
   * looked); an empty list does not. A region that is not a box overlapping the photo
   * throws a RangeError rather than being silently dropped.
   */
  manualRegions?: readonly RelativeBox[];
}

/** Why a photo needs a moderator before it can be published. */
export type ReviewReason = "no_face_detected" | "verification_failed" | "detector_error";

/** A face the ensemble found, relative to the upright photo. */
export interface FaceFound {
  box: RelativeBox;
  score: number;
  /** Each detector that saw this face, with its own score and box. */
  detections: { detector: DetectorName; score: number; box: RelativeBox }[];
}

/** Everything the entry records about one redaction. */
export interface RedactionResult {
  verdict: "publishable" | "needs_review";
  reason?: ReviewReason;
  /** One sentence for the moderator queue. */
  message: string;
  style: RedactionStyle;
  /** The upload's format and upright size, and the size it was scaled to at intake. */
  image: {
    format: AcceptedFormat;
    width: number;
    height: number;
    workingWidth: number;
    workingHeight: number;
  };
  /** Every face candidate the first pass covered (score ≥ 0.2, so a few may be false alarms). */
  faces: FaceFound[];
  /** The covered areas, relative to the upright photo. */
  regions: RelativeBox[];
  verification: Verification;
  /** Only when publishable: nothing unverified is ever rendered for a screen. */
  renditions?: { display: Rendition; thumb: Rendition };
  detectorVersions: DetectorVersions;
  timingsMs: {
    intake: number;
    detect: number;
    redact: number;
    render: number;
    verify: number;
    total: number;
  };
}

/** What redactPhoto needs from outside; tests inject a failing detector to check it fails closed. */
export interface RedactDeps {
  loadDetector?: () => Promise<FaceDetector>;
}

const messages: Record<ReviewReason | "publishable", string> = {
  publishable: "Every face is covered and the detectors find none on the rendition.",
  no_face_detected: "No face was found in the photo; a moderator must mark the areas to cover.",
  verification_failed:
    "A detector still sees a face on the redacted rendition; a moderator must check it.",
  detector_error: "The face detectors failed on this photo; a moderator must check it.",
};

/**
 * The whole pipeline for one photo: intake (refusing bad files with ImageRejected) straight
 * to display scale, layout on the 600 × 800 display canvas, face detection there with the
 * SSD + Tiny ensemble, covering each face grown 1.6 × 1.8 plus any manual regions, encoding
 * the display rendition, verifying those exact bytes with the detectors again, and only then
 * the thumbnail. Fails closed: no face, a verification hit or a detector error gives
 * `needs_review` and no renditions.
 *
 * Detection runs on the display layout, not on the full-size photo: the detectors shrink
 * their input to 512 and 416 px anyway, and this way the first pass sees every face at the
 * scale and position the verification (and the screen) will — a texture one detector calls a
 * face at that scale is covered up front instead of failing verification afterwards.
 */
export async function redactPhoto(
  input: Buffer,
  options: RedactOptions = {},
  deps: RedactDeps = {},
): Promise<RedactionResult> {
  const style = options.style ?? "mosaic";
  const clock = stopwatch();
  const { image: work, format, original } = await normalizeImage(input, { fit: displaySize });
  const layout = await layoutDisplay(work);
  const timings = { intake: clock.lap(), detect: 0, redact: 0, render: 0, verify: 0 };
  const p = layout.placement;
  const photo: Box = { x: p.left, y: p.top, width: p.width, height: p.height };
  const manual = (options.manualRegions ?? []).map((r, i) => {
    const box = [r.x, r.y, r.width, r.height].every(Number.isFinite)
      ? clampBox(toPixels(r, photo), photo)
      : null;
    // A region that covers nothing must not count as "a moderator marked this photo".
    if (!box || r.width <= 0 || r.height <= 0) {
      throw new RangeError(`manualRegions[${i}] is not a box inside the photo`);
    }
    return box;
  });
  const relative = (box: Box): RelativeBox => toRelative(box, photo);
  const base = {
    style,
    image: { format, ...original, workingWidth: work.width, workingHeight: work.height },
    // The loaded detector's own, naming its engine; replaced below once it has loaded.
    detectorVersions: unknownDetectorVersions,
  };
  const review = (
    reason: ReviewReason,
    rest: Pick<RedactionResult, "faces" | "regions" | "verification">,
  ): RedactionResult => ({
    ...base,
    ...rest,
    verdict: "needs_review",
    reason,
    message: messages[reason],
    timingsMs: { ...timings, total: clock.total() },
  });

  let detector: FaceDetector;
  let faces: Detection[];
  try {
    detector = await (deps.loadDetector ?? loadFaceDetector)();
    base.detectorVersions = detector.versions;
    const hits = await detector.detect(layout.pixels, faceMinScore);
    // The letterbox holds no photo: a hit there is dropped, one across its edge is clipped.
    faces = clusterHits(
      hits.flatMap((h) => {
        const box = clampBox(h.box, photo);
        return box ? [{ ...h, box }] : [];
      }),
    );
  } catch (err) {
    // Which weights were meant to run, when the detector did not load; unreadable versions
    // must not turn a photo into an exception (the record then says "unknown").
    if (base.detectorVersions === unknownDetectorVersions) {
      base.detectorVersions = await readDetectorVersions().catch(() => unknownDetectorVersions);
    }
    return review("detector_error", {
      faces: [],
      regions: [],
      verification: {
        ...skippedVerification(),
        status: "error",
        error: err instanceof Error ? err.message : String(err),
      },
    });
  }
  timings.detect = clock.lap();
  const facesFound: FaceFound[] = faces.map((f) => ({
    box: relative(f.box),
    score: f.score,
    detections: f.hits.map((h) => ({ detector: h.detector, score: h.score, box: relative(h.box) })),
  }));
  if (faces.length === 0 && manual.length === 0) {
    return review("no_face_detected", {
      faces: [],
      regions: [],
      verification: skippedVerification(),
    });
  }

  const regions = coverRegions(
    faces.map((f) => f.box),
    manual,
    photo,
  );
  const redacted = await redactImage(layout.pixels, regions, {
    style,
    ...(options.smooth === undefined ? {} : { smooth: options.smooth }),
  });
  timings.redact = clock.lap();
  const display = await renderDisplay(redacted);
  timings.render = clock.lap();
  const verification = await verifyRendition(detector, display.bytes, regions);
  timings.verify = clock.lap();
  const recorded = { faces: facesFound, regions: regions.map(relative), verification };
  if (verification.status === "error") return review("detector_error", recorded);
  if (verification.status !== "passed") return review("verification_failed", recorded);

  const thumb = await renderThumb(redacted);
  timings.render += clock.lap();
  return {
    ...base,
    ...recorded,
    verdict: "publishable",
    message: messages.publishable,
    renditions: { display, thumb },
    timingsMs: { ...timings, total: clock.total() },
  };
}

function stopwatch(): { lap(): number; total(): number } {
  const start = performance.now();
  let last = start;
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    lap() {
      const now = performance.now();
      const ms = now - last;
      last = now;
      return round(ms);
    },
    total: () => round(performance.now() - start),
  };
}
