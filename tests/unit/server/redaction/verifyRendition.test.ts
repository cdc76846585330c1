import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { FaceDetector } from "../../../../server/services/redaction/faceDetector";
import type { Box, DetectorHit } from "../../../../server/services/redaction/types";
import {
  coveredShareOf,
  verifyRendition,
} from "../../../../server/services/redaction/verifyRendition";

/** A detector that answers `hit` on the rendition as it is, and nothing on other passes. */
function answering(hit: DetectorHit): FaceDetector {
  return {
    engine: "wasm",
    versions: {} as FaceDetector["versions"],
    networks: {} as FaceDetector["networks"],
    detect: (image) => Promise.resolve(image.width === 600 && image.height === 800 ? [hit] : []),
  };
}

const rendition = (): Promise<Buffer> =>
  sharp({ create: { width: 600, height: 800, channels: 3, background: "#777" } })
    .webp()
    .toBuffer();
const cover: Box = { x: 200, y: 200, width: 200, height: 240 };
const photo: Box = { x: 0, y: 0, width: 600, height: 800 };

describe("the verification gate's rule for hits on a cover", () => {
  /** The gate's answer to a BlazeFace hit at 0.6 (its floors: 0.5 off a cover, 0.75 on one). */
  const blazeFaceAt = async (box: Box) =>
    verifyRendition(
      answering({ detector: "blazeface", score: 0.6, box }),
      await rendition(),
      [cover],
      photo,
    );

  it("holds BlazeFace to its lenient score only when nearly all of its box lies on a cover", async () => {
    // Wholly on the cover, or all but a sliver: BlazeFace at 0.6 answers the head's outline.
    const wholly = { x: 220, y: 220, width: 150, height: 150 };
    const nearlyAll = { x: 214, y: 220, width: 200, height: 150 };
    expect(coveredShareOf(nearlyAll, [cover])).toBeCloseTo(0.93, 2);
    expect((await blazeFaceAt(wholly)).status).toBe("passed");
    expect((await blazeFaceAt(nearlyAll)).status).toBe("passed");
    // Most of it on the cover but a fifth off it: the eyes may stick out of a misplaced
    // cover, so the off-cover floor applies (a rule of "half on it" lets this through).
    const mostly = { x: 240, y: 220, width: 200, height: 150 };
    expect(coveredShareOf(mostly, [cover])).toBeCloseTo(0.8, 2);
    const partly = await blazeFaceAt(mostly);
    expect(partly.status).toBe("failed");
    expect(partly.hits.filter((h) => h.blocking)).toHaveLength(1);
    // Mostly off it: a face the cover missed.
    const mostlyOff = { x: 340, y: 220, width: 200, height: 150 };
    expect(coveredShareOf(mostlyOff, [cover])).toBeCloseTo(0.3, 2);
    const missed = await blazeFaceAt(mostlyOff);
    expect(missed.status).toBe("failed");
    expect(missed.hits.filter((h) => h.blocking)).toHaveLength(1);
  });

  it("blocks face-api's detectors from 0.3 on a cover too", async () => {
    const result = await verifyRendition(
      answering({
        detector: "tiny_face_detector",
        score: 0.31,
        box: { x: 220, y: 220, width: 150, height: 150 },
      }),
      await rendition(),
      [cover],
      photo,
    );
    expect(result.status).toBe("failed");
  });
});
