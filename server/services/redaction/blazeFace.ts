import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Tfjs from "@tensorflow/tfjs";
import { type NetHit, sigmoid, type SquareInput } from "./netParams";
import { OnnxGraph, samePads } from "./onnxModel";
import { tf } from "./tfjs";

/**
 * BlazeFace (MediaPipe's full-range "back camera" face detector, Google; converted to a tfjs
 * graph model and shipped inside the `@vladmandic/human` npm package). It is the ensemble's
 * detector of another family: a different architecture (BlazeBlocks, anchor-based single
 * shot at two scales) and a different training set from face-api's SSD-MobileNetV1 and
 * TinyFaceDetector, so a face both of those miss is not missed for the same reason by this
 * one. Loaded from disk, never downloaded.
 */

/** BlazeFace looks at a 256 × 256 square. */
export const blazeInputSize = 256;
/** Values per anchor in the raw output: 1 logit, then 16 regressors (box + 6 key points). */
export const blazeValuesPerAnchor = 17;
/** Box overlap above which the lower-scoring box is suppressed. */
const nmsIou = 0.3;

const require = createRequire(import.meta.url);
/** Where the model files are: the `models` folder of the human package. */
export const blazeModelDir = join(
  // The package's `exports` hide package.json; its main file is in dist/, beside models/.
  dirname(dirname(require.resolve("@vladmandic/human"))),
  "models",
);
/** The weights file, whose sha256 the redaction record keeps. */
export const blazeWeightsFile = "blazeface.bin";

/** The graph's outputs by tensor name: 512 anchors at stride 16, 384 at stride 32. */
const outputs = {
  cls16: "Identity",
  cls32: "Identity_1",
  reg16: "Identity_2",
  reg32: "Identity_3",
} as const;

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; list?: { i?: string[]; s?: string[] } }>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
}

interface ModelJson {
  modelTopology: { node: GraphNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** The anchor centres in input pixels, in the order of the raw output (stride 16, then 32). */
function anchorCentres(): Float32Array {
  const out: number[] = [];
  for (const { stride, perCell } of [
    { stride: 16, perCell: 2 },
    { stride: 32, perCell: 6 },
  ]) {
    const cells = Math.ceil(blazeInputSize / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let n = 0; n < perCell; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}

/** BlazeFace on tfjs (the graph model as shipped), decodable and writable as ONNX. */
export class BlazeFaceNet {
  private readonly anchors = anchorCentres();

  private constructor(
    private readonly model: Tfjs.GraphModel,
    private readonly json: ModelJson,
    private readonly weights: Map<string, { spec: WeightSpec; data: Float32Array | Int32Array }>,
  ) {}

  /** Reads the model from the human package on disk and builds the tfjs graph model. */
  static async load(): Promise<BlazeFaceNet> {
    const json = JSON.parse(
      await readFile(join(blazeModelDir, "blazeface.json"), "utf8"),
    ) as ModelJson;
    const manifest = json.weightsManifest[0];
    if (!manifest || json.weightsManifest.length !== 1 || manifest.paths.length !== 1) {
      throw new Error("BlazeFace model: expected one weights file");
    }
    const bin = await readFile(join(blazeModelDir, blazeWeightsFile));
    const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const weights = new Map<string, { spec: WeightSpec; data: Float32Array | Int32Array }>();
    let offset = 0;
    for (const spec of manifest.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const data =
        spec.dtype === "int32"
          ? new Int32Array(buffer, offset, count)
          : new Float32Array(buffer, offset, count);
      weights.set(spec.name, { spec, data });
      offset += count * 4;
    }
    if (offset !== buffer.byteLength) throw new Error("BlazeFace model: weights size mismatch");
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: manifest.weights,
        weightData: buffer,
        format: "graph-model",
      }),
    );
    return new BlazeFaceNet(model, json, weights);
  }

  /** Faces scoring at least `minScore`, best first (tfjs kernels). */
  async detect(input: SquareInput, minScore: number): Promise<NetHit[]> {
    return this.decode(await this.raw(input), input, minScore);
  }

  /** The raw answer (896 anchors × 17 values) computed with tfjs. */
  async raw(input: SquareInput): Promise<Float32Array> {
    if (input.size !== blazeInputSize)
      throw new Error(`BlazeFace input must be ${blazeInputSize} px`);
    const x = tf.tensor4d(input.data, [1, blazeInputSize, blazeInputSize, 3]);
    try {
      const names = [outputs.cls16, outputs.cls32, outputs.reg16, outputs.reg32];
      const result = this.model.execute(x, names) as Tfjs.Tensor[];
      try {
        const [cls16, cls32, reg16, reg32] = await Promise.all(
          result.map(async (t) => (await t.data()) as Float32Array),
        );
        if (!cls16 || !cls32 || !reg16 || !reg32) throw new Error("BlazeFace outputs are missing");
        return interleave(cls16, reg16, cls32, reg32);
      } finally {
        for (const t of result) t.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  /**
   * Decodes a raw answer (from either engine): score = sigmoid(logit), box centre = anchor +
   * offset, size as regressed, all in input pixels; suppressed at IoU 0.3; returned relative
   * to the photo inside the square.
   */
  decode(raw: Float32Array, input: SquareInput, minScore: number): NetHit[] {
    const n = this.anchors.length / 2;
    if (raw.length !== n * blazeValuesPerAnchor)
      throw new Error("BlazeFace output has the wrong size");
    const candidates: { score: number; box: [number, number, number, number] }[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * blazeValuesPerAnchor;
      const score = sigmoid(raw[o] ?? -Infinity);
      if (!(score >= minScore)) continue;
      const cx = (this.anchors[i * 2] ?? 0) + (raw[o + 1] ?? 0);
      const cy = (this.anchors[i * 2 + 1] ?? 0) + (raw[o + 2] ?? 0);
      const w = raw[o + 3] ?? 0;
      const h = raw[o + 4] ?? 0;
      if (!(w > 0 && h > 0)) continue;
      candidates.push({ score, box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] });
    }
    candidates.sort((a, b) => b.score - a.score);
    const kept: typeof candidates = [];
    for (const c of candidates) {
      if (kept.every((k) => boxIou(k.box, c.box) <= nmsIou)) kept.push(c);
      if (kept.length >= 100) break;
    }
    return kept.map(({ score, box: [x0, y0, x1, y1] }) => ({
      score,
      x: x0 / input.width,
      y: y0 / input.height,
      width: (x1 - x0) / input.width,
      height: (y1 - y0) / input.height,
    }));
  }

  /**
   * The same graph written as ONNX (NCHW inside, one output `raw` of 896 × 17 in the order
   * `decode` reads), from the shipped graph's own nodes and weights: fused convolutions with
   * bias (and ReLU), depthwise convolutions, additions, ReLU, 2 × 2 max pooling, channel
   * padding and the output reshapes — every op this model uses, and a clear error for any
   * other.
   */
  toOnnx(): Uint8Array {
    const g = new OnnxGraph("blazeface");
    const values = new Map<string, { name: string; size: number }>();
    const weight = (name: string): { spec: WeightSpec; data: Float32Array | Int32Array } => {
      const w = this.weights.get(name);
      if (!w) throw new Error(`BlazeFace ONNX: weight ${name} is missing`);
      return w;
    };
    const value = (name: string): { name: string; size: number } => {
      const v = values.get(name.replace(/:0$/, ""));
      if (!v) throw new Error(`BlazeFace ONNX: value ${name} is not computed yet`);
      return v;
    };
    const text = (node: GraphNode, key: string): string =>
      Buffer.from(node.attr?.[key]?.s ?? "", "base64").toString("utf8");
    const stride = (node: GraphNode): number => Number(node.attr?.["strides"]?.list?.i?.[1] ?? 1);
    const pads = (node: GraphNode, size: number, kernel: number, s: number) =>
      text(node, "padding") === "SAME"
        ? samePads(size, kernel, s)
        : { begin: 0, end: 0, out: Math.floor((size - kernel) / s) + 1 };
    const finals: Record<string, string> = {};

    for (const node of this.json.modelTopology.node) {
      const inputs = node.input ?? [];
      const inputAt = (i: number): string => {
        const name = inputs[i];
        if (name === undefined) throw new Error(`BlazeFace ONNX: ${node.name} lacks input ${i}`);
        return name;
      };
      switch (node.op) {
        case "Const":
          break;
        case "Placeholder":
          values.set(node.name, {
            name: g.imageInput("input", blazeInputSize),
            size: blazeInputSize,
          });
          break;
        case "_FusedConv2D":
        case "DepthwiseConv2dNative": {
          const x = value(inputAt(0));
          const filter = weight(inputAt(1));
          const kernel = filter.spec.shape[0] ?? 1;
          const s = stride(node);
          const p = pads(node, x.size, kernel, s);
          const depthwise = node.op === "DepthwiseConv2dNative";
          const fused = (node.attr?.["fused_ops"]?.list?.s ?? []).map((v) =>
            Buffer.from(v, "base64").toString("utf8"),
          );
          if (!depthwise && fused[0] !== "BiasAdd")
            throw new Error(`BlazeFace ONNX: unsupported fusion ${fused.join("+")}`);
          let out = g.conv(x.name, {
            filter: Float32Array.from(filter.data),
            dims: filter.spec.shape,
            depthwise,
            bias: depthwise ? null : Float32Array.from(weight(inputAt(2)).data),
            stride: s,
            pad: { begin: p.begin, end: p.end },
          });
          if (fused[1] === "Relu") out = g.node("Relu", [out]);
          else if (fused.length > 1 && fused[1] !== undefined)
            throw new Error(`BlazeFace ONNX: unsupported fusion ${fused.join("+")}`);
          values.set(node.name, { name: out, size: p.out });
          break;
        }
        case "AddV2": {
          const a = value(inputAt(0));
          const b = value(inputAt(1));
          values.set(node.name, { name: g.node("Add", [a.name, b.name]), size: a.size });
          break;
        }
        case "Relu": {
          const a = value(inputAt(0));
          values.set(node.name, { name: g.node("Relu", [a.name]), size: a.size });
          break;
        }
        case "MaxPool": {
          const a = value(inputAt(0));
          const s = stride(node);
          const p = pads(node, a.size, 2, s);
          const out = g.node("MaxPool", [a.name], {
            kernel_shape: { ints: [2, 2] },
            strides: { ints: [s, s] },
            pads: { ints: [p.begin, p.begin, p.end, p.end] },
          });
          values.set(node.name, { name: out, size: p.out });
          break;
        }
        case "Pad": {
          const a = value(inputAt(0));
          const pd = Array.from(weight(inputAt(1)).data); // NHWC: [n0,n1,h0,h1,w0,w1,c0,c1]
          const [n0 = 0, n1 = 0, h0 = 0, h1 = 0, w0 = 0, w1 = 0, c0 = 0, c1 = 0] = pd;
          const padsName = g.int64s(g.fresh("pads"), [n0, c0, h0, w0, n1, c1, h1, w1]);
          values.set(node.name, {
            name: g.node("Pad", [a.name, padsName]),
            size: a.size + h0 + h1,
          });
          break;
        }
        case "Reshape": {
          const a = value(inputAt(0));
          const shape = Array.from(weight(inputAt(1)).data);
          const out = g.node("Reshape", [g.toNhwc(a.name), g.int64s(g.fresh("shape"), shape)]);
          values.set(node.name, { name: out, size: a.size });
          break;
        }
        case "Identity": {
          const a = value(inputAt(0));
          values.set(node.name, a);
          finals[node.name] = a.name;
          break;
        }
        default:
          throw new Error(`BlazeFace ONNX: unsupported op ${node.op}`);
      }
    }
    const out = (name: string): string => {
      const v = finals[name];
      if (!v) throw new Error(`BlazeFace ONNX: output ${name} is missing`);
      return v;
    };
    // [1, n, 1] logits beside [1, n, 16] regressors, per scale; then the two scales in a row.
    const scale16 = g.node("Concat", [out(outputs.cls16), out(outputs.reg16)], {
      axis: { int: 2 },
    });
    const scale32 = g.node("Concat", [out(outputs.cls32), out(outputs.reg32)], {
      axis: { int: 2 },
    });
    const both = g.node("Concat", [scale16, scale32], { axis: { int: 1 } });
    g.output(g.node("Reshape", [both, g.int64s(g.fresh("shape"), [-1])], {}, "raw"));
    return g.toBytes();
  }
}

/** The four tfjs outputs in `decode`'s order: per anchor its logit then its 16 regressors. */
function interleave(
  cls16: Float32Array,
  reg16: Float32Array,
  cls32: Float32Array,
  reg32: Float32Array,
): Float32Array {
  const out = new Float32Array((cls16.length + cls32.length) * blazeValuesPerAnchor);
  let o = 0;
  for (const [cls, reg] of [
    [cls16, reg16],
    [cls32, reg32],
  ] as const) {
    for (let i = 0; i < cls.length; i++) {
      out[o++] = cls[i] ?? 0;
      out.set(reg.subarray(i * 16, i * 16 + 16), o);
      o += 16;
    }
  }
  return out;
}

function boxIou(a: readonly number[], b: readonly number[]): number {
  const [ax0 = 0, ay0 = 0, ax1 = 0, ay1 = 0] = a;
  const [bx0 = 0, by0 = 0, bx1 = 0, by1 = 0] = b;
  const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0));
  const ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
  const inter = iw * ih;
  const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return union > 0 ? inter / union : 0;
}
