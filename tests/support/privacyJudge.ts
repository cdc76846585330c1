import sharp from "sharp";
import type { RedactionResult } from "../../server/services/redaction/redactPhoto";
import type { RelativeBox } from "../../server/services/redaction/types";
import type { HardCase, KnownFace } from "../fixtures/privacyHardSet";

/**
 * The independent judge of a redaction: given a hard-set case (its known face boxes) and what
 * `redactPhoto` returned for it, decides for each known face whether it is covered. Two
 * checks, both must pass:
 *
 * (a) the recorded regions cover at least 98 % of the known box (a 40 × 40 sample grid);
 * (b) the published display rendition's own pixels, read without trusting the regions. The
 *     known box is mapped onto the 600 × 800 display canvas (the photo scaled to fit and
 *     centred, as renderRenditions.ts `layoutDisplay` places it, recomputed here from the
 *     case's size) and resampled, in the rendition and in the unredacted photo laid out and
 *     encoded the same way (WebP 82), to a grid of at most 32 × 32 (fewer when the box is
 *     smaller on the canvas, so nothing is invented by enlarging). The detail of each grid is
 *     its 4-neighbour Laplacian. What the judge measures is how much of the unredacted face's
 *     detail is still there: the projection of the rendition's Laplacian onto the unredacted
 *     one (⟨r, u⟩ / ⟨u, u⟩, the best of the box shifted by up to a pixel each way, so a
 *     rounding difference in placement cannot hide a face). It must stay below 0.25.
 *
 * Why a projection and not the plain ratio of mean absolute Laplacians: an unsmoothed mosaic
 * (allowed: at most 6 cells) has sharp steps between its cells, about 0.35–0.6 of a face's
 * absolute Laplacian, yet none of them lies where the face's detail lay (projection ≈ 0). A
 * smoothed mosaic or a solid fill scores ≈ 0 either way; a visible face ≈ 1; a Gaussian blur of
 * σ = face width / 60 still ≈ 0.75 (a blur is not a privacy control). The plain ratio is
 * reported too, as `detailEnergy`.
 *
 * A result that is not publishable published nothing, so it leaks no face; its faces are
 * judged by the regions alone and it is never a leak.
 */

/** Regions must cover at least this share of a known box. */
export const minRegionCover = 0.98;
/** The rendition may keep at most this share of the unredacted detail inside a known box. */
export const maxDetailRatio = 0.25;

const canvas = { width: 600, height: 800 } as const;
/** The largest side of the grid a known box is resampled to before its detail is measured. */
const detailGrid = 32;

/** The judge's word on one known face. */
export interface FaceVerdict {
  face: string;
  partial: boolean;
  /** Share of the known box the recorded regions cover (0–1). */
  regionCover: number;
  /**
   * Share of the unredacted detail still in the box on the rendition (the projection, see the
   * module comment); null when nothing was published.
   */
  detailRatio: number | null;
  /** Mean absolute Laplacian in the box, rendition over unredacted; null when unpublished. */
  detailEnergy: number | null;
  /** Both checks passed (for a withheld result: the regions check alone). */
  covered: boolean;
}

/** The judge's word on one case. */
export interface CaseVerdict {
  name: string;
  published: boolean;
  faces: FaceVerdict[];
  /** Published with at least one known face not covered: a leak. */
  leaked: boolean;
}

/** A box in display-canvas pixels, by its edges. */
interface CanvasBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A one-channel 8-bit image. */
interface Grey {
  data: Buffer;
  width: number;
  height: number;
}

/** Where a photo of this upright size sits on the display canvas (layoutDisplay's rule). */
export function displayPlacement(
  width: number,
  height: number,
): { left: number; top: number; width: number; height: number } {
  const scale = Math.min(canvas.width / width, canvas.height / height);
  const w = Math.max(1, Math.min(canvas.width, Math.round(width * scale)));
  const h = Math.max(1, Math.min(canvas.height, Math.round(height * scale)));
  return {
    left: Math.floor((canvas.width - w) / 2),
    top: Math.floor((canvas.height - h) / 2),
    width: w,
    height: h,
  };
}

/**
 * Share of `box` that `regions` cover, sampled on a 40 × 40 grid of cell centres. With
 * `quad` (a turned face's corners, in order top-left, top-right, bottom-left, bottom-right
 * of the unturned box), only the samples inside that quadrilateral count: the face, not the
 * background corners of the upright box around it.
 */
export function regionCover(
  box: RelativeBox,
  regions: readonly RelativeBox[],
  quad?: readonly { x: number; y: number }[],
): number {
  const n = 40;
  let inside = 0;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = box.x + ((i + 0.5) / n) * box.width;
      const y = box.y + ((j + 0.5) / n) * box.height;
      if (quad && !insideQuad(quad, x, y)) continue;
      counted += 1;
      if (regions.some((r) => x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height)) {
        inside += 1;
      }
    }
  }
  return counted > 0 ? inside / counted : 0;
}

/** Whether (x, y) lies inside a turned box given by its corners (TL, TR, BL, BR). */
function insideQuad(q: readonly { x: number; y: number }[], x: number, y: number): boolean {
  const [tl, tr, bl, br] = q;
  if (!tl || !tr || !bl || !br) return true;
  const ring = [tl, tr, br, bl];
  let sign = 0;
  for (let k = 0; k < 4; k++) {
    const a = ring[k];
    const b = ring[(k + 1) % 4];
    if (!a || !b) return true;
    const cross = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
    if (cross !== 0) {
      if (sign === 0) sign = Math.sign(cross);
      else if (Math.sign(cross) !== sign) return false;
    }
  }
  return true;
}

async function greyOf(bytes: Buffer): Promise<Grey> {
  const { data, info } = await sharp(bytes)
    .removeAlpha()
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * The unredacted case laid out on the display canvas as the pipeline lays it out (scaled to
 * fit, centred on white) and encoded as the rendition is (WebP 82). Built here with sharp
 * alone, not with the pipeline's code.
 */
export function unredactedLayout(c: HardCase): Promise<Buffer> {
  const p = displayPlacement(c.width, c.height);
  return sharp(c.bytes)
    .autoOrient()
    .removeAlpha()
    .resize(p.width, p.height, { fit: "fill" })
    .extend({
      left: p.left,
      top: p.top,
      right: canvas.width - p.width - p.left,
      bottom: canvas.height - p.height - p.top,
      background: { r: 255, g: 255, b: 255 },
    })
    .webp({ quality: 82, effort: 2 })
    .toBuffer();
}

const references = new WeakMap<HardCase, Promise<Grey>>();

function referenceOf(c: HardCase): Promise<Grey> {
  let ref = references.get(c);
  if (!ref) {
    ref = unredactedLayout(c).then(greyOf);
    references.set(c, ref);
  }
  return ref;
}

/**
 * The Laplacian of `box` (less a pixel each side, so the letterbox edge does not count),
 * shifted by dx, dy canvas pixels and resampled to an n × n grid: the inner (n−2)² values.
 */
async function laplacianGrid(
  image: Grey,
  box: CanvasBox,
  n: number,
  dx = 0,
  dy = 0,
): Promise<Float64Array | null> {
  const left = Math.max(0, Math.round(box.x0) + 1 + dx);
  const top = Math.max(0, Math.round(box.y0) + 1 + dy);
  const right = Math.min(image.width, Math.round(box.x1) - 1 + dx);
  const bottom = Math.min(image.height, Math.round(box.y1) - 1 + dy);
  if (right - left < 3 || bottom - top < 3) return null;
  const d = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(n, n, { fit: "fill" })
    // sharp turns one-channel raw input into three channels unless told otherwise.
    .extractChannel(0)
    .raw()
    .toBuffer();
  const out = new Float64Array((n - 2) * (n - 2));
  let k = 0;
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      const i = y * n + x;
      out[k++] =
        4 * (d[i] ?? 0) - (d[i - 1] ?? 0) - (d[i + 1] ?? 0) - (d[i - n] ?? 0) - (d[i + n] ?? 0);
    }
  }
  return out;
}

/**
 * How much of the unredacted detail inside `box` (canvas pixels) the rendition still holds:
 * `kept`, the projection ⟨r, u⟩ / ⟨u, u⟩ of the rendition's Laplacian r onto the unredacted
 * one u, best of the shifts −1…1 px each way; `energy`, Σ|r| / Σ|u| unshifted. Both 0 for a
 * box too small to measure or with no detail at all unredacted.
 */
export async function detailKept(
  unredacted: Grey,
  rendition: Grey,
  box: CanvasBox,
): Promise<{ kept: number; energy: number }> {
  const side = Math.min(box.x1 - box.x0, box.y1 - box.y0) - 2;
  const n = Math.max(4, Math.min(detailGrid, Math.floor(side)));
  const u = await laplacianGrid(unredacted, box, n);
  if (!u) return { kept: 0, energy: 0 };
  let uu = 0;
  let absU = 0;
  for (const v of u) {
    uu += v * v;
    absU += Math.abs(v);
  }
  if (uu === 0) return { kept: 0, energy: 0 };
  let kept = -Infinity;
  let energy = 0;
  for (const dy of [-1, 0, 1]) {
    for (const dx of [-1, 0, 1]) {
      const r = await laplacianGrid(rendition, box, n, dx, dy);
      if (!r) continue;
      let ru = 0;
      let absR = 0;
      for (let i = 0; i < r.length; i++) {
        ru += (r[i] ?? 0) * (u[i] ?? 0);
        absR += Math.abs(r[i] ?? 0);
      }
      kept = Math.max(kept, ru / uu);
      if (dx === 0 && dy === 0) energy = absR / absU;
    }
  }
  return { kept: Math.max(0, kept), energy };
}

/** The known box in display-canvas pixels. */
function onCanvas(c: HardCase, face: KnownFace): CanvasBox {
  const p = displayPlacement(c.width, c.height);
  return {
    x0: p.left + face.box.x * p.width,
    y0: p.top + face.box.y * p.height,
    x1: p.left + (face.box.x + face.box.width) * p.width,
    y1: p.top + (face.box.y + face.box.height) * p.height,
  };
}

/**
 * Judges one redaction of one case: every known face covered by the regions and, when the
 * result published a rendition, gone from the rendition's pixels.
 */
export async function judgeCase(c: HardCase, result: RedactionResult): Promise<CaseVerdict> {
  const display = result.verdict === "publishable" ? result.renditions?.display : undefined;
  // A publishable verdict without its rendition must not pass as "not published".
  if (result.verdict === "publishable" && !display) {
    throw new Error(`${c.name}: publishable, but there is no display rendition to judge`);
  }
  const rendition = display ? await greyOf(display.bytes) : undefined;
  if (rendition && (rendition.width !== canvas.width || rendition.height !== canvas.height)) {
    throw new Error(
      `${c.name}: the display rendition is ${rendition.width} × ${rendition.height}, not ${canvas.width} × ${canvas.height}, so the judge cannot place its faces`,
    );
  }
  const reference = rendition ? await referenceOf(c) : undefined;
  const faces: FaceVerdict[] = [];
  for (const face of c.known) {
    const cover = regionCover(face.box, result.regions, face.quad);
    const detail =
      rendition && reference ? await detailKept(reference, rendition, onCanvas(c, face)) : null;
    faces.push({
      face: face.face,
      partial: face.partial,
      regionCover: cover,
      detailRatio: detail?.kept ?? null,
      detailEnergy: detail?.energy ?? null,
      covered: cover >= minRegionCover && (detail === null || detail.kept < maxDetailRatio),
    });
  }
  const published = rendition !== undefined;
  return { name: c.name, published, faces, leaked: published && faces.some((f) => !f.covered) };
}
