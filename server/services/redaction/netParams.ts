import type * as Tfjs from "@tensorflow/tfjs";
import { tf } from "./tfjs";

/** A detector's input: a size × size RGB square, the photo scaled into its top-left corner. */
export interface SquareInput {
  /** size × size × 3 floats, already normalised the way the network expects. */
  data: Float32Array;
  size: number;
  /** The scaled photo's width and height inside the square; the rest is zero padding. */
  width: number;
  height: number;
}

/** SSD-MobileNetV1's raw answer: 4 box encodings and 3 class logits per anchor. */
export interface SsdRaw {
  boxes: Float32Array;
  classes: Float32Array;
}

/**
 * The three networks on one engine: each takes its prepared square and answers faces
 * relative to the photo (`ssd`, `tiny`, `blaze`), or its raw output before decoding.
 */
export interface Networks {
  ssd(input: SquareInput, minScore: number): Promise<NetHit[]>;
  tiny(input: SquareInput, minScore: number): Promise<NetHit[]>;
  blaze(input: SquareInput, minScore: number): Promise<NetHit[]>;
  ssdRaw(input: SquareInput): Promise<SsdRaw>;
  tinyRaw(input: SquareInput): Promise<Float32Array>;
  blazeRaw(input: SquareInput): Promise<Float32Array>;
}

/** A face a network found, relative to the photo (0–1, may reach past its edges). */
export interface NetHit {
  score: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Reads a tensor out of face-api's parameter tree (e.g. "conv_1.depthwise_conv.filters"),
 * checking it is there with the expected rank, so a changed model layout fails loudly at
 * load time instead of producing silent garbage.
 */
export function paramTensor<R extends Tfjs.Rank>(
  tree: unknown,
  path: string,
  rank: number,
): Tfjs.Tensor<R> {
  let node: unknown = tree;
  for (const key of path.split(".")) {
    node =
      typeof node === "object" && node !== null
        ? (node as Record<string, unknown>)[key]
        : undefined;
  }
  if (!(node instanceof tf.Tensor) || node.rank !== rank) {
    throw new Error(`face-api model parameters: ${path} is missing or not a rank-${rank} tensor`);
  }
  return node as Tfjs.Tensor<R>;
}

/** True when face-api's parameter tree has a value at `path`. */
export function hasParam(tree: unknown, path: string): boolean {
  let node: unknown = tree;
  for (const key of path.split(".")) {
    node =
      typeof node === "object" && node !== null
        ? (node as Record<string, unknown>)[key]
        : undefined;
  }
  return node !== undefined && node !== null;
}

/** The logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
