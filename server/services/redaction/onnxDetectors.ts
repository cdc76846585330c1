import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type * as Ort from "onnxruntime-node";
import { blazeInputSize, type BlazeFaceNet } from "./blazeFace";
import type { Networks, SquareInput } from "./netParams";
import { ssdInputSize, type SsdMobilenetV1 } from "./ssdMobilenetV1";
import type { TinyFaceDetectorNet } from "./tinyFaceDetector";
import type { DetectorName } from "./types";

const require = createRequire(import.meta.url);

/** The three networks on ONNX Runtime's native CPU kernels, one session each. */
export interface OnnxDetectors extends Networks {
  /** onnxruntime-node's version, for the record. */
  readonly version: string;
  /** sha256 of each ONNX graph written from the weights, for the record. */
  readonly graphs: Record<DetectorName, string>;
  /** Frees both sessions' native memory (after a failed check; the detectors are unusable). */
  release(): Promise<void>;
}

/**
 * Loads onnxruntime-node (its CPU binaries ship inside the npm package; nothing is
 * downloaded) and builds sessions for face-api's SSD-MobileNetV1 and TinyFaceDetector and
 * for BlazeFace from the weights tfjs already loaded, written out as ONNX graphs in memory. Throws when the
 * runtime has no binary for this platform or a session cannot be built.
 *
 * One intra-op thread per session: parallelism comes from the worker pool (one thread per
 * core), and a single-threaded session never spins on a core another worker needs.
 */
export async function createOnnxDetectors(
  ssdNet: SsdMobilenetV1,
  tinyNet: TinyFaceDetectorNet,
  tinySize: number,
  blazeNet: BlazeFaceNet,
): Promise<OnnxDetectors> {
  const ort = (await import("onnxruntime-node")) as typeof Ort;
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  const ssdGraph = ssdNet.toOnnx();
  const tinyGraph = tinyNet.toOnnx(tinySize);
  const blazeGraph = blazeNet.toOnnx();
  const created = await Promise.allSettled([
    ort.InferenceSession.create(ssdGraph, options),
    ort.InferenceSession.create(tinyGraph, options),
    ort.InferenceSession.create(blazeGraph, options),
  ]);
  const [ssdCreated, tinyCreated, blazeCreated] = created;
  if (
    ssdCreated?.status !== "fulfilled" ||
    tinyCreated?.status !== "fulfilled" ||
    blazeCreated?.status !== "fulfilled"
  ) {
    // Whatever did get built is released, so a load retried per photo cannot pile up sessions.
    await Promise.all(
      created.flatMap((c) => (c.status === "fulfilled" ? [c.value.release()] : [])),
    );
    const failed = created.find((c) => c.status === "rejected");
    throw failed?.reason instanceof Error ? failed.reason : new Error("an ONNX session failed");
  }
  const ssdSession = ssdCreated.value;
  const tinySession = tinyCreated.value;
  const blazeSession = blazeCreated.value;
  const sha256 = (bytes: Uint8Array): string =>
    `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

  const run = async (
    session: Ort.InferenceSession,
    input: SquareInput,
    outputs: readonly string[],
  ): Promise<Float32Array[]> => {
    const tensor = new ort.Tensor("float32", input.data, [1, input.size, input.size, 3]);
    try {
      const result = await session.run({ input: tensor });
      return outputs.map((name) => {
        const out = result[name];
        if (!out || out.type !== "float32") throw new Error(`ONNX output ${name} is missing`);
        return out.data as Float32Array;
      });
    } finally {
      tensor.dispose();
    }
  };
  const ssdRaw = async (input: SquareInput) => {
    if (input.size !== ssdInputSize) throw new Error(`SSD input must be ${ssdInputSize} px square`);
    const [boxes, classes] = await run(ssdSession, input, ["boxes", "classes"]);
    if (!boxes || !classes) throw new Error("SSD outputs are missing");
    return { boxes, classes };
  };
  const tinyRaw = async (input: SquareInput) => {
    if (input.size !== tinySize) throw new Error(`TinyFaceDetector input must be ${tinySize} px`);
    const [grid] = await run(tinySession, input, ["grid"]);
    if (!grid) throw new Error("TinyFaceDetector output is missing");
    return grid;
  };
  const blazeRaw = async (input: SquareInput) => {
    if (input.size !== blazeInputSize)
      throw new Error(`BlazeFace input must be ${blazeInputSize} px`);
    const [raw] = await run(blazeSession, input, ["raw"]);
    if (!raw) throw new Error("BlazeFace output is missing");
    return raw;
  };

  return {
    version: await onnxRuntimeVersion(),
    graphs: {
      ssd_mobilenetv1: sha256(ssdGraph),
      tiny_face_detector: sha256(tinyGraph),
      blazeface: sha256(blazeGraph),
    },
    ssdRaw,
    tinyRaw,
    blazeRaw,
    release: async () => {
      await Promise.all([ssdSession.release(), tinySession.release(), blazeSession.release()]);
    },
    ssd: async (input, minScore) => ssdNet.decode(await ssdRaw(input), input, minScore),
    tiny: async (input, minScore) => tinyNet.decode(await tinyRaw(input), input, minScore),
    blaze: async (input, minScore) => blazeNet.decode(await blazeRaw(input), input, minScore),
  };
}

/** onnxruntime-node's package version, read from disk. */
async function onnxRuntimeVersion(): Promise<string> {
  const json = JSON.parse(
    await readFile(require.resolve("onnxruntime-node/package.json"), "utf8"),
  ) as { version?: unknown };
  return typeof json.version === "string" ? json.version : "unknown";
}
