import sharp from "sharp";
import { redactionPolicy } from "./policy";
import { outerPixels } from "./regions";
import type { Box, RedactionStyle, RgbImage } from "./types";

/** The most mosaic cells along either side of a covered area (the policy's `maxMosaicCells`). */
export const maxMosaicCells = redactionPolicy.maxMosaicCells;
/** The `solid` style's fill: a flat dark grey that carries nothing of the photo. */
export const solidFill = { r: 64, g: 64, b: 64 } as const;
/**
 * Smoothing strength as a fraction of the cell size: enough that the cells melt into a blur,
 * while the blurred patch is still computed from the cell averages alone.
 */
const smoothingSigmaPerCell = 0.4;

/** How to cover faces. */
export interface RedactImageOptions {
  style: RedactionStyle;
  /** Smooth a mosaic so it reads as a blur (default true). The cells are never skipped. */
  smooth?: boolean;
}

/**
 * The mosaic grid for a covered area: cells as square as the area allows, at most
 * `maxCells` along its longer side (so at most `maxCells` across in either direction), at
 * least one, and never more cells than pixels.
 */
export function mosaicGrid(
  width: number,
  height: number,
  maxCells = maxMosaicCells,
): { cols: number; rows: number } {
  const cell = Math.max(width, height) / maxCells;
  const fit = (side: number): number =>
    Math.max(1, Math.min(maxCells, Math.floor(side), Math.round(side / cell)));
  return { cols: fit(width), rows: fit(height) };
}

/**
 * Covers each region of the image and returns a new image; the input is not changed.
 *
 * `solid` fills the region with one flat colour. `mosaic` replaces it with a grid of at most
 * 6 × 6 cells, each the average colour of the pixels under it, and then (by default) blurs
 * that grid. The blur runs on the cells, never on the original pixels, so the output is a
 * function of at most 36 average colours: nothing of the face's detail survives to be
 * recovered, unlike a Gaussian blur of the face itself, which can be partly inverted.
 */
export async function redactImage(
  image: RgbImage,
  regions: readonly Box[],
  options: RedactImageOptions,
): Promise<RgbImage> {
  const { width, height } = image;
  const out = Buffer.from(image.data);
  for (const region of regions) {
    const b = outerPixels(region);
    const x0 = Math.max(0, b.x0);
    const y0 = Math.max(0, b.y0);
    const x1 = Math.min(width, b.x1);
    const y1 = Math.min(height, b.y1);
    if (x1 <= x0 || y1 <= y0) continue;
    if (options.style === "solid") {
      fillRect(out, width, x0, y0, x1, y1, solidFill);
      continue;
    }
    const w = x1 - x0;
    const h = y1 - y0;
    const { cols, rows } = mosaicGrid(w, h);
    for (let row = 0; row < rows; row++) {
      const cy0 = y0 + Math.floor((row * h) / rows);
      const cy1 = y0 + Math.floor(((row + 1) * h) / rows);
      for (let col = 0; col < cols; col++) {
        const cx0 = x0 + Math.floor((col * w) / cols);
        const cx1 = x0 + Math.floor(((col + 1) * w) / cols);
        // Averages come from the untouched input, so regions are independent of their order.
        fillRect(out, width, cx0, cy0, cx1, cy1, averageColour(image, cx0, cy0, cx1, cy1));
      }
    }
    if (options.smooth ?? true) {
      const sigma = Math.max(0.5, smoothingSigmaPerCell * Math.min(w / cols, h / rows));
      const patch = extractRect(out, width, x0, y0, x1, y1);
      const blurred = await sharp(patch, { raw: { width: w, height: h, channels: 3 } })
        .blur(sigma)
        .raw()
        .toBuffer();
      pasteRect(out, width, blurred, x0, y0, x1, y1);
    }
  }
  return { data: out, width, height };
}

type Rgb = { r: number; g: number; b: number };

function averageColour(image: RgbImage, x0: number, y0: number, x1: number, y1: number): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  const { data, width } = image;
  for (let y = y0; y < y1; y++) {
    for (let i = (y * width + x0) * 3, end = (y * width + x1) * 3; i < end; i += 3) {
      r += data[i] ?? 0;
      g += data[i + 1] ?? 0;
      b += data[i + 2] ?? 0;
    }
  }
  const n = Math.max(1, (x1 - x0) * (y1 - y0));
  return { r: Math.round(r / n), g: Math.round(g / n), b: Math.round(b / n) };
}

function fillRect(
  data: Buffer,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: Rgb,
): void {
  for (let y = y0; y < y1; y++) {
    for (let i = (y * width + x0) * 3, end = (y * width + x1) * 3; i < end; i += 3) {
      data[i] = c.r;
      data[i + 1] = c.g;
      data[i + 2] = c.b;
    }
  }
}

function extractRect(
  data: Buffer,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): Buffer {
  const rowBytes = (x1 - x0) * 3;
  const patch = Buffer.alloc(rowBytes * (y1 - y0));
  for (let y = y0; y < y1; y++) {
    data.copy(patch, (y - y0) * rowBytes, (y * width + x0) * 3, (y * width + x1) * 3);
  }
  return patch;
}

function pasteRect(
  data: Buffer,
  width: number,
  patch: Buffer,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): void {
  const rowBytes = (x1 - x0) * 3;
  for (let y = y0; y < y1; y++) {
    patch.copy(data, (y * width + x0) * 3, (y - y0) * rowBytes, (y - y0 + 1) * rowBytes);
  }
}
