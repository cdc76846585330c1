/** Where onnxruntime-node ships a CPU binary inside its npm package. */
const onnxPlatforms = ["linux-x64", "linux-arm64", "win32-x64", "win32-arm64", "darwin-arm64"];

/** True where the detectors are expected to run on ONNX Runtime (elsewhere: tfjs WASM). */
export const onnxRuntimeExpected = onnxPlatforms.includes(`${process.platform}-${process.arch}`);

/** The detector engines this platform can run, for tests that check each of them. */
export const testedEngines: readonly ("onnxruntime" | "wasm")[] = onnxRuntimeExpected
  ? ["onnxruntime", "wasm"]
  : ["wasm"];
