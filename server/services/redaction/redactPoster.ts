import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { detectInPasses } from "./detectionPasses";
import {
  type FaceDetector,
  loadFaceDetector,
  readDetectorVersions,
  unknownDetectorVersions,
} from "./faceDetector";
import { ImageRejected } from "./ImageRejected";
import { normalizeImage, sniffFormat } from "./imageIntake";
import { redactionPolicy } from "./policy";
import { redactImage } from "./redactImage";
import { clampBox, clusterHits, coverRegions, toPixels, toRelative } from "./regions";
import type {
  Box,
  DetectorHit,
  DetectorName,
  DetectorVersions,
  RelativeBox,
  RgbImage,
} from "./types";
import { type Verification, type VerificationHit, verifyRendition } from "./verifyRendition";
import { wordError } from "../../../shared/messages/errorMessages";

/** The largest poster rendition: 3840 × 2160 landscape, 2160 × 3840 portrait (no crop). */
export const posterMaxSize = { long: 3840, short: 2160 } as const;

/**
 * The window the detectors look through. Faces are detected (and verified) window by window
 * at about the scale the entry pipeline is tuned on (its 600 × 800 layout), on a pyramid of
 * the poster halved until it fits one window, so a face in a 4K poster is found whether it
 * fills the poster or is a bystander of 40 pixels. Windows overlap by a quarter: a face up to
 * a quarter of a window lies whole in one window of some level.
 */
export const posterWindow = { side: 800, stride: 600 } as const;

const webpQuality = 85;
const webpEffort = 2;

/** How to redact a poster. */
export interface PosterRedactOptions {
  /** Areas a moderator marked, relative to the poster; covered besides every face found. */
  manualRegions?: readonly RelativeBox[];
}

/** A face the ensemble found on the poster, relative to it. */
export interface PosterFace {
  box: RelativeBox;
  score: number;
  detectors: DetectorName[];
}

/** A poster's redacted rendition: re-encoded from pixels (no metadata), named by its hash. */
export interface PosterRendition {
  bytes: Buffer;
  mime: "image/webp";
  width: number;
  height: number;
  sha256: string;
}

/** Why a poster cannot be shown as the pipeline left it. */
export type PosterReason = "faces_covered" | "verification_failed" | "detector_error";

/**
 * What the pipeline made of one poster. `done`: no face found, nothing covered, verified.
 * `needs_review`: faces (or a moderator's regions) covered and the rendition verified; a
 * moderator must look. `failed`: no rendition may be shown (verification hit, detector error).
 */
export interface PosterResult {
  verdict: "done" | "needs_review" | "failed";
  reason?: PosterReason;
  /** One sentence for the console. */
  message: string;
  faces: PosterFace[];
  /** The covered areas, relative to the poster. */
  regions: RelativeBox[];
  verification: Verification;
  /** Absent when failed: nothing unverified is ever kept for a screen. */
  rendition?: PosterRendition;
  image: { format: string; width: number; height: number };
  detectorVersions: DetectorVersions;
  timingsMs: { total: number };
}

// Stored in English with the poster; the console words them by their catalogue reason.
const messages: Record<PosterReason | "done", string> = {
  done: "No face was found on the poster and the detectors find none on its rendition.",
  faces_covered: wordError("redaction.posterFacesCovered", {}, "en"),
  verification_failed: wordError("redaction.posterVerificationFailed", {}, "en"),
  detector_error: wordError("redaction.posterDetectorError", {}, "en"),
};

/** The size a poster is rendered at: its own, shrunk to fit the largest screen, never enlarged. */
export function posterSize(width: number, height: number): { width: number; height: number } {
  const [boxW, boxH] =
    width >= height
      ? [posterMaxSize.long, posterMaxSize.short]
      : [posterMaxSize.short, posterMaxSize.long];
  const scale = Math.min(1, boxW / width, boxH / height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * One window of one pyramid level: `box` in level pixels. The level is the poster resized to
 * exactly `levelSize` (each side rounded on its own), so `sx` and `sy`, level px per poster px,
 * differ slightly; a box maps between level and poster with each axis's own scale.
 */
export interface PosterWindow {
  /** 0 for the poster itself, then halved at each level. */
  level: number;
  levelSize: { width: number; height: number };
  sx: number;
  sy: number;
  box: Box;
  name: string;
  /** The last level: the whole poster in one window. */
  top: boolean;
}

/** The windows the detectors look through: every level of the pyramid, overlapping. */
export function posterWindows(width: number, height: number): PosterWindow[] {
  const out: PosterWindow[] = [];
  const starts = (size: number): number[] => {
    if (size <= posterWindow.side) return [0];
    const list: number[] = [];
    for (let s = 0; s + posterWindow.side < size; s += posterWindow.stride) list.push(s);
    list.push(size - posterWindow.side);
    return list;
  };
  for (let scale = 1, level = 0; ; scale /= 2, level += 1) {
    // The level's own size, which levelsOf resizes to exactly: the windows are cut from it.
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    let n = 0;
    const top = w <= posterWindow.side && h <= posterWindow.side;
    for (const y of starts(h))
      for (const x of starts(w)) {
        n += 1;
        out.push({
          level,
          levelSize: { width: w, height: h },
          sx: w / width,
          sy: h / height,
          name: `L${level}W${n}`,
          top,
          box: {
            x,
            y,
            width: Math.min(posterWindow.side, w),
            height: Math.min(posterWindow.side, h),
          },
        });
      }
    if (top) return out;
  }
}

/**
 * Each level of the pyramid the windows need, by level: the image resized once to exactly the
 * size its windows were cut for, so no window reaches past its level.
 */
export async function posterLevels(
  image: RgbImage,
  windows: readonly PosterWindow[],
): Promise<Map<number, RgbImage>> {
  const levels = new Map<number, RgbImage>();
  for (const w of windows) {
    if (levels.has(w.level)) continue;
    const { width, height } = w.levelSize;
    if (width === image.width && height === image.height) {
      levels.set(w.level, image);
      continue;
    }
    const data = await sharp(image.data, {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .resize(width, height, { fit: "fill" })
      .raw()
      .toBuffer();
    levels.set(w.level, { data, width, height });
  }
  return levels;
}

async function cut(image: RgbImage, box: Box): Promise<RgbImage> {
  if (box.x === 0 && box.y === 0 && box.width === image.width && box.height === image.height)
    return image;
  const data = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .extract({ left: box.x, top: box.y, width: box.width, height: box.height })
    .raw()
    .toBuffer();
  return { data, width: box.width, height: box.height };
}

/** A box found in a window, in poster pixels. */
export function toPoster(b: Box, w: PosterWindow): Box {
  return {
    x: (b.x + w.box.x) / w.sx,
    y: (b.y + w.box.y) / w.sy,
    width: b.width / w.sx,
    height: b.height / w.sy,
  };
}

/** A box on the poster, in pixels of the window `w` (possibly reaching outside it). */
export function toWindow(c: Box, w: PosterWindow): Box {
  return {
    x: c.x * w.sx - w.box.x,
    y: c.y * w.sy - w.box.y,
    width: c.width * w.sx,
    height: c.height * w.sy,
  };
}

/**
 * Every face hit on the poster: the entry pipeline's passes (main, zoomed out, turned, tiles)
 * with its ensemble and thresholds, in every window of every level; in poster pixels, each
 * pass named after its window so one face seen by two windows is counted once.
 */
async function detectOnPoster(detector: FaceDetector, image: RgbImage): Promise<DetectorHit[]> {
  const windows = posterWindows(image.width, image.height);
  const levels = await posterLevels(image, windows);
  const out: DetectorHit[] = [];
  const whole: Box = { x: 0, y: 0, width: image.width, height: image.height };
  for (const w of windows) {
    const level = levels.get(w.level);
    if (!level) continue;
    const pixels = await cut(level, w.box);
    const area = { x: 0, y: 0, width: pixels.width, height: pixels.height };
    // Zoomed out only on the whole poster: a face filling a smaller window lies whole, at half
    // the size, in a window of the next level, which sees it as the detectors are trained to.
    const passes = { zoomOut: w.top && redactionPolicy.passes.zoomOut };
    for (const h of await detectInPasses(
      detector,
      pixels,
      area,
      redactionPolicy.faceMinScore,
      passes,
    )) {
      const box = clampBox(toPoster(h.box, w), whole);
      if (box) out.push({ ...h, box, pass: `${w.name}/${h.pass ?? "main"}` });
    }
  }
  return out;
}

/**
 * The entry pipeline's verification gate, window by window: each window of the decoded
 * rendition (exactly what a screen receives) goes through verifyRendition as a lossless PNG,
 * with the covered areas in its pixels. Any window failing fails the poster; any error too.
 */
async function verifyPoster(
  detector: FaceDetector,
  rendition: Buffer,
  covered: readonly Box[],
): Promise<Verification> {
  const { data, info } = await sharp(rendition)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image: RgbImage = { data, width: info.width, height: info.height };
  const windows = posterWindows(image.width, image.height);
  const levels = await posterLevels(image, windows);
  const hits: VerificationHit[] = [];
  let status: Verification["status"] = "passed";
  let error: string | undefined;
  let base: Pick<Verification, "minScore" | "blockingScore"> | undefined;
  for (const w of windows) {
    const level = levels.get(w.level);
    if (!level) continue;
    const pixels = await cut(level, w.box);
    const png = await sharp(pixels.data, {
      raw: { width: pixels.width, height: pixels.height, channels: 3 },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const inWindow = covered.flatMap((c) => {
      const b = clampBox(toWindow(c, w), {
        x: 0,
        y: 0,
        width: pixels.width,
        height: pixels.height,
      });
      return b ? [b] : [];
    });
    const v = await verifyRendition(detector, png, inWindow, undefined, {
      ...redactionPolicy.verifyPasses,
      zoomOut: w.top && redactionPolicy.verifyPasses.zoomOut,
    });
    base ??= { minScore: v.minScore, blockingScore: v.blockingScore };
    for (const h of v.hits)
      hits.push({ ...h, box: toPoster(h.box, w), pass: `${w.name}/${h.pass ?? "main"}` });
    if (v.status === "error") {
      status = "error";
      error ??= v.error;
    } else if (v.status === "failed" && status !== "error") status = "failed";
  }
  return {
    minScore: base?.minScore ?? redactionPolicy.verifyMinScore,
    blockingScore: base?.blockingScore ?? redactionPolicy.verifyBlockingScore,
    status,
    hits,
    ...(error === undefined ? {} : { error }),
  };
}

/** What redactPoster needs from outside; tests inject a detector. */
export interface PosterRedactDeps {
  loadDetector?: () => Promise<FaceDetector>;
}

/**
 * The face pipeline for an announcement's poster: the upload checked by content (JPEG, PNG or
 * WebP only; SVG, GIF, animated, damaged, over 40 megapixels refused with ImageRejected),
 * upright, flattened, shrunk to fit 3840 × 2160 (or 2160 × 3840) keeping its aspect; faces
 * found by the entry pipeline's ensemble and passes window by window; each face grown and
 * covered by the coarse mosaic (plus a moderator's regions); the rendition encoded from pixels
 * (no metadata survives) and verified by the entry gate. A poster is not a person's photo: no
 * face is the normal case and gives `done`; faces give `needs_review` with the covered
 * rendition; a verification hit or a detector error gives `failed` and no rendition.
 */
export async function redactPoster(
  input: Buffer,
  options: PosterRedactOptions = {},
  deps: PosterRedactDeps = {},
): Promise<PosterResult> {
  const started = performance.now();
  const sniffed = posterFormat(input);
  let size: { width: number; height: number } | undefined;
  if (sniffed === "jpeg" || sniffed === "png" || sniffed === "webp") {
    // Reading the header decodes no pixels; normalizeImage applies every limit after it.
    const meta = await sharp(input, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (meta?.autoOrient.width && meta.autoOrient.height)
      size = posterSize(meta.autoOrient.width, meta.autoOrient.height);
  }
  const { image, format, original } = await normalizeImage(input, size ? { fit: size } : {});
  const whole: Box = { x: 0, y: 0, width: image.width, height: image.height };
  const manual = (options.manualRegions ?? []).map((r, i) => {
    const box = [r.x, r.y, r.width, r.height].every(Number.isFinite)
      ? clampBox(toPixels(r, whole), whole)
      : null;
    if (!box || r.width <= 0 || r.height <= 0)
      throw new RangeError(`manualRegions[${i}] is not a box inside the poster`);
    return box;
  });
  const base = {
    image: { format, width: original.width, height: original.height },
    detectorVersions: unknownDetectorVersions,
  };
  const finish = (
    verdict: PosterResult["verdict"],
    reason: PosterReason | undefined,
    rest: Pick<PosterResult, "faces" | "regions" | "verification"> & {
      rendition?: PosterRendition;
    },
  ): PosterResult => ({
    ...base,
    ...rest,
    verdict,
    ...(reason ? { reason } : {}),
    message: messages[reason ?? "done"],
    timingsMs: { total: Math.round(performance.now() - started) },
  });

  let detector: FaceDetector;
  let hits: DetectorHit[];
  try {
    detector = await (deps.loadDetector ?? loadFaceDetector)();
    base.detectorVersions = detector.versions;
    hits = await detectOnPoster(detector, image);
  } catch (err) {
    if (base.detectorVersions === unknownDetectorVersions)
      base.detectorVersions = await readDetectorVersions().catch(() => unknownDetectorVersions);
    return finish("failed", "detector_error", {
      faces: [],
      regions: [],
      verification: {
        status: "error",
        minScore: redactionPolicy.verifyMinScore,
        blockingScore: redactionPolicy.verifyBlockingScore,
        hits: [],
        error: err instanceof Error ? err.message : String(err),
      },
    });
  }
  const found = clusterHits(hits);
  const faces: PosterFace[] = found.map((f) => ({
    box: toRelative(f.box, whole),
    score: f.score,
    detectors: [...new Set(f.hits.map((h) => h.detector))],
  }));
  const regions = coverRegions(
    found.map((f) => f.box),
    manual,
    whole,
  );
  const redacted =
    regions.length > 0 ? await redactImage(image, regions, { style: "mosaic" }) : image;
  const rendition = await encode(redacted);
  const verification = await verifyPoster(detector, rendition.bytes, regions);
  const recorded = { faces, regions: regions.map((r) => toRelative(r, whole)), verification };
  if (verification.status === "error") return finish("failed", "detector_error", recorded);
  if (verification.status !== "passed") return finish("failed", "verification_failed", recorded);
  return finish(
    regions.length > 0 ? "needs_review" : "done",
    regions.length > 0 ? "faces_covered" : undefined,
    {
      ...recorded,
      rendition,
    },
  );
}

async function encode(image: RgbImage): Promise<PosterRendition> {
  // From raw pixels: no EXIF, ICC or XMP of the upload can be carried over.
  const bytes = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .webp({ quality: webpQuality, effort: webpEffort })
    .toBuffer();
  return {
    bytes,
    mime: "image/webp",
    width: image.width,
    height: image.height,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

/** The upload's format by content; AVIF and HEIC, which photos may be, are refused for posters. */
function posterFormat(bytes: Buffer): ReturnType<typeof sniffFormat> {
  const sniffed = sniffFormat(bytes);
  if (sniffed === "heif")
    throw new ImageRejected(
      "unsupported_media_type",
      "A poster must be a JPEG, PNG or WebP image; export it as one of those.",
    );
  return sniffed;
}

/**
 * Checks an uploaded poster by content before anything is stored, decoding it as the pipeline
 * will: JPEG, PNG or WebP (AVIF and HEIC refused here, SVG, GIF, animated, damaged and over 40
 * megapixels by normalizeImage); throws ImageRejected (a 4xx with a sentence).
 */
export async function checkPoster(bytes: Buffer): Promise<{ format: string }> {
  posterFormat(bytes);
  const { format } = await normalizeImage(bytes);
  return { format };
}
