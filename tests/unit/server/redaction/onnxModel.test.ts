import { describe, expect, it } from "vitest";
import {
  depthwiseToOihw,
  hwioToOihw,
  OnnxGraph,
  samePads,
} from "../../../../server/services/redaction/onnxModel";
import { onnxRuntimeExpected } from "../../../support/onnxPlatform";

/** Runs a model built here on ONNX Runtime's CPU kernels and returns the named output. */
async function run(
  model: Uint8Array,
  input: Float32Array,
  dims: number[],
  output: string,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  // Loaded here, not at the top: platforms without its binary still run the other tests.
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(model);
  try {
    const result = await session.run({ input: new ort.Tensor("float32", input, dims) });
    const out = result[output];
    if (!out) throw new Error(`no output ${output}`);
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

describe("samePads", () => {
  it.each([
    // size, kernel, stride → TensorFlow's "same": the odd pixel of padding goes at the end
    [512, 3, 2, { begin: 0, end: 1, out: 256 }],
    [256, 3, 1, { begin: 1, end: 1, out: 256 }],
    [207, 2, 2, { begin: 0, end: 1, out: 104 }],
    [13, 2, 1, { begin: 0, end: 1, out: 13 }],
    [16, 1, 2, { begin: 0, end: 0, out: 8 }],
  ])(
    "pads %i px for a %i-wide kernel at stride %i like TensorFlow",
    (size, kernel, stride, pads) => {
      expect(samePads(size, kernel, stride)).toEqual(pads);
    },
  );
});

describe("filter layouts", () => {
  it("moves a [kh, kw, in, out] filter to [out, in, kh, kw]", () => {
    // value = 1000*y + 100*x + 10*i + o, so every element says where it came from
    const dims = [2, 3, 2, 4];
    const data = new Float32Array(2 * 3 * 2 * 4);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        for (let i = 0; i < 2; i++)
          for (let o = 0; o < 4; o++)
            data[((y * 3 + x) * 2 + i) * 4 + o] = 1000 * y + 100 * x + 10 * i + o;
    const out = hwioToOihw(data, dims);
    expect(out.dims).toEqual([4, 2, 2, 3]);
    expect(out.data[((3 * 2 + 1) * 2 + 1) * 3 + 2]).toBe(1000 + 200 + 10 + 3);
  });

  it("moves a depthwise [kh, kw, c, 1] filter to grouped [c, 1, kh, kw] and refuses multipliers", () => {
    const data = Float32Array.from({ length: 3 * 3 * 5 }, (_, k) => k);
    const out = depthwiseToOihw(data, [3, 3, 5, 1]);
    expect(out.dims).toEqual([5, 1, 3, 3]);
    // channel 4, y 2, x 1 came from ((2*3+1)*5+4)
    expect(out.data[(4 * 3 + 2) * 3 + 1]).toBe((2 * 3 + 1) * 5 + 4);
    expect(() => depthwiseToOihw(new Float32Array(18), [3, 3, 1, 2])).toThrow(/multiplier 1/);
  });
});

describe("OnnxGraph", () => {
  it.runIf(onnxRuntimeExpected)(
    "writes a model ONNX Runtime loads and computes: NHWC in, conv + bias + clip, reshape",
    async () => {
      const g = new OnnxGraph("check");
      const input = g.input("input", [1, 2, 2, 3]);
      const nchw = g.node("Transpose", [input], { perm: { ints: [0, 3, 1, 2] } });
      // 1×1 conv, 3 → 2 channels: out0 = r + g + b + bias 1, out1 = −r (clipped at 0) + bias −2
      const conv = g.conv(nchw, {
        filter: Float32Array.of(1, -1, 1, 0, 1, 0),
        dims: [1, 1, 3, 2],
        depthwise: false,
        bias: Float32Array.of(1, -2),
        stride: 1,
        pad: { begin: 0, end: 0 },
      });
      const clipped = g.node("Clip", [
        conv,
        g.floats("lo", [], Float32Array.of(0)),
        g.floats("hi", [], Float32Array.of(6)),
      ]);
      const nhwc = g.node("Transpose", [clipped], { perm: { ints: [0, 2, 3, 1] } });
      g.output(g.node("Reshape", [nhwc, g.int64s("shape", [-1, 2])], {}, "out"));
      g.output(g.node("LeakyRelu", [conv], { alpha: { float: 0.25 } }, "leaky"));

      const pixels = Float32Array.of(1, 2, 3, -4, 0, 0, 0.5, 0.5, 0.5, 9, 9, 9);
      const out = await run(g.toBytes(), pixels, [1, 2, 2, 3], "out");
      expect(out.dims).toEqual([4, 2]);
      expect(Array.from(out.data)).toEqual([6, 0, 0, 2, 2.5, 0, 6, 0]);
      const leaky = await run(g.toBytes(), pixels, [1, 2, 2, 3], "leaky");
      // pixel 0 channel 1 (NCHW index 4): −1 − 2 = −3 → −0.75
      expect(leaky.data[4]).toBeCloseTo(-0.75, 6);
    },
  );

  it("refuses a name defined twice and an initializer whose size does not match its shape", () => {
    const g = new OnnxGraph("bad");
    g.input("x", [1]);
    expect(() => g.floats("x", [1], Float32Array.of(0))).toThrow(/defined twice/);
    expect(() => g.floats("y", [2, 2], Float32Array.of(0, 1, 2))).toThrow(/3 values for shape 2×2/);
  });
});
