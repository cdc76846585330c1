import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageRejected } from "../../../server/services/redaction/ImageRejected";
import { normalizeImage } from "../../../server/services/redaction/imageIntake";
import { redactPhoto } from "../../../server/services/redaction/redactPhoto";
import {
  animatedGif,
  badCrcPng,
  cmykJpeg,
  emptyFile,
  exifRotatedPortrait,
  fivePeoplePhoto,
  noFacePhoto,
  png16,
  pngBomb,
  portraitPhoto,
  svgWithScript,
  textFileNamedJpg,
  transparentPng,
  truncatedJpeg,
  webpAndAvif,
} from "../../fixtures/images";
import { coveredFraction, referenceFaces } from "./referenceFaces";

/** The error redactPhoto throws for `bytes`, or a failure if it throws none. */
async function refusal(bytes: Buffer): Promise<ImageRejected> {
  try {
    await redactPhoto(bytes);
  } catch (err) {
    if (err instanceof ImageRejected) return err;
    throw err;
  }
  throw new Error("the file was accepted");
}

/** Mean absolute difference per channel between two same-size 8-bit RGB images. */
async function meanDifference(
  a: Buffer,
  b: Buffer,
  width: number,
  height: number,
): Promise<number> {
  const raw = (img: Buffer): Promise<Buffer> =>
    sharp(img)
      .autoOrient()
      .removeAlpha()
      .toColourspace("srgb")
      .resize(width, height, { fit: "fill" })
      .raw()
      .toBuffer();
  const [x, y] = await Promise.all([raw(a), raw(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return sum / x.length;
}

describe("bad input is refused with a clear 4xx", { timeout: 60_000 }, () => {
  it.each([
    ["a truncated JPEG", truncatedJpeg, "bad_request", 400, /damaged|incomplete/],
    ["a PNG with a wrong CRC", badCrcPng, "bad_request", 400, /damaged|incomplete/],
    ["a 0-byte file", () => Promise.resolve(emptyFile()), "bad_request", 400, /empty/],
    [
      "a text file named .jpg",
      () => Promise.resolve(textFileNamedJpg().bytes),
      "unsupported_media_type",
      415,
      /not a JPEG, PNG, WebP or AVIF/,
    ],
    [
      "an SVG (it can carry scripts)",
      () => Promise.resolve(svgWithScript()),
      "unsupported_media_type",
      415,
      /SVG.*scripts/,
    ],
    [
      "an animated GIF (GIF is refused, not cut to its first frame)",
      animatedGif,
      "unsupported_media_type",
      415,
      /GIF/,
    ],
  ] as const)("refuses %s", async (_name, make, code, status, message) => {
    const err = await refusal(await make());
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.message).toMatch(message);
    // One human sentence, no stack or library jargon.
    expect(err.message).toMatch(/^[A-Z].*\.$/);
    expect(err.message).not.toMatch(/vips|libpng|sharp|Error:/i);
  });

  it("refuses a 40000×40000 PNG bomb by its header, before decoding a pixel", async () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(1_000_000);
    // Refused by code and size in the message: only the header tells it is 40000×40000. How fast
    // and how little memory that takes is no test's business (no benchmark measures it yet).
    const err = await refusal(bomb);
    expect(err.code).toBe("payload_too_large");
    expect(err.status).toBe(413);
    expect(err.message).toContain("40000×40000");
  });

  it("refuses the same bad bytes whatever name they arrive under (content, not extension)", async () => {
    const { bytes } = textFileNamedJpg();
    await expect(normalizeImage(bytes)).rejects.toMatchObject({ code: "unsupported_media_type" });
  });
});

describe("unusual but valid photos are accepted", { timeout: 120_000 }, () => {
  it("accepts a CMYK JPEG and converts it to sRGB faithfully", async () => {
    const cmyk = await cmykJpeg(2);
    expect((await sharp(cmyk).metadata()).space).toBe("cmyk");
    const normalized = await normalizeImage(cmyk);
    expect(normalized.format).toBe("jpeg");
    const back = await sharp(normalized.image.data, {
      raw: { width: normalized.image.width, height: normalized.image.height, channels: 3 },
    })
      .png()
      .toBuffer();
    const srgb = await sharp(cmyk).toColourspace("srgb").png().toBuffer();
    expect(await meanDifference(back, srgb, 300, 200)).toBeLessThan(6);
    const result = await redactPhoto(cmyk);
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
  });

  it("accepts a 16-bit PNG", async () => {
    const png = await png16(3);
    expect((await sharp(png).metadata()).depth).toBe("ushort");
    const result = await redactPhoto(png);
    expect(result.image.format).toBe("png");
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    const reference = await referenceFaces(png, 0.5);
    // The reference detector must find the faces, or the loop below would check nothing.
    expect(reference.length).toBeGreaterThanOrEqual(3);
    for (const face of reference) expect(coveredFraction(face, result.regions)).toBe(1);
  });

  it("flattens transparency onto white", async () => {
    const normalized = await normalizeImage(await transparentPng());
    expect(normalized.image.data.subarray(0, 3)).toEqual(Buffer.from([255, 255, 255]));
  });

  it("accepts WebP and AVIF by content", async () => {
    const { webp, avif } = await webpAndAvif(6);
    expect((await normalizeImage(webp)).format).toBe("webp");
    expect((await normalizeImage(avif)).format).toBe("heif");
  });

  it("turns an EXIF-rotated portrait upright before looking for faces", async () => {
    const { bytes, upright } = await exifRotatedPortrait(3);
    const stored = await sharp(bytes).metadata();
    expect([stored.width, stored.height, stored.orientation]).toEqual([800, 600, 6]);
    const normalized = await normalizeImage(bytes);
    expect([normalized.image.width, normalized.image.height]).toEqual([
      upright.width,
      upright.height,
    ]);
    // The pixels match the upright original, not a mirror or a quarter turn of it.
    const asPng = await sharp(normalized.image.data, {
      raw: { width: 600, height: 800, channels: 3 },
    })
      .png()
      .toBuffer();
    expect(await meanDifference(asPng, await portraitPhoto(3), 150, 200)).toBeLessThan(8);

    const result = await redactPhoto(bytes);
    expect(result.image).toMatchObject({ width: 600, height: 800 });
    expect(result.verdict).toBe("publishable");
    const reference = await referenceFaces(bytes, 0.5);
    expect(reference.length).toBeGreaterThanOrEqual(1);
    for (const face of reference) expect(coveredFraction(face, result.regions)).toBe(1);
  });

  it("sends a photo with no face to review, with no rendition at all", async () => {
    const result = await redactPhoto(await noFacePhoto());
    expect(result.verdict).toBe("needs_review");
    expect(result.reason).toBe("no_face_detected");
    expect(result.faces).toEqual([]);
    expect(result.renditions).toBeUndefined();
    expect(result.message).toMatch(/moderator/);
  });

  it("covers all five faces of a five-person photo", async () => {
    const bytes = await fivePeoplePhoto();
    const reference = await referenceFaces(bytes, 0.5);
    expect(reference.length).toBeGreaterThanOrEqual(5);
    const result = await redactPhoto(bytes);
    expect(result.verdict).toBe("publishable");
    expect(result.faces.length).toBeGreaterThanOrEqual(5);
    for (const face of reference) expect(coveredFraction(face, result.regions)).toBe(1);
  });
});
