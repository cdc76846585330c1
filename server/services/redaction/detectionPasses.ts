import sharp, { type Sharp } from "sharp";
import type { FaceDetector } from "./faceDetector";
import { redactionPolicy } from "./policy";
import { clampBox } from "./regions";
import type { Box, DetectorHit, DetectorName, RgbImage } from "./types";

/**
 * The passes the ensemble makes over one photo, so that faces the detectors miss at the
 * photo's own scale and angle are still found:
 *
 * - `main`: the display layout as it is, every detector;
 * - `zoom_out`: the photo shrunk onto a canvas twice its size, so a face filling 50–100 % of
 *   the frame becomes one of the size the detectors were trained on (a close-up face is
 *   larger than any of their anchors);
 * - `rotate_-30` / `rotate_30`: the photo turned, so a head tilted up to ±45° is within ±15°
 *   of upright for one of the three passes (the detectors are trained on near-upright faces);
 * - `tile_*`: four overlapping quarters, each magnified to the detectors' input, for small
 *   faces (bystanders in the background, faces in a large frame).
 *
 * Extra passes run BlazeFace only (`redactionPolicy.extraPassDetectors`: 14 ms a call on ONNX
 * Runtime, and it alone hit 98 % of the hard set's labelled faces) and keep hits at
 * `redactionPolicy.extraPassMinScore`; SSD-MobileNetV1 (84 ms) and TinyFaceDetector (16 ms)
 * run on the main pass. Every hit comes back in pixels of the layout, with the pass that
 * found it.
 */

/** The name of one pass, recorded with each hit. */
export type PassName = "main" | "zoom_out" | "rotate_-30" | "rotate_30" | `tile_${number}`;

/** The detectors the extra passes run (the policy's `extraPassDetectors`). */
const cheapDetectors: ReadonlySet<DetectorName> = new Set(redactionPolicy.extraPassDetectors);

/** Which passes to make; the defaults are the policy's. */
export interface PassOptions {
  zoomOut?: boolean;
  rotations?: readonly number[];
  tiles?: boolean;
  /** The score from which extra passes' hits count; default the policy's `extraPassMinScore`. */
  extraMinScore?: number;
  /**
   * Apply the policy's per-detector floors (`detectorFloors`); default true. Verification
   * turns them off to record every near-miss and judges blocking by its own rule.
   */
  detectorFloors?: boolean;
}

/** Grey that carries no structure: the padding of zoomed and rotated passes. */
const padGrey = { r: 128, g: 128, b: 128 } as const;

/**
 * Runs every pass over `image` (the display layout) inside `photo` (where the photo sits in
 * it) and returns the hits in layout pixels, clipped to the photo, each with its pass.
 */
export async function detectInPasses(
  detector: FaceDetector,
  image: RgbImage,
  photo: Box,
  minScore: number,
  options: PassOptions = {},
): Promise<DetectorHit[]> {
  const policy = redactionPolicy.passes;
  const zoomOut = options.zoomOut ?? policy.zoomOut;
  const rotations = options.rotations ?? policy.rotations;
  const tiles = options.tiles ?? policy.tiles;
  const extraMin = Math.max(minScore, options.extraMinScore ?? redactionPolicy.extraPassMinScore);

  const out: DetectorHit[] = [];
  const floors = options.detectorFloors ?? true;
  const keep = (hits: DetectorHit[], pass: PassName, back: (b: Box) => Box): void => {
    for (const h of hits) {
      const floor = floors ? redactionPolicy.detectorFloors[h.detector] : undefined;
      if (floor && h.score < (pass === "main" ? floor.detect : floor.extraPass)) continue;
      const box = clampBox(back(h.box), photo);
      if (box) out.push({ ...h, box, pass });
    }
  };
  keep(await detector.detect(image, minScore), "main", (b) => b);

  const crop = await cropPhoto(image, photo);
  const extra = async (img: RgbImage): Promise<DetectorHit[]> =>
    (await detector.detect(img, extraMin, cheapDetectors)).filter((h) =>
      cheapDetectors.has(h.detector),
    );

  // Zoomed-out and turned passes see the whole photo at BlazeFace's 256 px anyway, so they
  // work on a copy scaled to `passSide` (turning a 600 × 800 image costs more than the
  // detector); tiles, which magnify, cut from the full layout.
  const scale = Math.min(1, redactionPolicy.passSide / Math.max(crop.width, crop.height));
  const small =
    scale < 1
      ? await rawOf(
          sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 3 } }).resize(
            Math.max(1, Math.round(crop.width * scale)),
            Math.max(1, Math.round(crop.height * scale)),
            { fit: "fill" },
          ),
        )
      : crop;
  const sx = crop.width / small.width;
  const sy = crop.height / small.height;
  const fromSmall = (b: Box): Box => ({
    x: b.x * sx + photo.x,
    y: b.y * sy + photo.y,
    width: b.width * sx,
    height: b.height * sy,
  });

  if (zoomOut) {
    // The photo centred on a canvas twice its width and height.
    const padX = Math.round(small.width / 2);
    const padY = Math.round(small.height / 2);
    const zoomed = await rawOf(
      sharp(small.data, { raw: { width: small.width, height: small.height, channels: 3 } }).extend({
        left: padX,
        right: padX,
        top: padY,
        bottom: padY,
        background: padGrey,
      }),
    );
    keep(await extra(zoomed), "zoom_out", (b) => fromSmall({ ...b, x: b.x - padX, y: b.y - padY }));
  }

  for (const degrees of rotations) {
    const turned = await rawOf(
      sharp(small.data, { raw: { width: small.width, height: small.height, channels: 3 } }).rotate(
        degrees,
        { background: padGrey },
      ),
    );
    keep(await extra(turned), `rotate_${degrees}` as PassName, (b) =>
      fromSmall(unrotateBox(b, degrees, turned, small)),
    );
  }

  if (tiles) {
    const { span, offsets } = redactionPolicy.tiles;
    let n = 0;
    for (const fy of offsets) {
      for (const fx of offsets) {
        n += 1;
        const tile = {
          x: Math.round(fx * crop.width),
          y: Math.round(fy * crop.height),
          width: Math.max(1, Math.round(span * crop.width)),
          height: Math.max(1, Math.round(span * crop.height)),
        };
        tile.width = Math.min(tile.width, crop.width - tile.x);
        tile.height = Math.min(tile.height, crop.height - tile.y);
        const pixels = await rawOf(
          sharp(crop.data, {
            raw: { width: crop.width, height: crop.height, channels: 3 },
          }).extract({ left: tile.x, top: tile.y, width: tile.width, height: tile.height }),
        );
        keep(await extra(pixels), `tile_${n}`, (b) => ({
          ...b,
          x: b.x + tile.x + photo.x,
          y: b.y + tile.y + photo.y,
        }));
      }
    }
  }
  return out;
}

/**
 * Maps a box found on an image turned `degrees` clockwise (sharp's `rotate`, which grows the
 * canvas to hold the turned image) back onto the unturned image: its four corners turned
 * back about the centres, and the box around them.
 */
export function unrotateBox(
  box: Box,
  degrees: number,
  turned: { width: number; height: number },
  original: { width: number; height: number },
): Box {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const tcx = turned.width / 2;
  const tcy = turned.height / 2;
  const ocx = original.width / 2;
  const ocy = original.height / 2;
  const corners = [
    [box.x, box.y],
    [box.x + box.width, box.y],
    [box.x, box.y + box.height],
    [box.x + box.width, box.y + box.height],
  ].map(([u = 0, v = 0]) => {
    const du = u - tcx;
    const dv = v - tcy;
    // A clockwise turn by t (y pointing down) is undone by the inverse matrix.
    return [ocx + du * cos + dv * sin, ocy - du * sin + dv * cos] as const;
  });
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

async function cropPhoto(image: RgbImage, photo: Box): Promise<RgbImage> {
  const left = Math.round(photo.x);
  const top = Math.round(photo.y);
  const width = Math.min(image.width - left, Math.round(photo.width));
  const height = Math.min(image.height - top, Math.round(photo.height));
  if (left === 0 && top === 0 && width === image.width && height === image.height) return image;
  return rawOf(
    sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).extract({
      left,
      top,
      width,
      height,
    }),
  );
}

async function rawOf(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
