import { describe, expect, it } from "vitest";
import {
  maxMosaicCells,
  mosaicGrid,
  redactImage,
  solidFill,
} from "../../../../server/services/redaction/redactImage";
import type { Box, RgbImage } from "../../../../server/services/redaction/types";

/** A noisy test image: every pixel different, like skin and hair detail. */
function noise(width: number, height: number, seed = 1): RgbImage {
  const data = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = s & 0xff;
  }
  return { data, width, height };
}

function pixel(img: RgbImage, x: number, y: number): string {
  const i = (y * img.width + x) * 3;
  return `${img.data[i]},${img.data[i + 1]},${img.data[i + 2]}`;
}

/** Distinct colours along one row (or column) of a region. */
function distinctAlong(img: RgbImage, region: Box, axis: "row" | "col", at: number): number {
  const seen = new Set<string>();
  const n = axis === "row" ? region.width : region.height;
  for (let k = 0; k < n; k++) {
    seen.add(axis === "row" ? pixel(img, region.x + k, at) : pixel(img, at, region.y + k));
  }
  return seen.size;
}

describe("mosaicGrid", () => {
  it.each([
    [300, 300],
    [120, 400],
    [1000, 90],
    [7, 7],
    [3, 100],
    [1, 1],
  ])("never puts more than 6 cells across a %i × %i area", (w, h) => {
    const { cols, rows } = mosaicGrid(w, h);
    expect(cols).toBeGreaterThanOrEqual(1);
    expect(rows).toBeGreaterThanOrEqual(1);
    expect(cols).toBeLessThanOrEqual(maxMosaicCells);
    expect(rows).toBeLessThanOrEqual(maxMosaicCells);
    expect(cols).toBeLessThanOrEqual(w);
    expect(rows).toBeLessThanOrEqual(h);
  });

  it("uses the full 6 along the longer side and keeps cells roughly square", () => {
    expect(mosaicGrid(300, 300)).toEqual({ cols: 6, rows: 6 });
    expect(mosaicGrid(150, 300)).toEqual({ cols: 3, rows: 6 });
  });
});

describe("redactImage (mosaic cells, smoothing off)", () => {
  const image = noise(200, 160);
  const region: Box = { x: 30, y: 20, width: 120, height: 90 };

  it("leaves at most 6 flat cells across the covered area in either direction", async () => {
    const out = await redactImage(image, [region], { style: "mosaic", smooth: false });
    for (let y = region.y; y < region.y + region.height; y++) {
      expect(distinctAlong(out, region, "row", y)).toBeLessThanOrEqual(6);
    }
    for (let x = region.x; x < region.x + region.width; x++) {
      expect(distinctAlong(out, region, "col", x)).toBeLessThanOrEqual(6);
    }
  });

  it("fills each cell with the average colour of the pixels under it", async () => {
    const out = await redactImage(image, [region], { style: "mosaic", smooth: false });
    const { cols, rows } = mosaicGrid(region.width, region.height);
    const cw = region.width / cols;
    const ch = region.height / rows;
    let r = 0;
    let n = 0;
    for (let y = region.y; y < region.y + Math.floor(ch); y++) {
      for (let x = region.x; x < region.x + Math.floor(cw); x++) {
        r += image.data[(y * image.width + x) * 3] ?? 0;
        n += 1;
      }
    }
    expect(out.data[(region.y * image.width + region.x) * 3]).toBe(Math.round(r / n));
  });

  it("does not touch a pixel outside the covered area, nor the input image", async () => {
    const before = Buffer.from(image.data);
    const out = await redactImage(image, [region], { style: "mosaic", smooth: false });
    expect(image.data.equals(before)).toBe(true);
    expect(pixel(out, 0, 0)).toBe(pixel(image, 0, 0));
    expect(pixel(out, region.x + region.width, region.y)).toBe(
      pixel(image, region.x + region.width, region.y),
    );
    expect(pixel(out, region.x - 1, region.y)).toBe(pixel(image, region.x - 1, region.y));
  });
});

describe("redactImage (solid)", () => {
  it("fills the covered area with one flat colour", async () => {
    const image = noise(100, 100);
    const region: Box = { x: 10.4, y: 10.6, width: 50, height: 40 };
    const out = await redactImage(image, [region], { style: "solid" });
    const fill = `${solidFill.r},${solidFill.g},${solidFill.b}`;
    for (let y = 10; y < 51; y++) for (let x = 10; x < 61; x++) expect(pixel(out, x, y)).toBe(fill);
  });
});
