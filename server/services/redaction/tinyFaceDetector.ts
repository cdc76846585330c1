import type * as Tfjs from "@tensorflow/tfjs";
import { hasParam, type NetHit, paramTensor, sigmoid, type SquareInput } from "./netParams";
import { OnnxGraph, samePads } from "./onnxModel";
import { tf } from "./tfjs";

/** face-api's TinyFaceDetector anchors (in grid cells), per-channel mean and NMS overlap. */
const anchors = [
  { x: 1.603231, y: 2.094468 },
  { x: 6.041143, y: 7.080126 },
  { x: 2.882459, y: 3.518061 },
  { x: 4.266906, y: 5.178857 },
  { x: 9.041765, y: 10.66308 },
] as const;
/** The per-channel mean face-api subtracts before dividing by 255. */
export const tinyMeanRgb = [117.001, 114.697, 97.404] as const;
const nmsIou = 0.4;
const leakyAlpha = 0.1;
/** Values per anchor in the output: x, y, w, h, objectness. */
const boxEncodingSize = 5;

interface SeparableLayer {
  depthwise: Tfjs.Tensor4D;
  pointwise: Tfjs.Tensor4D;
  bias: Tfjs.Tensor1D;
}

/**
 * face-api's TinyFaceDetector (a Tiny-YOLOv2 with depthwise-separable convolutions) with its
 * weights and maths, run with fused conv + bias + leaky-ReLU kernels and decoded in plain JS.
 * Input sizes are multiples of 32; the integration tests compare it with face-api's own.
 */
export class TinyFaceDetectorNet {
  private constructor(
    private readonly conv0: { filter: Tfjs.Tensor4D; bias: Tfjs.Tensor1D },
    private readonly separable: SeparableLayer[],
    private readonly head: { filter: Tfjs.Tensor4D; bias: Tfjs.Tensor1D },
  ) {}

  /** Builds the network from face-api's loaded `nets.tinyFaceDetector.params`. */
  static fromFaceApiParams(params: unknown): TinyFaceDetectorNet {
    const separable: SeparableLayer[] = [];
    for (const name of ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "conv7"]) {
      if (!hasParam(params, name)) continue;
      separable.push({
        depthwise: paramTensor<Tfjs.Rank.R4>(params, `${name}.depthwise_filter`, 4),
        pointwise: paramTensor<Tfjs.Rank.R4>(params, `${name}.pointwise_filter`, 4),
        bias: paramTensor<Tfjs.Rank.R1>(params, `${name}.bias`, 1),
      });
    }
    return new TinyFaceDetectorNet(
      {
        filter: paramTensor<Tfjs.Rank.R4>(params, "conv0.filters", 4),
        bias: paramTensor<Tfjs.Rank.R1>(params, "conv0.bias", 1),
      },
      separable,
      {
        filter: paramTensor<Tfjs.Rank.R4>(params, "conv8.filters", 4),
        bias: paramTensor<Tfjs.Rank.R1>(params, "conv8.bias", 1),
      },
    );
  }

  /** Faces scoring above `minScore`, best first (tfjs kernels). */
  async detect(input: SquareInput, minScore: number): Promise<NetHit[]> {
    return this.decode(await this.raw(input), input, minScore);
  }

  /** The raw grid for `decode`, computed with tfjs kernels. */
  async raw(input: SquareInput): Promise<Float32Array> {
    if (input.size % 32 !== 0) throw new Error("TinyFaceDetector input must be a multiple of 32");
    const output = tf.tidy(() => this.forward(input));
    try {
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  }

  /**
   * The network's raw answer (a cells × cells grid, 5 anchors × 5 values per cell, from
   * either engine) as faces: scored, decoded against the anchors, suppressed, rescaled to the
   * photo inside the square.
   */
  decode(data: Float32Array, input: SquareInput, minScore: number): NetHit[] {
    const cells = input.size / 32;
    if (data.length !== cells * cells * anchors.length * boxEncodingSize) {
      throw new Error("TinyFaceDetector output does not match its grid");
    }
    const correctionX = input.size / input.width;
    const correctionY = input.size / input.height;
    const found: NetHit[] = [];
    for (let row = 0; row < cells; row++) {
      for (let col = 0; col < cells; col++) {
        anchors.forEach((anchor, a) => {
          const base = ((row * cells + col) * anchors.length + a) * boxEncodingSize;
          const score = sigmoid(data[base + 4] ?? -Infinity);
          if (score <= minScore) return;
          const cx = ((col + sigmoid(data[base] ?? 0)) / cells) * correctionX;
          const cy = ((row + sigmoid(data[base + 1] ?? 0)) / cells) * correctionY;
          const width = ((Math.exp(data[base + 2] ?? 0) * anchor.x) / cells) * correctionX;
          const height = ((Math.exp(data[base + 3] ?? 0) * anchor.y) / cells) * correctionY;
          found.push({ score, x: cx - width / 2, y: cy - height / 2, width, height });
        });
      }
    }
    // face-api's greedy NMS: take the best, drop everything overlapping it more than 0.4.
    let remaining = found.sort((a, b) => b.score - a.score);
    const kept: NetHit[] = [];
    while (remaining.length > 0) {
      const [best, ...rest] = remaining;
      if (!best) break;
      kept.push(best);
      remaining = rest.filter((h) => hitIou(best, h) <= nmsIou);
    }
    return kept;
  }

  /**
   * The same network as an ONNX model for ONNX Runtime's native kernels: input `input`
   * [1, size, size, 3] exactly as `detect` takes it, output `grid` [1, size/32, size/32, 25]
   * for `decode`. The input size is fixed in the model.
   */
  toOnnx(inputSize: number): Uint8Array {
    if (inputSize % 32 !== 0) throw new Error("TinyFaceDetector input must be a multiple of 32");
    const g = new OnnxGraph("tiny_face_detector");
    let size = inputSize;
    const conv = (
      x: string,
      filter: Tfjs.Tensor4D,
      bias: Tfjs.Tensor1D | null,
      padding: "same" | "valid",
      activation: "leaky" | "linear",
      depthwise = false,
    ): string => {
      const kernel = filter.shape[0];
      const pad =
        padding === "same"
          ? samePads(size, kernel, 1)
          : { begin: 0, end: 0, out: size - kernel + 1 };
      size = pad.out;
      const out = g.conv(x, {
        filter: filter.dataSync() as Float32Array,
        dims: filter.shape,
        depthwise,
        bias: bias ? (bias.dataSync() as Float32Array) : null,
        stride: 1,
        pad,
      });
      return activation === "leaky"
        ? g.node("LeakyRelu", [out], { alpha: { float: leakyAlpha } })
        : out;
    };
    const pool = (x: string, stride: 1 | 2): string => {
      const p = samePads(size, 2, stride);
      size = p.out;
      return g.node("MaxPool", [x], {
        kernel_shape: { ints: [2, 2] },
        strides: { ints: [stride, stride] },
        pads: { ints: [p.begin, p.begin, p.end, p.end] },
      });
    };
    let out = g.imageInput("input", inputSize);
    out = pool(conv(out, this.conv0.filter, this.conv0.bias, "valid", "leaky"), 2);
    this.separable.forEach((layer, i) => {
      out = conv(out, layer.depthwise, null, "same", "linear", true);
      out = conv(out, layer.pointwise, layer.bias, "valid", "leaky");
      if (i < 4) out = pool(out, 2);
      else if (i === 4) out = pool(out, 1);
    });
    out = conv(out, this.head.filter, this.head.bias, "valid", "linear");
    g.output(g.toNhwc(out, "grid"));
    return g.toBytes();
  }

  private forward(input: SquareInput): Tfjs.Tensor4D {
    const size = input.size;
    let out = tf.fused.conv2d({
      x: tf.tensor4d(input.data, [1, size, size, 3]),
      filter: this.conv0.filter,
      bias: this.conv0.bias,
      strides: 1,
      pad: "valid",
      activation: "leakyrelu",
      leakyreluAlpha: leakyAlpha,
    });
    out = tf.maxPool(out, [2, 2], [2, 2], "same");
    this.separable.forEach((layer, i) => {
      // face-api pads by one and convolves "valid": the same as "same" for a 3×3, stride 1.
      out = tf.depthwiseConv2d(out, layer.depthwise, 1, "same");
      out = tf.fused.conv2d({
        x: out,
        filter: layer.pointwise,
        bias: layer.bias,
        strides: 1,
        pad: "valid",
        activation: "leakyrelu",
        leakyreluAlpha: leakyAlpha,
      });
      // conv1–conv4 halve the grid; conv5 keeps it (stride-1 pool); conv6/7 have no pool.
      if (i < 4) out = tf.maxPool(out, [2, 2], [2, 2], "same");
      else if (i === 4) out = tf.maxPool(out, [2, 2], [1, 1], "same");
    });
    return tf.fused.conv2d({
      x: out,
      filter: this.head.filter,
      bias: this.head.bias,
      strides: 1,
      pad: "valid",
    });
  }
}

function hitIou(a: NetHit, b: NetHit): number {
  const iw = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = iw * ih;
  return inter / (a.width * a.height + b.width * b.height - inter);
}
