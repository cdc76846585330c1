import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { blazeInputSize } from "../../../server/services/redaction/blazeFace";
import {
  blazeInput,
  loadFaceDetector,
  squarePixels,
  ssdInput,
  tinyInput,
  tinyInputSize,
} from "../../../server/services/redaction/faceDetector";
import { ssdInputSize } from "../../../server/services/redaction/ssdMobilenetV1";
import { faceapi } from "../../../server/services/redaction/tfjs";
import { demoPhoto, demoPhotoNumbers } from "../../fixtures/images";
import { testedEngines } from "../../support/onnxPlatform";

/**
 * Our fused SSD and Tiny networks must give face-api's answers on both engines (tfjs WASM
 * and the ONNX graphs on ONNX Runtime): same weights, same maths, fewer kernel calls. Both get the identical pre-sized square, at the low verification
 * threshold where most candidates survive, so any drift in decoding or suppression shows.
 */
describe("the fused detectors match face-api's own", { timeout: 180_000 }, () => {
  const cases = testedEngines.flatMap((engine) =>
    demoPhotoNumbers.map((n) => [engine, n] as const),
  );
  it.each(cases)(
    "on %s, finds the same faces with the same scores in sample %i",
    async (engine, n) => {
      const detector = await loadFaceDetector(engine);
      expect(detector.engine).toBe(engine);
      const { data, info } = await sharp(await demoPhoto(n))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const image = { data, width: info.width, height: info.height };

      for (const [size, ours, theirs] of [
        [
          ssdInputSize,
          (sq: Awaited<ReturnType<typeof squarePixels>>) =>
            detector.networks.ssd(ssdInput({ ...sq, width: sq.size, height: sq.size }), 0.1),
          (t: faceapi.tf.Tensor3D) =>
            faceapi.detectAllFaces(
              t,
              new faceapi.SsdMobilenetv1Options({ minConfidence: 0.1, maxResults: 100 }),
            ),
        ],
        [
          tinyInputSize,
          (sq: Awaited<ReturnType<typeof squarePixels>>) =>
            detector.networks.tiny(tinyInput({ ...sq, width: sq.size, height: sq.size }), 0.1),
          (t: faceapi.tf.Tensor3D) =>
            faceapi.detectAllFaces(
              t,
              new faceapi.TinyFaceDetectorOptions({
                inputSize: tinyInputSize,
                scoreThreshold: 0.1,
              }),
            ),
        ],
      ] as const) {
        const square = await squarePixels(image, size);
        const tensor = faceapi.tf.tensor3d(
          Int32Array.from(square.pixels),
          [size, size, 3],
          "int32",
        );
        let reference: faceapi.FaceDetection[];
        try {
          reference = await theirs(tensor);
        } finally {
          tensor.dispose();
        }
        const mine = await ours(square);
        expect(reference.length).toBeGreaterThan(0);
        expect(mine).toHaveLength(reference.length);
        mine.forEach((h, i) => {
          const d = reference[i];
          expect(d).toBeDefined();
          if (!d) return;
          const b = d.relativeBox;
          for (const [a, e] of [
            [h.score, d.score],
            [h.x, b.x],
            [h.y, b.y],
            [h.width, b.width],
            [h.height, b.height],
          ] as const) {
            expect(Math.abs(a - e)).toBeLessThan(1e-4);
          }
        });
      }
    },
  );
});

/**
 * BlazeFace runs as shipped on tfjs (the graph model of the human package, executed by tfjs's
 * own graph executor) and as an ONNX graph written from that model's nodes and weights: both
 * must find the same faces with the same scores and boxes.
 */
describe.runIf(testedEngines.includes("onnxruntime"))(
  "BlazeFace on ONNX Runtime matches the shipped graph on tfjs",
  { timeout: 180_000 },
  () => {
    it.each(demoPhotoNumbers)("finds the same faces in sample %i", async (n) => {
      const onnx = await loadFaceDetector("onnxruntime");
      const wasm = await loadFaceDetector("wasm");
      const { data, info } = await sharp(await demoPhoto(n))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const square = await squarePixels(
        { data, width: info.width, height: info.height },
        blazeInputSize,
      );
      const input = blazeInput(square);
      const mine = await onnx.networks.blaze(input, 0.1);
      const reference = await wasm.networks.blaze(input, 0.1);
      // Every demo photo has 3 to 5 faces; BlazeFace sees most of them above 0.5.
      expect(reference.filter((h) => h.score >= 0.5).length).toBeGreaterThanOrEqual(2);
      expect(mine).toHaveLength(reference.length);
      mine.forEach((h, i) => {
        const e = reference[i];
        if (!e) throw new Error(`hit ${i} has no reference`);
        expect(Math.abs(h.score - e.score)).toBeLessThan(1e-3);
        for (const k of ["x", "y", "width", "height"] as const)
          expect(Math.abs(h[k] - e[k])).toBeLessThan(1e-3);
      });
    });
  },
);
