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
  it("holds BlazeFace to its lenient score only when most of its box lies on a cover", async () => {
    // On the cover: BlazeFace at 0.6 answers the head's outline, not a face.
    const onCover = await verifyRendition(
      answering({
        detector: "blazeface",
        score: 0.6,
        box: { x: 220, y: 220, width: 150, height: 150 },
      }),
      await rendition(),
      [cover],
      photo,
    );
    expect(onCover.status).toBe("passed");
    // Mostly off it: a face the cover missed, judged by the off-cover rule.
    const mostlyOff = { x: 340, y: 220, width: 200, height: 150 };
    expect(coveredShareOf(mostlyOff, [cover])).toBeCloseTo(0.3, 1);
    const missed = await verifyRendition(
      answering({ detector: "blazeface", score: 0.6, box: mostlyOff }),
      await rendition(),
      [cover],
      photo,
    );
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
