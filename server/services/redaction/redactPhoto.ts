import { performance } from "node:perf_hooks";
import { detectInPasses } from "./detectionPasses";
import {
  type FaceDetector,
  loadFaceDetector,
  readDetectorVersions,
  unknownDetectorVersions,
} from "./faceDetector";
import { type AcceptedFormat, normalizeImage } from "./imageIntake";
import { redactionPolicy } from "./policy";
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
import { wordError } from "../../../shared/messages/errorMessages";

/** The main pass covers every hit from this score (the policy's `faceMinScore`). */
export const faceMinScore = redactionPolicy.faceMinScore;

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
  /**
   * A moderator's crop of the upright photo (relative to it): the photo becomes this part of
   * itself before anything else, and every region and face is then relative to the crop. A
   * crop that is not a box inside the photo throws a RangeError.
   */
  crop?: RelativeBox;
  /**
   * A moderator's last resort for a photo the machine cannot judge: the whole photo is
   * covered (mosaic of at most 6 cells across, or solid), then verified like any rendition.
   */
  coverAll?: boolean;
  /**
   * The photo should show one person (an entry's photo; the default). When false (a poster),
   * several faces are expected and only covered, and no concern is raised about them.
   */
  expectOneFace?: boolean;
}

/** Why a publishable photo still needs a moderator to look at it one by one. */
export type ConcernCode =
  | "several_faces"
  | "face_too_small"
  | "no_confident_face"
  | "detectors_disagree"
  | "covered_whole_frame";

/** A reason, in words, that keeps a photo out of bulk approval. */
export interface Concern {
  code: ConcernCode;
  message: string;
}

/** Why a photo needs a moderator before it can be published at all. */
export type ReviewReason = "no_face_detected" | "verification_failed" | "detector_error";

/** A face the ensemble found, relative to the upright photo. */
export interface FaceFound {
  box: RelativeBox;
  score: number;
  /** Each detector that saw this face, with its own score and box. */
  detections: { detector: DetectorName; score: number; box: RelativeBox; pass?: string }[];
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
  /**
   * What keeps this photo out of bulk approval even when it is publishable: several faces, a
   * face too small, detectors that disagree, a whole-frame cover. Empty: nothing to look at.
   */
  concerns: Concern[];
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

// Stored in English with the entry; the console words them by their catalogue reason.
const messages: Record<ReviewReason | "publishable", string> = {
  publishable: "Every face is covered and the detectors find none on the rendition.",
  no_face_detected: wordError("redaction.noFace", {}, "en"),
  verification_failed: wordError("redaction.verificationFailed", {}, "en"),
  detector_error: wordError("redaction.detectorError", {}, "en"),
};

const concernMessages: Record<ConcernCode, string> = {
  several_faces:
    "The photo shows more than one face; crop it to the listed person or check every face is covered.",
  face_too_small:
    "The largest face is small for a person's photo; check it is the listed person and that nobody else is shown.",
  no_confident_face:
    "No detector is sure it sees a face; check the photo shows the listed person and that the cover hides the face.",
  detectors_disagree:
    "Only one detector sees the main face; check that the cover is on the face and not elsewhere.",
  covered_whole_frame: "A moderator covered the whole photo.",
};

/**
 * The whole pipeline for one photo: intake (refusing bad files with ImageRejected) straight
 * to display scale (after the moderator's crop, when there is one), layout on the 600 × 800
 * display canvas, face detection there with the three-detector ensemble over every pass
 * (main, zoomed out, turned ±30°, tiles: see detectionPasses.ts), covering each face grown
 * 1.6 × 1.8 plus any manual regions (or the whole photo when a moderator asked), encoding
 * the display rendition, verifying those exact bytes with all three detectors again, and
 * only then the thumbnail. Fails closed: no face, a verification hit or a detector error
 * gives `needs_review` and no renditions. A publishable photo that does not look like one
 * person's photo carries `concerns`, which keep it out of bulk approval.
 *
 * Detection runs on the display layout, not on the full-size photo: the detectors shrink
 * their input to 512, 416 and 256 px anyway, and this way the first pass sees every face at
 * the scale and position the verification (and the screen) will — a texture one detector
 * calls a face at that scale is covered up front instead of failing verification afterwards.
 */
export async function redactPhoto(
  input: Buffer,
  options: RedactOptions = {},
  deps: RedactDeps = {},
): Promise<RedactionResult> {
  const style = options.style ?? "mosaic";
  const clock = stopwatch();
  if (options.crop) checkCrop(options.crop);
  const {
    image: work,
    format,
    original,
  } = await normalizeImage(input, {
    fit: displaySize,
    ...(options.crop ? { crop: options.crop } : {}),
  });
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
  if (options.coverAll) manual.push({ ...photo });
  const relative = (box: Box): RelativeBox => toRelative(box, photo);
  const base = {
    style,
    image: { format, ...original, workingWidth: work.width, workingHeight: work.height },
    // The loaded detector's own, naming its engine; replaced below once it has loaded.
    detectorVersions: unknownDetectorVersions,
  };
  const review = (
    reason: ReviewReason,
    rest: Pick<RedactionResult, "faces" | "regions" | "verification"> &
      Partial<Pick<RedactionResult, "concerns">>,
  ): RedactionResult => ({
    ...base,
    concerns: [],
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
    // Hits are clipped to the photo: the letterbox holds no photo.
    faces = clusterHits(await detectInPasses(detector, layout.pixels, photo, faceMinScore));
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
    detections: f.hits.map((h) => ({
      detector: h.detector,
      score: h.score,
      box: relative(h.box),
      ...(h.pass ? { pass: h.pass } : {}),
    })),
  }));
  if (faces.length === 0 && manual.length === 0) {
    return review("no_face_detected", {
      faces: [],
      regions: [],
      verification: skippedVerification(),
    });
  }
  const concerns = concernsOf(faces, photo, options);

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
  const verification = await verifyRendition(detector, display.bytes, regions, photo);
  timings.verify = clock.lap();
  const recorded = { faces: facesFound, regions: regions.map(relative), verification, concerns };
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

/**
 * Whether the faces found make sense for one person's photo (`redactionPolicy.plausibility`):
 * a face counts when a detector is confident of it or two detectors saw it; two such faces,
 * none at all, a largest face under a tenth of the photo's height, or a main face only one
 * detector saw each raise a concern. A whole-frame cover is one too.
 */
export function concernsOf(
  faces: readonly Detection[],
  photo: Box,
  options: Pick<RedactOptions, "coverAll" | "expectOneFace"> = {},
): Concern[] {
  const out: ConcernCode[] = [];
  if (options.coverAll) out.push("covered_whole_frame");
  if (options.expectOneFace !== false) {
    const rules = redactionPolicy.plausibility;
    const detectorsOf = (f: Detection): Set<string> => new Set(f.hits.map((h) => h.detector));
    const confident = faces.filter(
      (f) => f.score >= rules.confidentScore || detectorsOf(f).size >= rules.agreeingDetectors,
    );
    if (confident.length === 0) out.push("no_confident_face");
    if (confident.length >= 2) out.push("several_faces");
    const largest = [...confident].sort((a, b) => b.box.height - a.box.height)[0];
    if (largest && largest.box.height < rules.minFaceHeight * photo.height)
      out.push("face_too_small");
    if (largest && detectorsOf(largest).size < rules.agreeingDetectors)
      out.push("detectors_disagree");
  }
  return out.map((code) => ({ code, message: concernMessages[code] }));
}

/** Refuses a crop that is not a box inside the photo. */
function checkCrop(crop: RelativeBox): void {
  // Inside the photo, so the crop stored is the crop applied (nothing clipped off unseen).
  const edge = 1e-9;
  const ok =
    [crop.x, crop.y, crop.width, crop.height].every(Number.isFinite) &&
    crop.width > 0 &&
    crop.height > 0 &&
    crop.x >= 0 &&
    crop.y >= 0 &&
    crop.x + crop.width <= 1 + edge &&
    crop.y + crop.height <= 1 + edge;
  if (!ok) throw new RangeError("crop is not a box inside the photo");
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
