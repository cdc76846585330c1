import type * as Tfjs from "@tensorflow/tfjs";
import { type NetHit, paramTensor, sigmoid, type SquareInput, type SsdRaw } from "./netParams";
import { OnnxGraph, samePads } from "./onnxModel";
import { tf } from "./tfjs";

/** SSD-MobileNetV1 always looks at a 512 × 512 square (its anchors are fixed to that grid). */
export const ssdInputSize = 512;

/** face-api's batch-norm epsilon for this model. */
const batchNormEpsilon = 0.0010000000474974513;
/** Box overlap above which the lower-scoring box is suppressed (face-api's value). */
const nmsIou = 0.5;
/** Layers of the backbone whose depthwise convolution has stride 2. */
const strideTwoLayers = new Set([2, 4, 6, 12]);

interface FusedLayer {
  filter: Tfjs.Tensor4D;
  bias: Tfjs.Tensor1D;
  strides: 1 | 2;
}

interface BackbonePair {
  depthwise: FusedLayer;
  pointwise: FusedLayer;
}

interface BoxPredictor {
  box: FusedLayer;
  cls: FusedLayer;
}

/**
 * face-api's SSD-MobileNetV1 face detector with the same weights and the same maths, run
 * with fused kernels: each convolution, its batch norm (folded into the filter and bias once
 * at load) and its ReLU6 become one WASM call instead of three or four, and decoding and
 * non-maximum suppression run in plain JS on the candidates only. That takes about a quarter
 * off every pass on the WASM backend. The integration tests compare its detections with
 * face-api's own `detectAllFaces` on the same input.
 */
export class SsdMobilenetV1 {
  private constructor(
    private readonly conv0: FusedLayer,
    private readonly pairs: BackbonePair[],
    private readonly extra: FusedLayer[],
    private readonly predictors: BoxPredictor[],
    /** Anchor boxes, 4 floats each (ymin, xmin, ymax, xmax), relative to the square. */
    private readonly anchors: Float32Array,
  ) {}

  /** Builds the fused network from face-api's loaded `nets.ssdMobilenetv1.params`. */
  static async fromFaceApiParams(params: unknown): Promise<SsdMobilenetV1> {
    const pointwise = (path: string, strides: 1 | 2): FusedLayer => ({
      filter: paramTensor<Tfjs.Rank.R4>(params, `${path}.filters`, 4),
      bias: paramTensor<Tfjs.Rank.R1>(params, `${path}.batch_norm_offset`, 1),
      strides,
    });
    const depthwise = (path: string, strides: 1 | 2): FusedLayer =>
      tf.tidy(() => {
        const scale = paramTensor<Tfjs.Rank.R1>(params, `${path}.batch_norm_scale`, 1);
        const k = tf.div(
          scale,
          tf.sqrt(tf.add(paramTensor(params, `${path}.batch_norm_variance`, 1), batchNormEpsilon)),
        );
        const filter = tf.mul(
          paramTensor(params, `${path}.filters`, 4),
          tf.reshape(k, [1, 1, -1, 1]),
        );
        const bias = tf.sub(
          paramTensor(params, `${path}.batch_norm_offset`, 1),
          tf.mul(paramTensor(params, `${path}.batch_norm_mean`, 1), k),
        );
        return { filter: filter as Tfjs.Tensor4D, bias: bias as Tfjs.Tensor1D, strides };
      });
    const withBias = (path: string): FusedLayer => ({
      filter: paramTensor<Tfjs.Rank.R4>(params, `${path}.filters`, 4),
      bias: paramTensor<Tfjs.Rank.R1>(params, `${path}.bias`, 1),
      strides: 1,
    });

    const conv0 = pointwise("mobilenetv1.conv_0", 2);
    const pairs: BackbonePair[] = [];
    for (let layer = 1; layer <= 13; layer++) {
      pairs.push({
        depthwise: depthwise(
          `mobilenetv1.conv_${layer}.depthwise_conv`,
          strideTwoLayers.has(layer) ? 2 : 1,
        ),
        pointwise: pointwise(`mobilenetv1.conv_${layer}.pointwise_conv`, 1),
      });
    }
    const extra: FusedLayer[] = [];
    for (let layer = 0; layer <= 7; layer++) {
      extra.push(pointwise(`prediction_layer.conv_${layer}`, layer % 2 === 1 ? 2 : 1));
    }
    const predictors: BoxPredictor[] = [];
    for (let i = 0; i <= 5; i++) {
      predictors.push({
        box: withBias(`prediction_layer.box_predictor_${i}.box_encoding_predictor`),
        cls: withBias(`prediction_layer.box_predictor_${i}.class_predictor`),
      });
    }
    const anchorTensor = paramTensor<Tfjs.Rank.R3>(params, "output_layer.extra_dim", 3);
    const anchors = (await anchorTensor.data()) as Float32Array;
    return new SsdMobilenetV1(conv0, pairs, extra, predictors, anchors);
  }

  /** Faces scoring above `minScore`, at most `maxResults`, best first (tfjs kernels). */
  async detect(input: SquareInput, minScore: number, maxResults = 100): Promise<NetHit[]> {
    return this.decode(await this.raw(input), input, minScore, maxResults);
  }

  /** The raw answer for `decode`, computed with tfjs kernels. */
  async raw(input: SquareInput): Promise<SsdRaw> {
    if (input.size !== ssdInputSize) throw new Error(`SSD input must be ${ssdInputSize} px square`);
    const [encodings, classes] = tf.tidy(() => this.forward(input));
    try {
      const [boxes, scores] = await Promise.all([encodings.data(), classes.data()]);
      return { boxes: boxes as Float32Array, classes: scores as Float32Array };
    } finally {
      encodings.dispose();
      classes.dispose();
    }
  }

  /**
   * The network's raw answer (box encodings, 4 per anchor, and class logits, 3 per anchor,
   * from either engine) as faces: scored, decoded against the anchors, suppressed, clipped to
   * the square and rescaled to the photo inside it.
   */
  decode(raw: SsdRaw, input: SquareInput, minScore: number, maxResults = 100): NetHit[] {
    const { boxes: boxData, classes: classData } = raw;
    if (
      boxData.length !== this.anchors.length ||
      classData.length !== (this.anchors.length / 4) * 3
    ) {
      throw new Error("SSD output does not match its anchors");
    }
    const count = this.anchors.length / 4;
    const candidates: { index: number; score: number }[] = [];
    for (let i = 0; i < count; i++) {
      const score = sigmoid(classData[i * 3 + 1] ?? -Infinity);
      if (score > minScore) candidates.push({ index: i, score });
    }
    candidates.sort((a, b) => b.score - a.score);

    const decoded = (i: number): [number, number, number, number] => {
      const a = this.anchors;
      const ay0 = a[i * 4] ?? 0;
      const ax0 = a[i * 4 + 1] ?? 0;
      const ah = (a[i * 4 + 2] ?? 0) - ay0;
      const aw = (a[i * 4 + 3] ?? 0) - ax0;
      const cy = ((boxData[i * 4] ?? 0) / 10) * ah + ay0 + ah / 2;
      const cx = ((boxData[i * 4 + 1] ?? 0) / 10) * aw + ax0 + aw / 2;
      const hh = (Math.exp((boxData[i * 4 + 2] ?? 0) / 5) * ah) / 2;
      const hw = (Math.exp((boxData[i * 4 + 3] ?? 0) / 5) * aw) / 2;
      return [cy - hh, cx - hw, cy + hh, cx + hw];
    };

    const kept: { score: number; box: [number, number, number, number] }[] = [];
    for (const c of candidates) {
      if (kept.length >= maxResults) break;
      const box = decoded(c.index);
      if (kept.every((k) => cornerIou(k.box, box) <= nmsIou)) kept.push({ score: c.score, box });
    }
    // As face-api does: clip to the square, then rescale from the square to the photo.
    const padX = input.size / input.width;
    const padY = input.size / input.height;
    return kept.map(({ score, box }) => {
      const top = Math.max(0, box[0]) * padY;
      const bottom = Math.min(1, box[2]) * padY;
      const left = Math.max(0, box[1]) * padX;
      const right = Math.min(1, box[3]) * padX;
      return { score, x: left, y: top, width: right - left, height: bottom - top };
    });
  }

  /**
   * The same network as an ONNX model for ONNX Runtime's native kernels: input `input`
   * [1, 512, 512, 3] exactly as `detect` takes it (NHWC, scaled to −1…1), outputs `boxes`
   * [5118, 4] and `classes` [5118, 3] in the order `forward` gives them, for `decode`.
   */
  toOnnx(): Uint8Array {
    const g = new OnnxGraph("ssd_mobilenetv1");
    const zero = g.floats("clip_min", [], Float32Array.of(0));
    const six = g.floats("clip_max", [], Float32Array.of(6));
    let size = ssdInputSize;
    /** One fused layer at the current grid size, which it moves on to its output's. */
    const conv = (
      x: string,
      l: FusedLayer,
      activation: "relu6" | "linear",
      depthwise = false,
    ): string => {
      const pad = samePads(size, l.filter.shape[0], l.strides);
      size = pad.out;
      const out = g.conv(x, {
        filter: l.filter.dataSync() as Float32Array,
        dims: l.filter.shape,
        depthwise,
        bias: l.bias.dataSync() as Float32Array,
        stride: l.strides,
        pad,
      });
      return activation === "relu6" ? g.node("Clip", [out, zero, six]) : out;
    };

    let out = conv(g.imageInput("input", ssdInputSize), this.conv0, "relu6");
    let conv11 = { out, size };
    this.pairs.forEach((pair, i) => {
      out = conv(out, pair.depthwise, "relu6", true);
      out = conv(out, pair.pointwise, "relu6");
      if (i + 1 === 11) conv11 = { out, size };
    });
    const features = [conv11, { out, size }];
    this.extra.forEach((layer, i) => {
      out = conv(out, layer, "relu6");
      if (i % 2 === 1) features.push({ out, size });
    });
    const flat = (x: string, width: number): string =>
      g.node("Reshape", [g.toNhwc(x), g.int64s(g.fresh("shape"), [-1, width])]);
    const boxes: string[] = [];
    const classes: string[] = [];
    this.predictors.forEach((p, i) => {
      const f = features[i];
      if (!f) throw new Error(`SSD feature map ${i} is missing`);
      // Both predictors are stride 1 on the feature map's grid.
      size = f.size;
      boxes.push(flat(conv(f.out, p.box, "linear"), 4));
      size = f.size;
      classes.push(flat(conv(f.out, p.cls, "linear"), 3));
    });
    g.output(g.node("Concat", boxes, { axis: { int: 0 } }, "boxes"));
    g.output(g.node("Concat", classes, { axis: { int: 0 } }, "classes"));
    return g.toBytes();
  }

  private forward(input: SquareInput): [Tfjs.Tensor, Tfjs.Tensor] {
    const size = input.size;
    const conv = (x: Tfjs.Tensor4D, l: FusedLayer, activation: "relu6" | "linear"): Tfjs.Tensor4D =>
      tf.fused.conv2d({
        x,
        filter: l.filter,
        bias: l.bias,
        strides: l.strides,
        pad: "same",
        activation,
      });
    let out = conv(tf.tensor4d(input.data, [1, size, size, 3]), this.conv0, "relu6");
    let conv11 = out;
    this.pairs.forEach((pair, i) => {
      out = tf.fused.depthwiseConv2d({
        x: out,
        filter: pair.depthwise.filter,
        bias: pair.depthwise.bias,
        strides: pair.depthwise.strides,
        pad: "same",
        activation: "relu6",
      });
      out = conv(out, pair.pointwise, "relu6");
      if (i + 1 === 11) conv11 = out;
    });
    const features: Tfjs.Tensor4D[] = [conv11, out];
    let x = out;
    this.extra.forEach((layer, i) => {
      x = conv(x, layer, "relu6");
      if (i % 2 === 1) features.push(x);
    });
    const boxes: Tfjs.Tensor[] = [];
    const classes: Tfjs.Tensor[] = [];
    this.predictors.forEach((p, i) => {
      const f = features[i];
      if (!f) throw new Error(`SSD feature map ${i} is missing`);
      boxes.push(tf.reshape(conv(f, p.box, "linear"), [-1, 4]));
      classes.push(tf.reshape(conv(f, p.cls, "linear"), [-1, 3]));
    });
    return [tf.concat(boxes, 0), tf.concat(classes, 0)];
  }
}

/** IoU of two (ymin, xmin, ymax, xmax) boxes whose corners may come in either order. */
function cornerIou(a: readonly number[], b: readonly number[]): number {
  const [ay0, ax0, ay1, ax1] = normalise(a);
  const [by0, bx0, by1, bx1] = normalise(b);
  const areaA = (ay1 - ay0) * (ax1 - ax0);
  const areaB = (by1 - by0) * (bx1 - bx0);
  if (areaA <= 0 || areaB <= 0) return 0;
  const ih = Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0);
  const iw = Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0);
  const inter = ih * iw;
  return inter / (areaA + areaB - inter);
}

function normalise(box: readonly number[]): [number, number, number, number] {
  const [y0 = 0, x0 = 0, y1 = 0, x1 = 0] = box;
  return [Math.min(y0, y1), Math.min(x0, x1), Math.max(y0, y1), Math.max(x0, x1)];
}
