import type { Region } from "../../../../shared/schemas/moderation";

/** A region relative to the cropped photo, as a fraction of the whole upright photo. */
export function toWhole(r: Region, crop: Region | null): Region {
  if (!crop) return r;
  return {
    x: crop.x + r.x * crop.width,
    y: crop.y + r.y * crop.height,
    width: r.width * crop.width,
    height: r.height * crop.height,
  };
}

/**
 * A region drawn on the whole photo, relative to the crop (as the server takes regions once
 * the photo is cropped), clipped to it; null when it lies outside the crop.
 */
export function toCropped(r: Region, crop: Region | null): Region | null {
  if (!crop) return r;
  const x0 = Math.max(0, (r.x - crop.x) / crop.width);
  const y0 = Math.max(0, (r.y - crop.y) / crop.height);
  const x1 = Math.min(1, (r.x + r.width - crop.x) / crop.width);
  const y1 = Math.min(1, (r.y + r.height - crop.y) / crop.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}
