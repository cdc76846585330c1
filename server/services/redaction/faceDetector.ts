import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import sharp from "sharp";
import { workerFile } from "../../workerFile";
import { BlazeFaceNet, blazeInputSize, blazeModelDir, blazeWeightsFile } from "./blazeFace";
import type { NetHit, Networks, SquareInput } from "./netParams";
import { createOnnxDetectors, type OnnxDetectors } from "./onnxDetectors";
import { clampBox } from "./regions";
import { SsdMobilenetV1, ssdInputSize } from "./ssdMobilenetV1";
import { faceapi, tf } from "./tfjs";
import { TinyFaceDetectorNet, tinyMeanRgb } from "./tinyFaceDetector";
import type {
  DetectorEngine,
  DetectorEngineChoice,
  DetectorHit,
  DetectorName,
  DetectorVersions,
  RgbImage,
} from "./types";

/**
 * TinyFaceDetector's input size. 416 is face-api's default; on the demo photos it finds the
 * small faces SSD misses, and 512 costs twice as much for no extra face found.
 */
export const tinyInputSize = 416;

/** The three-detector ensemble, loaded once per thread and engine. */
export interface FaceDetector {
  /**
   * Every hit of the three detectors (or of those in `only`) scoring above `minScore`, in
   * pixels of `image`.
   */
  detect(
    image: RgbImage,
    minScore: number,
    only?: ReadonlySet<DetectorName>,
  ): Promise<DetectorHit[]>;
  readonly engine: DetectorEngine;
  readonly versions: DetectorVersions;
  /**
   * Each network on its own, on a prepared square (`ssdInput`, `tinyInput`, `blazeInput`),
   * as this engine runs it: exposed for the parity tests against face-api's own code.
   */
  readonly networks: Networks;
}

/** A photo scaled into the top-left of a size × size square, zero-padded, as bytes. */
export interface SquarePixels {
  pixels: Buffer;
  size: number;
  width: number;
  height: number;
}

const require = createRequire(import.meta.url);
const faceApiRoot = dirname(require.resolve("@vladmandic/face-api/package.json"));
const modelDir = join(faceApiRoot, "model");
const wasmDir = dirname(
  require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"),
);

type Nets = { ssd: SsdMobilenetV1; tiny: TinyFaceDetectorNet; blaze: BlazeFaceNet };
let wasmPathsSet = false;
let netsLoading: Promise<Nets> | undefined;
let onnxLoading: Promise<OnnxDetectors> | undefined;
const detectors = new Map<DetectorEngineChoice, Promise<FaceDetector>>();

/** For the tests: how ONNX Runtime starts. */
export interface LoadOptions {
  /** Replaces the ONNX Runtime start-up; a detector loaded with it is not shared. */
  startOnnx?: typeof createOnnxDetectors;
}

/**
 * The detector for this thread: the first call starts tfjs (WASM backend, binaries read from
 * node_modules on disk, never a CDN), loads face-api's two models from its package and
 * BlazeFace from the human package and, for
 * ONNX Runtime, builds its sessions from those weights and checks them against tfjs's
 * outputs computed in a short-lived thread (see `checkAgreement`); later calls share it.
 * With `auto`, a platform where ONNX Runtime does not load or does not agree gets WASM, and
 * `versions.fallbackReason` says why; with `onnxruntime` the load fails instead. A failed
 * load is not cached, so the next photo tries again (and fails closed meanwhile).
 */
export function loadFaceDetector(
  choice: DetectorEngineChoice = "auto",
  options: LoadOptions = {},
): Promise<FaceDetector> {
  if (options.startOnnx) return load(choice, options.startOnnx);
  let loading = detectors.get(choice);
  if (!loading) {
    loading = load(choice).catch((err: unknown) => {
      detectors.delete(choice);
      throw err;
    });
    detectors.set(choice, loading);
  }
  return loading;
}

/** The networks as tfjs runs them (the WASM engine, and the agreement check's reference). */
function tfjsNetworks(nets: Nets): Networks {
  return {
    ssd: (input, minScore) => nets.ssd.detect(input, minScore),
    tiny: (input, minScore) => nets.tiny.detect(input, minScore),
    blaze: (input, minScore) => nets.blaze.detect(input, minScore),
    ssdRaw: (input) => nets.ssd.raw(input),
    tinyRaw: (input) => nets.tiny.raw(input),
    blazeRaw: (input) => nets.blaze.raw(input),
  };
}

function loadNets(): Promise<Nets> {
  netsLoading ??= (async () => {
    if (!wasmPathsSet) {
      // Once per thread (tfjs refuses it after the backend started); a trailing separator
      // because tfjs appends the binary's file name to this prefix.
      tf.setWasmPaths(`${wasmDir}/`);
      wasmPathsSet = true;
    }
    if (tf.getBackend() !== "wasm") {
      if (!(await tf.setBackend("wasm"))) throw new Error("the tfjs WASM backend failed to start");
    }
    await tf.ready();
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
    await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
    return {
      ssd: await SsdMobilenetV1.fromFaceApiParams(faceapi.nets.ssdMobilenetv1.params),
      tiny: TinyFaceDetectorNet.fromFaceApiParams(faceapi.nets.tinyFaceDetector.params),
      blaze: await BlazeFaceNet.load(),
    };
  })().catch((err: unknown) => {
    netsLoading = undefined;
    throw err;
  });
  return netsLoading;
}

async function load(
  choice: DetectorEngineChoice,
  startOnnx?: typeof createOnnxDetectors,
): Promise<FaceDetector> {
  const nets = await loadNets();
  let engine: DetectorEngine = "wasm";
  let run = tfjsNetworks(nets);
  let onnx: OnnxDetectors | null = null;
  let fallbackReason: string | null = null;
  if (choice !== "wasm") {
    try {
      onnx = await (startOnnx ? startCheckedOnnx(nets, startOnnx) : sharedOnnx(nets));
      run = onnx;
      engine = "onnxruntime";
    } catch (err) {
      if (choice === "onnxruntime") throw err;
      fallbackReason = err instanceof Error ? err.message : String(err);
    }
  }
  const versions: DetectorVersions = {
    ...(await readDetectorVersions()),
    ...(onnx
      ? { backend: "onnxruntime-cpu", onnxRuntime: onnx.version, onnxGraphs: onnx.graphs }
      : { backend: "tfjs-wasm" }),
    fallbackReason,
  };

  return {
    engine,
    versions,
    networks: run,
    async detect(image, minScore, only) {
      const runs = (name: DetectorName): boolean => !only || only.has(name);
      const toPixels = (detector: DetectorHit["detector"], hits: NetHit[]): DetectorHit[] =>
        hits.flatMap((h) => {
          const box = clampBox(
            {
              x: h.x * image.width,
              y: h.y * image.height,
              width: h.width * image.width,
              height: h.height * image.height,
            },
            { x: 0, y: 0, width: image.width, height: image.height },
          );
          return box ? [{ detector, score: h.score, box }] : [];
        });
      const ssdHits = runs("ssd_mobilenetv1")
        ? await run.ssd(ssdInput(await squarePixels(image, ssdInputSize)), minScore)
        : [];
      const tinyHits = runs("tiny_face_detector")
        ? await run.tiny(tinyInput(await squarePixels(image, tinyInputSize)), minScore)
        : [];
      const blazeHits = runs("blazeface")
        ? await run.blaze(blazeInput(await squarePixels(image, blazeInputSize)), minScore)
        : [];
      return [
        ...toPixels("ssd_mobilenetv1", ssdHits),
        ...toPixels("tiny_face_detector", tinyHits),
        ...toPixels("blazeface", blazeHits),
      ];
    },
  };
}

/** ONNX Runtime for this thread, started and checked once, whichever choice asked first. */
function sharedOnnx(nets: Nets): Promise<OnnxDetectors> {
  onnxLoading ??= startCheckedOnnx(nets, createOnnxDetectors).catch((err: unknown) => {
    onnxLoading = undefined;
    throw err;
  });
  return onnxLoading;
}

/**
 * Starts ONNX Runtime and, meanwhile, tfjs's reference outputs in their own thread; then
 * checks one against the other. Sessions that fail the check are released; a reference no
 * longer needed (ONNX Runtime did not start) is stopped.
 */
async function startCheckedOnnx(
  nets: Nets,
  start: typeof createOnnxDetectors,
): Promise<OnnxDetectors> {
  const stop = new AbortController();
  const reference = referenceOutputsInThread(stop.signal);
  // Awaited below, or stopped; never left to reject unheard.
  reference.catch(() => undefined);
  let onnx: OnnxDetectors;
  try {
    onnx = await start(nets.ssd, nets.tiny, tinyInputSize, nets.blaze);
  } catch (err) {
    stop.abort();
    throw err;
  }
  try {
    const expected = await reference.catch((err: unknown) => {
      throw new Error(`agreement check: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    });
    await checkAgreement(expected, onnx);
  } catch (err) {
    // The reason ONNX Runtime is not used is the check's, not a failure to free its memory.
    await onnx.release().catch(() => undefined);
    throw err;
  }
  return onnx;
}

/** The networks' raw outputs for the agreement check's fixed input. */
export interface ReferenceOutputs {
  ssdBoxes: Float32Array;
  ssdClasses: Float32Array;
  tinyGrid: Float32Array;
  blazeRaw: Float32Array;
}

/** The agreement check's input: one fixed pseudo-random square per network. */
function agreementInputs(): { ssd: SquareInput; tiny: SquareInput; blaze: SquareInput } {
  let seed = 0x5eed;
  const pixels = Buffer.alloc(ssdInputSize * ssdInputSize * 3);
  for (let i = 0; i < pixels.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    pixels[i] = seed >>> 24;
  }
  const square = (size: number): SquarePixels => ({
    pixels: pixels.subarray(0, size * size * 3),
    size,
    width: size,
    height: size,
  });
  return {
    ssd: ssdInput(square(ssdInputSize)),
    tiny: tinyInput(square(tinyInputSize)),
    blaze: blazeInput(square(blazeInputSize)),
  };
}

/** Runs the agreement check's input through the networks as `networks` runs them. */
async function agreementOutputs(networks: Networks): Promise<ReferenceOutputs> {
  const input = agreementInputs();
  const ssd = await networks.ssdRaw(input.ssd);
  return {
    ssdBoxes: ssd.boxes,
    ssdClasses: ssd.classes,
    tinyGrid: await networks.tinyRaw(input.tiny),
    blazeRaw: await networks.blazeRaw(input.blaze),
  };
}

/** tfjs's outputs for the agreement check, computed in this thread. */
export async function tfjsReferenceOutputs(): Promise<ReferenceOutputs> {
  return agreementOutputs(tfjsNetworks(await loadNets()));
}

const referenceWorkerFile = workerFile("referenceWorker");

/**
 * tfjs's outputs for the agreement check, computed in a thread that ends once they are
 * back. SSD's forward pass grows tfjs's WASM memory by about 120 MiB, which a WASM module
 * never gives back (linear memory can only grow:
 * https://github.com/WebAssembly/design/issues/1397); in its own thread, it goes when the
 * thread does, so a worker running ONNX Runtime keeps only the weights.
 */
export function referenceOutputsInThread(signal?: AbortSignal): Promise<ReferenceOutputs> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(referenceWorkerFile);
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => settle(() => reject(new Error("the tfjs reference was stopped")));
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.once("message", (message: unknown) =>
      settle(() => {
        const out = message as Partial<ReferenceOutputs> | null;
        if (
          out?.ssdBoxes instanceof Float32Array &&
          out.ssdClasses instanceof Float32Array &&
          out.tinyGrid instanceof Float32Array &&
          out.blazeRaw instanceof Float32Array
        ) {
          resolve({
            ssdBoxes: out.ssdBoxes,
            ssdClasses: out.ssdClasses,
            tinyGrid: out.tinyGrid,
            blazeRaw: out.blazeRaw,
          });
        } else reject(new Error("the tfjs reference thread answered something else"));
      }),
    );
    worker.once("error", (err) => settle(() => reject(err)));
    worker.once("exit", (code) =>
      settle(() => reject(new Error(`the tfjs reference thread ended (code ${code})`))),
    );
  });
}

/** How far the engines' raw outputs may differ: float rounding, not a different answer. */
const agreementTolerance = 1e-3;

/**
 * Runs one fixed pseudo-random square through the networks on `candidate` (ONNX Runtime)
 * and throws unless every raw output agrees with tfjs's `expected` ones (within 1e-3,
 * relative above 1). Detection and verification run on the same engine, so an engine whose
 * kernels were wrong on some CPU would miss a face in both; this is checked once per thread,
 * before the first photo.
 */
async function checkAgreement(expected: ReferenceOutputs, candidate: Networks): Promise<void> {
  const compare = (what: string, want: Float32Array, got: Float32Array): void => {
    if (want.length !== got.length) {
      throw new Error(`ONNX Runtime's ${what} has ${got.length} values, tfjs's ${want.length}`);
    }
    for (let i = 0; i < want.length; i++) {
      const e = want[i] ?? 0;
      const a = got[i] ?? Number.NaN;
      if (!(Math.abs(a - e) <= agreementTolerance * Math.max(1, Math.abs(e)))) {
        throw new Error(`ONNX Runtime disagrees with tfjs on ${what} (value ${i}: ${a} vs ${e})`);
      }
    }
  };
  const actual = await agreementOutputs(candidate);
  compare("SSD box encodings", expected.ssdBoxes, actual.ssdBoxes);
  compare("SSD class scores", expected.ssdClasses, actual.ssdClasses);
  compare("TinyFaceDetector's grid", expected.tinyGrid, actual.tinyGrid);
  compare("BlazeFace's output", expected.blazeRaw, actual.blazeRaw);
}

/**
 * Scales the photo into a size × size square as face-api does (longest side = size, top-left,
 * zero padding), with sharp instead of a tfjs resize of the full-size tensor: sharp's
 * filtered downscale is both faster and a better detector input than bilinear sampling.
 */
export async function squarePixels(image: RgbImage, size: number): Promise<SquarePixels> {
  const scale = size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.min(size, Math.round(image.width * scale)));
  const height = Math.max(1, Math.min(size, Math.round(image.height * scale)));
  const pixels = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: "fill" })
    .extend({ right: size - width, bottom: size - height, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  if (pixels.length !== size * size * 3) throw new Error("detector input has the wrong size");
  return { pixels, size, width, height };
}

/** SSD-MobileNetV1's input: pixels scaled to −1…1. */
export function ssdInput(square: SquarePixels): SquareInput {
  const data = new Float32Array(square.pixels.length);
  for (let i = 0; i < data.length; i++) data[i] = (square.pixels[i] ?? 0) / 127.5 - 1;
  return { data, size: square.size, width: square.width, height: square.height };
}

/** BlazeFace's input: pixels scaled to −1…1, as MediaPipe feeds it. */
export function blazeInput(square: SquarePixels): SquareInput {
  return ssdInput(square);
}

/** TinyFaceDetector's input: the channel mean subtracted, then divided by 255. */
export function tinyInput(square: SquarePixels): SquareInput {
  const data = new Float32Array(square.pixels.length);
  const [r, g, b] = tinyMeanRgb;
  for (let i = 0; i < data.length; i += 3) {
    data[i] = ((square.pixels[i] ?? 0) - r) / 255;
    data[i + 1] = ((square.pixels[i + 1] ?? 0) - g) / 255;
    data[i + 2] = ((square.pixels[i + 2] ?? 0) - b) / 255;
  }
  return { data, size: square.size, width: square.width, height: square.height };
}

/** The engine fields of a record whose detectors did not load. */
const notLoaded = {
  backend: "none",
  onnxRuntime: null,
  onnxGraphs: null,
  fallbackReason: null,
} as const satisfies Partial<DetectorVersions>;

/** What the record says when the versions cannot be read. */
export const unknownDetectorVersions: DetectorVersions = {
  faceApi: "unknown",
  blazeFacePackage: "unknown",
  tfjsCore: "unknown",
  tfjsBackendWasm: "unknown",
  ...notLoaded,
  models: { ssd_mobilenetv1: "unknown", tiny_face_detector: "unknown", blazeface: "unknown" },
};

let versionsRead: Promise<DetectorVersions> | undefined;

/**
 * Versions of the detector code and sha256 of the weights, read from node_modules without
 * starting tfjs, so even a photo whose detectors failed to load records which weights were
 * meant to run (with `backend: "none"`; a loaded detector's `versions` name its engine).
 */
export function readDetectorVersions(): Promise<DetectorVersions> {
  versionsRead ??= readVersions().catch((err: unknown) => {
    versionsRead = undefined;
    throw err;
  });
  return versionsRead;
}

async function readVersions(): Promise<DetectorVersions> {
  const versionOf = async (pkg: string): Promise<string> => {
    const json = JSON.parse(await readFile(require.resolve(`${pkg}/package.json`), "utf8")) as {
      version?: unknown;
    };
    return typeof json.version === "string" ? json.version : "unknown";
  };
  const sha256Of = async (file: string): Promise<string> =>
    `sha256:${createHash("sha256")
      .update(await readFile(file))
      .digest("hex")}`;
  const [faceApi, blazeFacePackage, tfjsCore, tfjsBackendWasm, ssd, tiny, blaze] =
    await Promise.all([
      versionOf("@vladmandic/face-api"),
      readFile(join(blazeModelDir, "..", "package.json"), "utf8").then((text) => {
        const json = JSON.parse(text) as { version?: unknown };
        return typeof json.version === "string" ? json.version : "unknown";
      }),
      versionOf("@tensorflow/tfjs-core"),
      versionOf("@tensorflow/tfjs-backend-wasm"),
      sha256Of(join(modelDir, "ssd_mobilenetv1_model.bin")),
      sha256Of(join(modelDir, "tiny_face_detector_model.bin")),
      sha256Of(join(blazeModelDir, blazeWeightsFile)),
    ]);
  return {
    faceApi,
    blazeFacePackage,
    tfjsCore,
    tfjsBackendWasm,
    ...notLoaded,
    models: { ssd_mobilenetv1: ssd, tiny_face_detector: tiny, blazeface: blaze },
  };
}
