import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageRejected } from "../../../server/services/redaction/ImageRejected";
import { maxMosaicCells } from "../../../server/services/redaction/redactImage";
import { redactPhoto } from "../../../server/services/redaction/redactPhoto";
import { fivePeoplePhoto, portraitPhoto } from "../../fixtures/images";
import { coveredFraction, referenceFaces } from "./referenceFaces";

/**
 * A person entry's photo is expected to show one face (issue 13, item 3), and a moderator
 * has two tools for a photo the machine cannot judge: a crop to the listed person and a
 * cover over the whole photo (item 4).
 */
describe("a person's photo", { timeout: 180_000 }, () => {
  it("keeps a group photo out of bulk approval with the reason in words", async () => {
    const result = await redactPhoto(await fivePeoplePhoto());
    const codes = result.concerns.map((c) => c.code);
    expect(codes).toContain("several_faces");
    expect(result.concerns.find((c) => c.code === "several_faces")?.message).toMatch(
      /more than one face/,
    );
  });

  it("raises no concern about a one-person crop of the same photo", async () => {
    const bytes = await fivePeoplePhoto();
    const [face] = await referenceFaces(bytes, 0.8);
    if (!face) throw new Error("the referee found no face to crop to");
    // A passport-style crop around the face: twice its width, 2.6 times its height.
    const crop = {
      x: Math.max(0, face.x - face.width / 2),
      y: Math.max(0, face.y - face.height * 0.8),
      width: face.width * 2,
      height: face.height * 2.6,
    };
    const result = await redactPhoto(bytes, { crop });
    expect(result.image.workingWidth / result.image.workingHeight).toBeCloseTo(
      (crop.width * result.image.width) / (crop.height * result.image.height),
      1,
    );
    expect(result.concerns.map((c) => c.code)).not.toContain("several_faces");
    expect(result.faces.length).toBeGreaterThanOrEqual(1);
    // Regions are relative to the crop: the face is in its middle, and covered.
    const inCrop = {
      x: (face.x - crop.x) / crop.width,
      y: (face.y - crop.y) / crop.height,
      width: face.width / crop.width,
      height: face.height / crop.height,
    };
    expect(coveredFraction(inCrop, result.regions)).toBe(1);
  });

  it("refuses a crop outside the photo or too small to hold a face", async () => {
    const bytes = await portraitPhoto(2);
    await expect(
      redactPhoto(bytes, { crop: { x: 1.2, y: 0, width: 0.5, height: 0.5 } }),
    ).rejects.toThrow(RangeError);
    await expect(
      redactPhoto(bytes, { crop: { x: 0.5, y: 0.5, width: 0.001, height: 0.001 } }),
    ).rejects.toThrow(ImageRejected);
    // Half outside: what would be applied is not what was stored, so it is refused too.
    await expect(
      redactPhoto(bytes, { crop: { x: 0.6, y: 0.2, width: 0.6, height: 0.6 } }),
    ).rejects.toThrow(RangeError);
  });

  it("covers a drawn round head that only BlazeFace answers, and asks a moderator to look", async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800">
      <rect width="600" height="800" fill="hsl(120,40%,70%)"/>
      <circle cx="300" cy="300" r="120" fill="hsl(120,15%,30%)"/>
      <path d="M90 800 C100 560 200 470 300 470 C400 470 500 560 510 800 Z" fill="hsl(120,15%,30%)"/>
    </svg>`;
    const result = await redactPhoto(await sharp(Buffer.from(svg)).jpeg().toBuffer());
    // A head's outline is enough to be covered: the union never drops a lone detector's hit.
    expect(result.faces.length).toBeGreaterThanOrEqual(1);
    expect(coveredFraction({ x: 0.4, y: 0.3, width: 0.2, height: 0.15 }, result.regions)).toBe(1);
    expect(result.concerns.map((c) => c.code)).toContain("no_confident_face");
  });

  it("covers the whole photo when a moderator asks, and says so", async () => {
    const bytes = await portraitPhoto(3);
    const result = await redactPhoto(bytes, { coverAll: true, style: "mosaic", smooth: false });
    expect(result.regions).toHaveLength(1);
    const [region] = result.regions;
    expect(region).toEqual({ x: 0, y: 0, width: 1, height: 1 });
    expect(result.concerns.map((c) => c.code)).toContain("covered_whole_frame");
    expect(result.verdict).toBe("publishable");
    const display = result.renditions?.display;
    if (!display) throw new Error("no rendition");
    // Judged on the pixels: an unsmoothed mosaic of the whole 600 × 800 photo has at most 6
    // distinct colours along any row (WebP may blur cell edges, so count long runs only).
    const { data, info } = await sharp(display.bytes).raw().toBuffer({ resolveWithObject: true });
    for (const y of [100, 400, 700]) {
      let runs = 0;
      let run = 0;
      for (let x = 1; x < info.width; x++) {
        const i = (y * info.width + x) * info.channels;
        const j = i - info.channels;
        const same = [0, 1, 2].every((c) => Math.abs((data[i + c] ?? 0) - (data[j + c] ?? 0)) < 6);
        run = same ? run + 1 : 0;
        if (run === 40) runs += 1;
      }
      expect(runs).toBeGreaterThanOrEqual(1);
      expect(runs).toBeLessThanOrEqual(maxMosaicCells);
    }
  });
});
