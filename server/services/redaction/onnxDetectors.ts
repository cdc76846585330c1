import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type * as Ort from "onnxruntime-node";
import type { NetHit, SquareInput } from "./netParams";
import { ssdInputSize, type SsdMobilenetV1 } from "./ssdMobilenetV1";
import type { TinyFaceDetectorNet } from "./tinyFaceDetector";

const require = createRequire(import.meta.url);

/** The two networks on ONNX Runtime's native CPU kernels, one session each. */
export interface OnnxDetectors {
  ssd(input: SquareInput, minScore: number): Promise<NetHit[]>;
  tiny(input: SquareInput, minScore: number): Promise<NetHit[]>;
  /** onnxruntime-node's version, for the record. */
  readonly version: string;
}

/**
 * Loads onnxruntime-node (its CPU binaries ship inside the npm package; nothing is
 * downloaded) and builds sessions for face-api's SSD-MobileNetV1 and TinyFaceDetector from
 * the weights tfjs already loaded, written out as ONNX graphs in memory. Throws when the
 * runtime has no binary for this platform; the caller then falls back to tfjs WASM.
 *
 * One intra-op thread per session: parallelism comes from the worker pool (one thread per
 * core), and a single-threaded session never spins on a core another worker needs.
 */
export async function createOnnxDetectors(
  ssdNet: SsdMobilenetV1,
  tinyNet: TinyFaceDetectorNet,
  tinySize: number,
): Promise<OnnxDetectors> {
  const ort = (await import("onnxruntime-node")) as typeof Ort;
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  const [ssdSession, tinySession] = await Promise.all([
    ort.InferenceSession.create(ssdNet.toOnnx(), options),
    ort.InferenceSession.create(tinyNet.toOnnx(tinySize), options),
  ]);
  const version = await onnxRuntimeVersion();

  const run = async (
    session: Ort.InferenceSession,
    input: SquareInput,
    outputs: readonly string[],
  ): Promise<Float32Array[]> => {
    const tensor = new ort.Tensor("float32", input.data, [1, input.size, input.size, 3]);
    const result = await session.run({ input: tensor });
    tensor.dispose();
    return outputs.map((name) => {
      const out = result[name];
      if (!out || out.type !== "float32") throw new Error(`ONNX output ${name} is missing`);
      return out.data as Float32Array;
    });
  };

  return {
    version,
    async ssd(input, minScore) {
      if (input.size !== ssdInputSize)
        throw new Error(`SSD input must be ${ssdInputSize} px square`);
      const [boxes, classes] = await run(ssdSession, input, ["boxes", "classes"]);
      if (!boxes || !classes) throw new Error("SSD outputs are missing");
      return ssdNet.decode({ boxes, classes }, input, minScore);
    },
    async tiny(input, minScore) {
      if (input.size !== tinySize) throw new Error(`TinyFaceDetector input must be ${tinySize} px`);
      const [grid] = await run(tinySession, input, ["grid"]);
      if (!grid) throw new Error("TinyFaceDetector output is missing");
      return tinyNet.decode(grid, input, minScore);
    },
  };
}

/** onnxruntime-node's package version, read from disk. */
export async function onnxRuntimeVersion(): Promise<string> {
  const json = JSON.parse(
    await readFile(require.resolve("onnxruntime-node/package.json"), "utf8"),
  ) as { version?: unknown };
  return typeof json.version === "string" ? json.version : "unknown";
}
