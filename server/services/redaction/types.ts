/**
 * Types (and the engine choices) shared by the redaction code. Two coordinate spaces are used and never mixed:
 * `Box` is in pixels of one particular image (stated where it is used), `RelativeBox` is in
 * fractions (0–1) of the upright photo, so a stored region stays valid whatever size the
 * photo is shown or processed at.
 */

/** A rectangle in pixels; x, y is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A rectangle in fractions (0–1) of the upright photo's width and height. */
export interface RelativeBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An 8-bit sRGB image, 3 interleaved channels, rows top to bottom, no padding. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/** The face detectors of the ensemble, named as the record keeps them. */
export type DetectorName = "ssd_mobilenetv1" | "tiny_face_detector" | "blazeface";

/** Every detector of the ensemble, in the order they run. */
export const detectorNames = [
  "ssd_mobilenetv1",
  "tiny_face_detector",
  "blazeface",
] as const satisfies readonly DetectorName[];

/** One detector's answer for one face, in pixels of the image it looked at. */
export interface DetectorHit {
  detector: DetectorName;
  score: number;
  box: Box;
  /** Which pass over the photo found it (see detectionPasses.ts); absent: the image as given. */
  pass?: string;
}

/** How faces are covered. */
export type RedactionStyle = "mosaic" | "solid";

/** Exact versions of everything that decided where the faces are, for the entry's record. */
export interface DetectorVersions {
  faceApi: string;
  /** The version of the package that ships BlazeFace's weights (@vladmandic/human). */
  blazeFacePackage: string;
  tfjsCore: string;
  tfjsBackendWasm: string;
  /** onnxruntime-node's version when the networks ran on it, else null. */
  onnxRuntime: string | null;
  /** Where the networks ran: "onnxruntime-cpu", "tfjs-wasm", or "none" when they failed to load. */
  backend: string;
  /** sha256 of the ONNX graphs written from the weights, when they ran on ONNX Runtime. */
  onnxGraphs: Record<DetectorName, string> | null;
  /** Why ONNX Runtime was not used although `auto` would have preferred it, else null. */
  fallbackReason: string | null;
  /** sha256 of each model's weights file, so a silent model change shows in the record. */
  models: Record<DetectorName, string>;
}

/**
 * Where the networks run. `onnxruntime`: ONNX Runtime's native CPU kernels (the detectors
 * about four times faster than WASM on the reference machine); `wasm`: tfjs's WASM backend. Both run
 * the same weights with the same maths; the parity tests hold each to face-api's own
 * detections, and the start-up agreement check holds ONNX Runtime to tfjs.
 */
export type DetectorEngine = "onnxruntime" | "wasm";
/** `auto` takes ONNX Runtime where its binary loads on this platform, WASM elsewhere. */
export type DetectorEngineChoice = DetectorEngine | "auto";
/** The engine choice a string names, or undefined (config, CLI flags, worker data). */
export function parseDetectorEngine(value: unknown): DetectorEngineChoice | undefined {
  return detectorEngineChoices.find((c) => c === value);
}
export const detectorEngineChoices = [
  "auto",
  "onnxruntime",
  "wasm",
] as const satisfies readonly DetectorEngineChoice[];
