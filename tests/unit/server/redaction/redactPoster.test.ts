import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { FaceDetector } from "../../../../server/services/redaction/faceDetector";
import {
  posterLevels,
  posterSize,
  posterWindow,
  posterWindows,
  redactPoster,
  toPoster,
  toWindow,
} from "../../../../server/services/redaction/redactPoster";

describe("a poster's rendition size", () => {
  it("fits a landscape poster within 3840 × 2160, keeping its aspect", () => {
    expect(posterSize(7680, 4320)).toEqual({ width: 3840, height: 2160 });
    expect(posterSize(8000, 2000)).toEqual({ width: 3840, height: 960 });
    expect(posterSize(4000, 4000)).toEqual({ width: 2160, height: 2160 });
  });

  it("fits a portrait poster within 2160 × 3840", () => {
    expect(posterSize(3000, 6000)).toEqual({ width: 1920, height: 3840 });
    expect(posterSize(2400, 3200)).toEqual({ width: 2160, height: 2880 });
  });

  it("never enlarges a small poster", () => {
    expect(posterSize(1200, 800)).toEqual({ width: 1200, height: 800 });
  });
});

describe("the windows the detectors look through", () => {
  it("is one window for a poster that fits one", () => {
    const windows = posterWindows(640, 480);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({
      level: 0,
      levelSize: { width: 640, height: 480 },
      sx: 1,
      sy: 1,
      top: true,
      box: { x: 0, y: 0, width: 640, height: 480 },
    });
  });

  it("covers every pixel of every level, overlapping, down to one window of the whole", () => {
    const windows = posterWindows(3840, 2160);
    const levels = [...new Set(windows.map((w) => w.level))];
    expect(levels[0]).toBe(0);
    const last = windows.filter((w) => w.top);
    expect(last).toHaveLength(1);
    expect(last[0]?.box.width).toBeLessThanOrEqual(posterWindow.side);
    for (const level of levels) {
      const ws = windows.filter((w) => w.level === level);
      const width = Math.round(3840 / 2 ** level);
      const height = Math.round(2160 / 2 ** level);
      for (const w of ws) expect(w.levelSize).toEqual({ width, height });
      // Neighbouring windows overlap by at least a quarter window, so a face up to a quarter
      // window lies whole in one of them; and every point of the level lies in some window.
      for (const starts of [ws.map((w) => w.box.x), ws.map((w) => w.box.y)]) {
        const sorted = [...new Set(starts)].sort((a, b) => a - b);
        for (let i = 1; i < sorted.length; i++)
          expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeLessThanOrEqual(posterWindow.stride);
      }
      for (let y = 0; y < height; y += 37)
        for (let x = 0; x < width; x += 37)
          expect(
            ws.some(
              (w) =>
                x >= w.box.x &&
                x < w.box.x + w.box.width &&
                y >= w.box.y &&
                y < w.box.y + w.box.height,
            ),
          ).toBe(true);
      for (const w of ws) {
        expect(w.box.x + w.box.width).toBeLessThanOrEqual(width);
        expect(w.box.y + w.box.height).toBeLessThanOrEqual(height);
      }
    }
  });
});

/** Poster sizes whose pyramid levels round differently on each side: portrait and landscape. */
function oddSizes(): { width: number; height: number }[] {
  const sizes = [{ width: 901, height: 1602 }];
  for (let width = 301; width <= 2160; width += 11)
    for (const ratio of [16 / 9, 9 / 16, 4 / 3, 3 / 4, Math.SQRT2, Math.SQRT1_2])
      sizes.push(posterSize(width, Math.round(width * ratio)));
  return sizes;
}

describe("the pyramid levels of odd poster sizes", () => {
  it("keeps every window inside its level, and maps it back inside the poster", () => {
    const sizes = oddSizes();
    expect(sizes.length).toBeGreaterThan(500);
    const outside: string[] = [];
    for (const { width, height } of sizes) {
      const windows = posterWindows(width, height);
      for (const w of windows) {
        const level = w.levelSize;
        // Every window of a level is cut from the same image, whose sides are scaled one by one.
        expect(level.width / width).toBeCloseTo(w.sx, 12);
        expect(level.height / height).toBeCloseTo(w.sy, 12);
        const inside =
          w.box.x >= 0 &&
          w.box.y >= 0 &&
          w.box.x + w.box.width <= level.width &&
          w.box.y + w.box.height <= level.height;
        const back = toPoster({ x: 0, y: 0, width: w.box.width, height: w.box.height }, w);
        const backInside =
          back.x >= 0 &&
          back.y >= 0 &&
          back.x + back.width <= width + 1e-9 &&
          back.y + back.height <= height + 1e-9;
        if (!inside || !backInside)
          outside.push(
            `${width}×${height} ${w.name}: ${JSON.stringify(w.box)} in ${level.width}×${level.height}`,
          );
        // Poster → window → poster is the identity on each axis.
        const round = toPoster(toWindow({ x: 10, y: 20, width: 30, height: 40 }, w), w);
        expect(round.x).toBeCloseTo(10, 9);
        expect(round.y).toBeCloseTo(20, 9);
        expect(round.width).toBeCloseTo(30, 9);
        expect(round.height).toBeCloseTo(40, 9);
      }
    }
    expect(outside).toEqual([]);
  });

  it("resizes each level to exactly the size its windows were cut for (901 × 1602)", async () => {
    const image = {
      data: Buffer.alloc(901 * 1602 * 3, 0x77),
      width: 901,
      height: 1602,
    };
    const windows = posterWindows(image.width, image.height);
    const levels = await posterLevels(image, windows);
    for (const w of windows) {
      const level = levels.get(w.level);
      expect({ width: level?.width, height: level?.height }).toEqual(w.levelSize);
      expect(level?.data.length).toBe(w.levelSize.width * w.levelSize.height * 3);
    }
  });

  it("runs a 901 × 1602 poster through the whole pipeline without a detector error", async () => {
    const nobody: FaceDetector = {
      engine: "wasm",
      versions: {} as FaceDetector["versions"],
      networks: {} as FaceDetector["networks"],
      detect: () => Promise.resolve([]),
    };
    const poster = await sharp({
      create: { width: 901, height: 1602, channels: 3, background: "#3a6ea5" },
    })
      .png()
      .toBuffer();
    const result = await redactPoster(poster, {}, { loadDetector: () => Promise.resolve(nobody) });
    expect(result.verification.error).toBeUndefined();
    expect(result.verdict).toBe("done");
    expect(result.rendition).toMatchObject({ width: 901, height: 1602 });
  });
});
