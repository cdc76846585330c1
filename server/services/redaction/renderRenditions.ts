import { createHash } from "node:crypto";
import sharp from "sharp";
import type { RgbImage } from "./types";

/** The kiosk's photo slot: 600 × 800, portrait. */
export const displaySize = { width: 600, height: 800 } as const;
/** The console's list thumbnail, the same shape. */
export const thumbSize = { width: 150, height: 200 } as const;
/**
 * Letterbox colour around a photo that is not 3:4. "Contain", not "cover": the moderator
 * approves the whole photo and the screen shows all of it; cropping could cut a covered
 * area in half or push a face to the edge where detectors see it worse.
 */
export const letterboxColour = { r: 255, g: 255, b: 255 } as const;
const webpQuality = 82;
/** libwebp effort 2 of 6: half the encoding time of the default for a 4 % larger file. */
const webpEffort = 2;

/** An image file that may leave the server: re-encoded, no metadata, named by its hash. */
export interface Rendition {
  bytes: Buffer;
  width: number;
  height: number;
  mediaType: "image/webp";
  /** Hex sha256 of `bytes`. */
  sha256: string;
  /** `<sha256>.webp`: named by its bytes; served with `no-store`, so no HTTP cache keeps it. */
  fileName: string;
}

/** Where the photo sits inside the display layout, in layout pixels. */
export interface Placement {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Lays the working image out at display size: scaled to fit 600 × 800 (a no-op when intake
 * already sized it so) and centred on the letterbox colour. Faces are detected, covered and
 * verified on exactly these pixels, so the first pass sees each face at the scale and place
 * the verification and the screen will, and mosaic cells are cells of the published image.
 * The layout is raw pixels in memory; only its redacted version is ever encoded.
 */
export async function layoutDisplay(
  photo: RgbImage,
): Promise<{ pixels: RgbImage; placement: Placement }> {
  const scale = Math.min(displaySize.width / photo.width, displaySize.height / photo.height);
  const width = Math.max(1, Math.min(displaySize.width, Math.round(photo.width * scale)));
  const height = Math.max(1, Math.min(displaySize.height, Math.round(photo.height * scale)));
  const left = Math.floor((displaySize.width - width) / 2);
  const top = Math.floor((displaySize.height - height) / 2);
  let pipeline = sharp(photo.data, {
    raw: { width: photo.width, height: photo.height, channels: 3 },
  });
  if (width !== photo.width || height !== photo.height) {
    pipeline = pipeline.resize(width, height, { fit: "fill" });
  }
  const data = await pipeline
    .extend({
      left,
      top,
      right: displaySize.width - width - left,
      bottom: displaySize.height - height - top,
      background: letterboxColour,
    })
    .raw()
    .toBuffer();
  return {
    pixels: { data, width: displaySize.width, height: displaySize.height },
    placement: { left, top, width, height },
  };
}

/**
 * Encodes the redacted display layout as the display rendition. Encoding starts from raw
 * pixels, so no EXIF, ICC or XMP from the upload can be carried over: there is none to carry.
 */
export function renderDisplay(pixels: RgbImage): Promise<Rendition> {
  return encode(pixels);
}

/**
 * The thumbnail, scaled down from the display rendition's pixels: it holds nothing the
 * verified display rendition does not, so it needs no verification of its own.
 */
export async function renderThumb(display: RgbImage): Promise<Rendition> {
  const data = await sharp(display.data, {
    raw: { width: display.width, height: display.height, channels: 3 },
  })
    .resize(thumbSize.width, thumbSize.height, { fit: "fill" })
    .raw()
    .toBuffer();
  return encode({ data, width: thumbSize.width, height: thumbSize.height });
}

async function encode(image: RgbImage): Promise<Rendition> {
  // No withMetadata()/keepMetadata(): sharp writes no EXIF, ICC or XMP unless asked to.
  const bytes = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .webp({ quality: webpQuality, effort: webpEffort })
    .toBuffer();
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return {
    bytes,
    width: image.width,
    height: image.height,
    mediaType: "image/webp",
    sha256,
    fileName: `${sha256}.webp`,
  };
}
