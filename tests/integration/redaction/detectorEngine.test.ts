import { afterAll, describe, expect, it } from "vitest";
import {
  loadFaceDetector,
  referenceOutputsInThread,
  tfjsReferenceOutputs,
} from "../../../server/services/redaction/faceDetector";
import { createOnnxDetectors } from "../../../server/services/redaction/onnxDetectors";
import { redactPhoto } from "../../../server/services/redaction/redactPhoto";
import {
  createRedactionPool,
  type RedactionPool,
} from "../../../server/services/redaction/redactionPool";
import { portraitPhoto } from "../../fixtures/images";
import { onnxRuntimeExpected } from "../../support/onnxPlatform";

const semver = /^\d+\.\d+\.\d+/;
const expected = onnxRuntimeExpected
  ? { engine: "onnxruntime", backend: "onnxruntime-cpu" }
  : { engine: "wasm", backend: "tfjs-wasm" };

/** ONNX Runtime as it really starts, but with one SSD box encoding off by 0.01. */
const skewedOnnx: typeof createOnnxDetectors = async (ssd, tiny, size, blaze) => {
  const real = await createOnnxDetectors(ssd, tiny, size, blaze);
  return {
    ...real,
    async ssdRaw(input) {
      const raw = await real.ssdRaw(input);
      const boxes = Float32Array.from(raw.boxes);
      boxes[1234] = (boxes[1234] ?? 0) + 0.01;
      return { ...raw, boxes };
    },
  };
};

/** ONNX Runtime as it really starts, but with one BlazeFace logit off by 0.01. */
const skewedBlaze: typeof createOnnxDetectors = async (ssd, tiny, size, blaze) => {
  const real = await createOnnxDetectors(ssd, tiny, size, blaze);
  return {
    ...real,
    async blazeRaw(input) {
      const raw = Float32Array.from(await real.blazeRaw(input));
      raw[17 * 100] = (raw[17 * 100] ?? 0) + 0.01;
      return raw;
    },
  };
};

describe("choosing where the detectors run", { timeout: 180_000 }, () => {
  const pools: RedactionPool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it("runs on ONNX Runtime by default where it has a binary, and the record says so", async () => {
    const detector = await loadFaceDetector();
    expect(detector.engine).toBe(expected.engine);
    expect(detector.versions.backend).toBe(expected.backend);
    expect(detector.versions.fallbackReason).toBeNull();
    if (expected.engine === "onnxruntime") {
      expect(detector.versions.onnxRuntime).toMatch(semver);
      expect(detector.versions.onnxGraphs?.ssd_mobilenetv1).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(detector.versions.onnxGraphs?.tiny_face_detector).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(detector.versions.onnxGraphs?.blazeface).toMatch(/^sha256:[0-9a-f]{64}$/);
    }

    const result = await redactPhoto(await portraitPhoto(2));
    expect(result.verdict).toBe("publishable");
    expect(result.detectorVersions.backend).toBe(expected.backend);
  });

  it("runs on tfjs WASM when asked, and the record says so", async () => {
    const detector = await loadFaceDetector("wasm");
    expect(detector.engine).toBe("wasm");
    expect(detector.versions).toMatchObject({ backend: "tfjs-wasm", onnxRuntime: null });
    expect(detector.versions.tfjsBackendWasm).toMatch(semver);
  });

  it("falls back to WASM under auto when ONNX Runtime cannot start, and records why", async () => {
    const startOnnx = () => Promise.reject(new Error("no onnxruntime binary for this platform"));
    const detector = await loadFaceDetector("auto", { startOnnx });
    expect(detector.engine).toBe("wasm");
    expect(detector.versions).toMatchObject({
      backend: "tfjs-wasm",
      onnxGraphs: null,
      fallbackReason: "no onnxruntime binary for this platform",
    });
    // Detection still works on the fallback.
    const hits = await detector.detect(
      { data: Buffer.alloc(64 * 64 * 3), width: 64, height: 64 },
      0.5,
    );
    expect(hits).toEqual([]);
  });

  it("fails instead of falling back when ONNX Runtime was asked for by name", async () => {
    const startOnnx = () => Promise.reject(new Error("no onnxruntime binary for this platform"));
    await expect(loadFaceDetector("onnxruntime", { startOnnx })).rejects.toThrow(
      /no onnxruntime binary/,
    );
  });

  it.runIf(onnxRuntimeExpected)(
    "does not trust an ONNX Runtime whose answers differ from tfjs's, even slightly",
    async () => {
      const detector = await loadFaceDetector("auto", { startOnnx: skewedOnnx });
      expect(detector.engine).toBe("wasm");
      expect(detector.versions.fallbackReason).toMatch(
        /ONNX Runtime disagrees with tfjs on SSD box encodings \(value 1234: /,
      );
      await expect(loadFaceDetector("onnxruntime", { startOnnx: skewedOnnx })).rejects.toThrow(
        /disagrees/,
      );
    },
  );

  it.runIf(onnxRuntimeExpected)(
    "checks BlazeFace's ONNX graph against tfjs's run of the shipped model too",
    async () => {
      const detector = await loadFaceDetector("auto", { startOnnx: skewedBlaze });
      expect(detector.engine).toBe("wasm");
      expect(detector.versions.fallbackReason).toMatch(
        /ONNX Runtime disagrees with tfjs on BlazeFace's output \(value 1700: /,
      );
    },
  );

  it("computes tfjs's reference for the check in a thread of its own, to the same numbers", async () => {
    const [inThread, here] = await Promise.all([
      referenceOutputsInThread(),
      tfjsReferenceOutputs(),
    ]);
    for (const k of ["ssdBoxes", "ssdClasses", "tinyGrid", "blazeRaw"] as const) {
      expect(inThread[k].length).toBeGreaterThan(1000);
      expect(inThread[k].length).toBe(here[k].length);
      expect(inThread[k].every((v, i) => Math.abs(v - (here[k][i] ?? Number.NaN)) <= 1e-6)).toBe(
        true,
      );
    }
    // A real answer, not zeros: the SSD scores a random square as background.
    expect(inThread.ssdClasses.some((v) => v !== 0)).toBe(true);
  });

  it("tells the pool's worker threads which engine to use", async () => {
    const input = await portraitPhoto(4);
    const wasm = createRedactionPool({ threads: 1, engine: "wasm" });
    const auto = createRedactionPool({ threads: 1 });
    pools.push(wasm, auto);
    const [onWasm, onAuto] = await Promise.all([wasm.redact(input), auto.redact(input)]);
    expect(onWasm.detectorVersions.backend).toBe("tfjs-wasm");
    expect(onAuto.detectorVersions.backend).toBe(expected.backend);
    // Same weights, same maths: the same verdict and the same covered areas.
    expect(onWasm.verdict).toBe("publishable");
    expect(onAuto.verdict).toBe("publishable");
    expect(onWasm.regions.length).toBe(onAuto.regions.length);
    onWasm.regions.forEach((r, i) => {
      const other = onAuto.regions[i];
      for (const k of ["x", "y", "width", "height"] as const) {
        expect(Math.abs(r[k] - (other?.[k] ?? Number.NaN))).toBeLessThan(0.01);
      }
    });
  });
});
