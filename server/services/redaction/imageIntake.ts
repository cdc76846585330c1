import sharp, { type Metadata } from "sharp";
import { ImageRejected } from "./ImageRejected";
import type { RgbImage } from "./types";

/** The formats the pipeline decodes, named as sharp's metadata names them. */
export type AcceptedFormat = "jpeg" | "png" | "webp" | "heif";

/** What a file's first bytes say it is; decided by content, never by file name. */
export type SniffedFormat = AcceptedFormat | "gif" | "svg" | "unknown";

/** Limits applied before anything is decoded. */
export interface IntakeLimits {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** Largest decoded size accepted, in pixels (width × height); stops decompression bombs. */
  maxPixels: number;
}

/** 30 MB and 40 megapixels: a phone photo fits, a decompression bomb does not. */
export const defaultIntakeLimits: IntakeLimits = {
  maxBytes: 30 * 1024 * 1024,
  maxPixels: 40_000_000,
};

/** The working image's size when the caller names none: longest side at most 1920 px. */
export const defaultMaxWorkingSide = 1920;

/** How normalizeImage sizes the working image. */
export interface NormalizeOptions {
  limits?: IntakeLimits;
  /**
   * Scale the photo to fit exactly inside this box (enlarging a small photo too), e.g. the
   * display size, so JPEGs can be shrunk while they are decoded. Without it the working
   * image keeps the photo's size, capped at 1920 px on the longest side.
   */
  fit?: { width: number; height: number };
  /**
   * Keep only this part of the upright photo (fractions of its width and height, clipped to
   * it), before scaling: a moderator's crop to the listed person.
   */
  crop?: { x: number; y: number; width: number; height: number };
}

/** The photo as the rest of the pipeline sees it: upright, opaque, sRGB, at working size. */
export interface NormalizedImage {
  image: RgbImage;
  /** The format found in the file's content. */
  format: AcceptedFormat;
  /** The upright size of the photo before it was scaled to working size. */
  original: { width: number; height: number };
}

/** Flattened transparency becomes white, as on a printed ID photo. */
const flattenBackground = { r: 255, g: 255, b: 255 };
/** Images smaller than this on either side cannot show a recognisable face to redact. */
const minSide = 16;

const acceptedList = "JPEG, PNG, WebP or AVIF";

/**
 * Names the format from the file's magic bytes. SVG is recognised only so it can be refused
 * with its own reason: it is XML that can carry scripts and external references, so it is
 * never handed to a decoder at all.
 */
export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  const ascii = (from: number, to: number): string =>
    String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "jpeg";
  }
  if (ascii(0, 8) === "\x89PNG\r\n\x1a\n") return "png";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  if (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a") return "gif";
  // ISO-BMFF ("....ftyp<brand>"): AVIF and HEIC share the container; sharp names both "heif".
  if (ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (/^(avif|avis|heic|heix|heim|heis|hevc|hevx|mif1|msf1)$/.test(brand)) return "heif";
  }
  const head = new TextDecoder("utf-8", { fatal: false })
    .decode(bytes.subarray(0, 4096))
    .replace(/^\uFEFF/, "")
    .trimStart()
    .toLowerCase();
  if (head.startsWith("<") && head.includes("<svg")) return "svg";
  return "unknown";
}

/**
 * Checks an uploaded photo and turns it into the working image: EXIF orientation applied,
 * transparency flattened onto white, converted to 8-bit sRGB (CMYK JPEGs and 16-bit PNGs
 * included), sized as `options.fit` says. Throws ImageRejected, with no pixel decoded, for an
 * empty, oversized, unknown, SVG, GIF or animated file, and for a damaged one when decoding
 * finds the damage.
 *
 * GIF is refused, not reduced to its first frame: the pipeline would have to pick a frame
 * for the moderator, a palette image is a poor source for face detection, and a court
 * photo is never a GIF, so the clear answer is "send a JPEG or PNG".
 */
export async function normalizeImage(
  input: Buffer,
  options: NormalizeOptions = {},
): Promise<NormalizedImage> {
  const limits = options.limits ?? defaultIntakeLimits;
  if (input.length === 0) throw new ImageRejected("bad_request", "The image file is empty.");
  if (input.length > limits.maxBytes) {
    throw new ImageRejected(
      "payload_too_large",
      `The image file is larger than ${Math.floor(limits.maxBytes / (1024 * 1024))} MB.`,
    );
  }
  const sniffed = sniffFormat(input);
  if (sniffed === "svg") {
    throw new ImageRejected(
      "unsupported_media_type",
      "SVG images are not accepted because they can carry scripts; send a JPEG or PNG photo.",
    );
  }
  if (sniffed === "gif") {
    throw new ImageRejected(
      "unsupported_media_type",
      "GIF images are not accepted; send the photo as JPEG or PNG.",
    );
  }
  if (sniffed === "unknown") {
    throw new ImageRejected("unsupported_media_type", `The file is not a ${acceptedList} image.`);
  }

  // The header is read without the pixel limit so the refusal can say how big the image is;
  // reading a header decodes no pixels.
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, failOn: "error" }).metadata();
  } catch {
    throw new ImageRejected("bad_request", "The image file is damaged and cannot be read.");
  }
  if (meta.format !== sniffed) {
    throw new ImageRejected("unsupported_media_type", `The file is not a ${acceptedList} image.`);
  }
  if (meta.format === "heif" && meta.compression !== "av1") {
    // sharp's bundled libheif decodes AVIF only; HEVC (iPhone HEIC) needs a patented codec.
    throw new ImageRejected(
      "unsupported_media_type",
      "HEIC photos are not supported; export the photo as JPEG.",
    );
  }
  const { width, height } = meta;
  if (width <= 0 || height <= 0) {
    throw new ImageRejected("bad_request", "The image file does not state its size.");
  }
  if (width * height > limits.maxPixels) {
    throw new ImageRejected(
      "payload_too_large",
      `The image is ${width}×${height} pixels; at most ${Math.round(limits.maxPixels / 1e6)} megapixels are accepted.`,
    );
  }
  if ((meta.pages ?? 1) > 1 && meta.format !== "heif") {
    throw new ImageRejected(
      "unsupported_media_type",
      "Animated images are not accepted; send a single photo.",
    );
  }
  if (width < minSide || height < minSide) {
    throw new ImageRejected(
      "bad_request",
      `The image is ${width}×${height} pixels, too small to be a photo.`,
    );
  }

  const crop = options.crop ? cropPixels(options.crop, meta.autoOrient) : undefined;
  try {
    const pipeline = sharp(input, {
      limitInputPixels: limits.maxPixels,
      // "error" also refuses truncated JPEGs and PNGs whose checksums do not match.
      failOn: "error",
      sequentialRead: true,
    }).autoOrient();
    if (crop) {
      // After autoOrient (sharp applies them in call order), so the crop is taken from the
      // photo as a person sees it.
      pipeline.extract(crop);
    }
    const { data, info } = await pipeline
      .flatten({ background: flattenBackground })
      .toColourspace("srgb")
      .resize(
        options.fit
          ? { width: options.fit.width, height: options.fit.height, fit: "inside" }
          : {
              width: defaultMaxWorkingSide,
              height: defaultMaxWorkingSide,
              fit: "inside",
              withoutEnlargement: true,
            },
      )
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      image: { data, width: info.width, height: info.height },
      format: sniffed,
      original: { width: meta.autoOrient.width, height: meta.autoOrient.height },
    };
  } catch {
    throw new ImageRejected(
      "bad_request",
      "The image file is damaged or incomplete and cannot be decoded.",
    );
  }
}

/** A relative crop as whole pixels of the upright photo, refused when too small to hold a face. */
function cropPixels(
  crop: { x: number; y: number; width: number; height: number },
  upright: { width: number; height: number },
): { left: number; top: number; width: number; height: number } {
  const x0 = Math.max(0, Math.floor(crop.x * upright.width));
  const y0 = Math.max(0, Math.floor(crop.y * upright.height));
  const x1 = Math.min(upright.width, Math.ceil((crop.x + crop.width) * upright.width));
  const y1 = Math.min(upright.height, Math.ceil((crop.y + crop.height) * upright.height));
  if (x1 - x0 < minSide || y1 - y0 < minSide) {
    throw new ImageRejected("bad_request", "The crop is too small to show a face.");
  }
  return { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}
