import { endianness } from "node:os";

/**
 * Writes ONNX models (protobuf) for the face detectors, so ONNX Runtime's native CPU kernels
 * can run face-api's own weights. Only what the two networks need: float and int64
 * initializers, nodes with int/float/ints attributes, fixed-shape float inputs and outputs.
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
 */

/** ONNX opset the graphs are written against (Clip takes its bounds as inputs from 11 on). */
export const onnxOpset = 13;
/** IR version matching opset 13 (ONNX 1.8). */
const irVersion = 7;

const wireVarint = 0;
const wireFixed32 = 5;
const wireBytes = 2;

const tensorFloat = 1;
const tensorInt64 = 7;

const attributeFloat = 1;
const attributeInt = 2;
const attributeInts = 7;

/** Protobuf bytes built field by field. */
class Message {
  private readonly parts: Uint8Array[] = [];

  varint(field: number, value: number | bigint): this {
    this.parts.push(key(field, wireVarint), varint(value));
    return this;
  }

  float(field: number, value: number): this {
    const bytes = Buffer.alloc(4);
    bytes.writeFloatLE(value);
    this.parts.push(key(field, wireFixed32), bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.parts.push(key(field, wireBytes), varint(value.length), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, "utf8"));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.toBytes());
  }

  toBytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

function key(field: number, wire: number): Uint8Array {
  return varint(field * 8 + wire);
}

/** Base-128 varint; negative numbers as 64-bit two's complement, as protobuf's int64 does. */
function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** A node attribute: an integer, a float, or a list of integers. */
export type OnnxAttribute = { int: number } | { float: number } | { ints: readonly number[] };

/** Builds one ONNX graph: initializers, nodes in topological order, inputs and outputs. */
export class OnnxGraph {
  private readonly initializers: Message[] = [];
  private readonly nodes: Message[] = [];
  private readonly inputs: Message[] = [];
  private readonly outputs: Message[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly name: string) {
    // Tensors are written as the host's bytes; ONNX wants little-endian.
    if (endianness() !== "LE")
      throw new Error("ONNX models can only be written on a little-endian machine");
  }

  /** A fresh value name with the given prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** A constant float tensor (little-endian raw data). */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new Error(
        `ONNX initializer ${name}: ${data.length} values for shape ${dims.join("×")}`,
      );
    }
    return this.initializer(
      name,
      dims,
      tensorFloat,
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  /** A constant int64 tensor. */
  int64s(name: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.initializer(name, [values.length], tensorInt64, Buffer.from(data.buffer));
  }

  /** A float graph input of a fixed shape. */
  input(name: string, dims: readonly number[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /**
   * A graph input holding one size × size RGB image as tfjs takes it (NHWC); returns the same
   * image as NCHW, the layout ONNX's convolutions read.
   */
  imageInput(name: string, size: number): string {
    return this.node("Transpose", [this.input(name, [1, size, size, 3])], {
      perm: { ints: [0, 3, 1, 2] },
    });
  }

  /** An NCHW value back in tfjs's NHWC order (named `output` when given). */
  toNhwc(x: string, output?: string): string {
    return this.node("Transpose", [x], { perm: { ints: [0, 2, 3, 1] } }, output);
  }

  /** Marks a value as a graph output (its shape is left to the runtime). */
  output(name: string): void {
    this.outputs.push(valueInfo(name));
  }

  /**
   * A convolution from a tfjs filter ([kh, kw, in, out], or [kh, kw, channels, 1] when
   * `depthwise`): weights moved to ONNX's layout, bias optional, square stride and padding
   * (`pad.begin` top and left, `pad.end` bottom and right). Returns its output's name.
   */
  conv(
    x: string,
    layer: {
      filter: Float32Array;
      dims: readonly number[];
      depthwise: boolean;
      bias: Float32Array | null;
      stride: number;
      pad: { begin: number; end: number };
    },
  ): string {
    const w = layer.depthwise
      ? depthwiseToOihw(layer.filter, layer.dims)
      : hwioToOihw(layer.filter, layer.dims);
    const name = this.fresh("conv");
    const inputs = [x, this.floats(`${name}_w`, w.dims, w.data)];
    if (layer.bias) inputs.push(this.floats(`${name}_b`, [layer.bias.length], layer.bias));
    const { begin, end } = layer.pad;
    return this.node(
      "Conv",
      inputs,
      {
        kernel_shape: { ints: w.dims.slice(2) },
        strides: { ints: [layer.stride, layer.stride] },
        pads: { ints: [begin, begin, end, end] },
        group: { int: layer.depthwise ? (w.dims[0] ?? 1) : 1 },
      },
      name,
    );
  }

  /** Appends a node; returns its single output's name. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttribute> = {},
    output = this.fresh(opType.toLowerCase()),
  ): string {
    this.claim(output);
    const node = new Message();
    for (const input of inputs) node.string(1, input);
    node.string(2, output).string(3, output).string(4, opType);
    for (const [attrName, value] of Object.entries(attributes)) {
      const attr = new Message().string(1, attrName);
      if ("int" in value) attr.varint(3, value.int).varint(20, attributeInt);
      else if ("float" in value) attr.float(2, value.float).varint(20, attributeFloat);
      else {
        for (const v of value.ints) attr.varint(8, v);
        attr.varint(20, attributeInts);
      }
      node.message(5, attr);
    }
    this.nodes.push(node);
    return output;
  }

  /** The serialised ModelProto. */
  toBytes(): Uint8Array {
    const graph = new Message();
    for (const node of this.nodes) graph.message(1, node);
    graph.string(2, this.name);
    for (const init of this.initializers) graph.message(5, init);
    for (const input of this.inputs) graph.message(11, input);
    for (const output of this.outputs) graph.message(12, output);
    return new Message()
      .varint(1, irVersion)
      .string(2, "civic-signage")
      .message(7, graph)
      .message(8, new Message().string(1, "").varint(2, onnxOpset))
      .toBytes();
  }

  private initializer(
    name: string,
    dims: readonly number[],
    dataType: number,
    raw: Uint8Array,
  ): string {
    this.claim(name);
    const tensor = new Message();
    for (const d of dims) tensor.varint(1, d);
    tensor.varint(2, dataType).string(8, name).bytes(9, raw);
    this.initializers.push(tensor);
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX graph ${this.name}: ${name} is defined twice`);
    this.names.add(name);
  }
}

function valueInfo(name: string, dims?: readonly number[]): Message {
  const tensorType = new Message().varint(1, tensorFloat);
  if (dims) {
    const shape = new Message();
    for (const d of dims) shape.message(1, new Message().varint(1, d));
    tensorType.message(2, shape);
  }
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

/** A tfjs conv filter [kh, kw, in, out] as ONNX's [out, in, kh, kw]. */
export function hwioToOihw(
  data: Float32Array,
  dims: readonly number[],
): { data: Float32Array; dims: number[] } {
  const [kh = 0, kw = 0, cin = 0, cout = 0] = dims;
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o] ?? 0;
  return { data: out, dims: [cout, cin, kh, kw] };
}

/** A tfjs depthwise filter [kh, kw, channels, 1] as ONNX's grouped [channels, 1, kh, kw]. */
export function depthwiseToOihw(
  data: Float32Array,
  dims: readonly number[],
): { data: Float32Array; dims: number[] } {
  const [kh = 0, kw = 0, channels = 0, multiplier = 0] = dims;
  if (multiplier !== 1) throw new Error("only depthwise filters with multiplier 1 are supported");
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < channels; c++)
        out[(c * kh + y) * kw + x] = data[(y * kw + x) * channels + c] ?? 0;
  return { data: out, dims: [channels, 1, kh, kw] };
}

/** TensorFlow's "same" padding for one spatial axis: the odd pixel goes at the end. */
export function samePads(
  size: number,
  kernel: number,
  stride: number,
): { begin: number; end: number; out: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return { begin, end: total - begin, out };
}
