import sharp from "sharp";
import { loadFaceDetector } from "../../../server/services/redaction/faceDetector";
import { faceapi } from "../../../server/services/redaction/tfjs";
import type { RelativeBox } from "../../../server/services/redaction/types";

/**
 * Faces that face-api's own code finds in an image — its stock `detectAllFaces`, its own
 * resizing, not our fused re-implementation — so the tests judge the pipeline by an
 * independent referee. SSD-MobileNetV1 and TinyFaceDetector (416) at `minScore`, overlapping
 * boxes merged into their union. Boxes are relative to the upright image.
 */
export async function referenceFaces(bytes: Buffer, minScore: number): Promise<RelativeBox[]> {
  await loadFaceDetector(); // starts the WASM backend and loads the weights into faceapi.nets
  const { data, info } = await sharp(bytes)
    .autoOrient()
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const tensor = faceapi.tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], "int32");
  try {
    const ssd = await faceapi.detectAllFaces(
      tensor,
      new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: 100 }),
    );
    const tiny = await faceapi.detectAllFaces(
      tensor,
      new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: minScore }),
    );
    const box = ({ relativeBox: b }: faceapi.FaceDetection): RelativeBox => ({
      x: b.x,
      y: b.y,
      width: b.width,
      height: b.height,
    });
    return mergeSameFace(ssd.map(box), tiny.map(box));
  } finally {
    tensor.dispose();
  }
}

/** Share of a face box's area that the regions cover, sampled on a 25 × 25 grid. */
export function coveredFraction(face: RelativeBox, regions: readonly RelativeBox[]): number {
  const n = 25;
  let inside = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = face.x + ((i + 0.5) / n) * face.width;
      const y = face.y + ((j + 0.5) / n) * face.height;
      if (regions.some((r) => x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height)) {
        inside += 1;
      }
    }
  }
  return inside / (n * n);
}

/** SSD's faces, each widened by the Tiny box that overlaps it; Tiny-only faces added. */
function mergeSameFace(ssd: RelativeBox[], tiny: RelativeBox[]): RelativeBox[] {
  const out = [...ssd];
  const merged = new Set<number>();
  for (const box of tiny) {
    const i = out.findIndex(
      (o, k) =>
        k < ssd.length &&
        !merged.has(k) &&
        (overlapIou(o, box) >= 0.2 || overlapOfSmaller(o, box) >= 0.5),
    );
    const existing = out[i];
    if (existing) {
      merged.add(i);
      const x = Math.min(existing.x, box.x);
      const y = Math.min(existing.y, box.y);
      out[i] = {
        x,
        y,
        width: Math.max(existing.x + existing.width, box.x + box.width) - x,
        height: Math.max(existing.y + existing.height, box.y + box.height) - y,
      };
    } else {
      out.push(box);
    }
  }
  return out;
}

function intersection(a: RelativeBox, b: RelativeBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function overlapIou(a: RelativeBox, b: RelativeBox): number {
  const i = intersection(a, b);
  return i / (a.width * a.height + b.width * b.height - i);
}

function overlapOfSmaller(a: RelativeBox, b: RelativeBox): number {
  return intersection(a, b) / Math.min(a.width * a.height, b.width * b.height);
}
