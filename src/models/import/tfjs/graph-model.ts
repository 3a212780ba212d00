/**
 * TF.js graph models (tfjs-converter GraphDef JSON, `format: 'graph-model'`) → ONNX graph. Const
 * nodes take their values from the weights manifest (by node name); weights stay constants, so
 * convolutions get OIHW initializers. Activations are kept channels-first as in layout.ts, so the
 * converted model takes [N, C, H, W] where the TF graph's Placeholder took [N, H, W, C].
 */
import { GraphEditor } from '../../../onnx/editor.js';
import { DataType, attr, floatTensorValue, type Graph, type TensorValue } from '../../../onnx/graph.js';
import { activation, softmax } from './activations.js';
import { attrBool, attrFloat, attrInts, attrShape, attrString, attrStrings, parseInput, spatialPair, type GraphNodeDef } from './graph-attrs.js';
import { emitBias, emitConv, emitPool, normaliseAxis, TfWriter, type Padding, type TfValue } from './layout.js';
import type { DecodedWeight } from './weights.js';

type Operand = { readonly kind: 'value'; readonly value: TfValue } | { readonly kind: 'const'; readonly weight: DecodedWeight };

const UNARY: Readonly<Record<string, string>> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh', Elu: 'elu', Selu: 'selu', Softplus: 'softplus' };
const BINARY: Readonly<Record<string, string>> = { Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Mul: 'Mul', Sub: 'Sub', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min' };
const PASS_THROUGH = new Set(['Identity', 'StopGradient', 'Snapshot']);

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function tensorValue(w: DecodedWeight): TensorValue {
  if (w.data instanceof Float32Array) return floatTensorValue(w.shape, w.data);
  if (w.data instanceof Int32Array) return { dataType: DataType.INT32, dims: [...w.shape], data: w.data };
  return { dataType: DataType.BOOL, dims: [...w.shape], data: w.data };
}

/** TF's broadcast of two shapes (−1 = the run-time batch). */
function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const pa = [...Array(rank - a.length).fill(1), ...a];
  const pb = [...Array(rank - b.length).fill(1), ...b];
  return pa.map((d, i) => (d === 1 ? pb[i] : pb[i] === 1 ? d : d === -1 || pb[i] === -1 ? -1 : d));
}

class GraphConverter {
  readonly editor: GraphEditor;
  readonly writer: TfWriter;
  readonly operands = new Map<string, Operand>();

  constructor(
    name: string,
    private readonly weights: ReadonlyMap<string, DecodedWeight>,
    private readonly source: string,
  ) {
    this.editor = new GraphEditor(name);
    this.writer = new TfWriter(this.editor);
  }

  where(node: GraphNodeDef): string {
    return `${this.source}: node '${node.name}' (${node.op})`;
  }

  operand(node: GraphNodeDef, i: number): Operand {
    const ref = (node.input ?? []).filter((s) => !s.startsWith('^'))[i];
    if (ref === undefined) throw new Error(`${this.where(node)}: input ${i} is missing`);
    const { node: from, index } = parseInput(ref);
    if (index !== 0) throw new Error(`${this.where(node)}: reads output ${index} of '${from}'; only first outputs are supported`);
    const o = this.operands.get(from);
    if (!o) throw new Error(`${this.where(node)}: input '${from}' is not defined`);
    return o;
  }

  /** A run-time value (a constant used as data becomes an initializer in TF's layout). */
  value(node: GraphNodeDef, i: number): TfValue {
    const o = this.operand(node, i);
    if (o.kind === 'value') return o.value;
    return { name: this.editor.initializer(o.weight.name, tensorValue(o.weight)), shape: o.weight.shape, channelsFirst: false };
  }

  constant(node: GraphNodeDef, i: number, what: string): DecodedWeight {
    const o = this.operand(node, i);
    if (o.kind !== 'const') throw new Error(`${this.where(node)}: the ${what} must be a constant`);
    return o.weight;
  }

  ints(node: GraphNodeDef, i: number, what: string): number[] {
    return Array.from(this.constant(node, i, what).data as ArrayLike<number>, Number);
  }

  floats(node: GraphNodeDef, i: number, what: string): Float32Array {
    const w = this.constant(node, i, what);
    if (!(w.data instanceof Float32Array)) throw new Error(`${this.where(node)}: the ${what} must be float32`);
    return w.data;
  }

  padding(node: GraphNodeDef): Padding {
    const p = attrString(node, 'padding', 'VALID');
    if (p === 'SAME') return 'same';
    if (p === 'VALID') return 'valid';
    if (p === 'EXPLICIT') {
      const e = attrInts(node, 'explicit_paddings') ?? [];
      if (e.length !== 8) throw new Error(`${this.where(node)}: explicit_paddings must hold 8 numbers (NHWC pairs)`);
      return { explicit: [e[2], e[3], e[4], e[5]] };
    }
    throw new Error(`${this.where(node)}: padding '${p}' is not supported (SAME, VALID, EXPLICIT)`);
  }

  nhwc(node: GraphNodeDef): void {
    const f = attrString(node, 'data_format', 'NHWC');
    if (f !== 'NHWC') throw new Error(`${this.where(node)}: data_format '${f}' is not supported; only NHWC`);
  }

  /** Fused tails of _FusedConv2D / _FusedMatMul: BiasAdd, FusedBatchNorm, then one activation. */
  fused(node: GraphNodeDef, y: TfValue, firstArg: number): TfValue {
    let arg = firstArg;
    for (const op of attrStrings(node, 'fused_ops')) {
      const hint = `${node.name}/${op}`;
      if (op === 'BiasAdd') y = emitBias(this.writer, y, this.floats(node, arg++, 'bias'), hint);
      else if (op === 'FusedBatchNorm') {
        const [scale, offset, mean, variance] = [0, 1, 2, 3].map((k) => this.floats(node, arg + k, 'batch norm parameter'));
        arg += 4;
        y = this.batchNorm(y, scale, offset, mean, variance, attrFloat(node, 'epsilon', 1e-3), hint);
      } else if (op === 'LeakyRelu') y = { ...y, name: this.writer.op('LeakyRelu', [y.name], { alpha: attr.float(attrFloat(node, 'leakyrelu_alpha', 0.2)) }, hint) };
      else if (op === 'Prelu') {
        const slope = this.writer.broadcastConstant(tensorValue(this.constant(node, arg++, 'PReLU slope')), y, `${hint}.slope`);
        y = { ...y, name: this.writer.op('PRelu', [y.name, slope], {}, hint) };
      } else if (UNARY[op]) y = activation(this.writer, y, UNARY[op], hint, this.where(node));
      else throw new Error(`${this.where(node)}: fused op '${op}' is not supported (BiasAdd, FusedBatchNorm, Relu, Relu6, Elu, Selu, LeakyRelu, Prelu, Sigmoid, Tanh)`);
    }
    return y;
  }

  batchNorm(x: TfValue, scale: Float32Array, offset: Float32Array, mean: Float32Array, variance: Float32Array, epsilon: number, hint: string): TfValue {
    const v = this.writer.toChannelsFirst(x, hint);
    const c = v.shape[3];
    const inputs = [v.name, ...[scale, offset, mean, variance].map((d, k) => this.writer.floatConst(`${hint}.${['scale', 'bias', 'mean', 'var'][k]}`, [c], d))];
    return { ...v, name: this.writer.op('BatchNormalization', inputs, { epsilon: attr.float(epsilon) }, hint) };
  }

  conv(node: GraphNodeDef, depthwise: boolean, fused: boolean): TfValue {
    this.nhwc(node);
    const where = this.where(node);
    const kernel = this.constant(node, 1, 'filter');
    if (!(kernel.data instanceof Float32Array)) throw new Error(`${where}: the filter must be float32`);
    const y = emitConv(
      this.writer,
      this.value(node, 0),
      { kernel: { shape: kernel.shape, data: kernel.data }, strides: spatialPair(node, 'strides', 1, where), dilations: spatialPair(node, 'dilations', 1, where), padding: this.padding(node), depthwise },
      fused ? `${node.name}/conv` : node.name,
    );
    return fused ? this.fused(node, y, 2) : y;
  }

  matmul(node: GraphNodeDef, fused: boolean): TfValue {
    const where = this.where(node);
    const a = this.writer.toTfOrder(this.value(node, 0));
    if (a.shape.length !== 2) throw new Error(`${where}: only rank-2 matrix products are supported (got ${JSON.stringify(a.shape)})`);
    const [ta, tb] = [attrBool(node, 'transpose_a', false), attrBool(node, 'transpose_b', false)];
    const b = this.operand(node, 1);
    let y: TfValue;
    if (b.kind === 'const') {
      const [r, c] = b.weight.shape;
      const data = this.floats(node, 1, 'weight');
      const w = tb ? Float32Array.from({ length: r * c }, (_, k) => data[(k % r) * c + Math.floor(k / r)]) : data;
      const dims = tb ? [c, r] : [r, c];
      const name = this.writer.op('Gemm', [a.name, this.writer.floatConst(`${node.name}.weight`, dims, w)], { transA: attr.int(ta ? 1 : 0) }, fused ? `${node.name}/matmul` : node.name);
      y = { name, shape: [ta ? a.shape[1] : a.shape[0], dims[1]], channelsFirst: false };
    } else {
      const bv = this.writer.toTfOrder(b.value);
      const t = (v: TfValue, flag: boolean) => (flag ? this.writer.op('Transpose', [v.name], { perm: attr.ints([1, 0]) }, `${node.name}/t`) : v.name);
      const name = this.writer.op('MatMul', [t(a, ta), t(bv, tb)], {}, fused ? `${node.name}/matmul` : node.name);
      y = { name, shape: [ta ? a.shape[1] : a.shape[0], tb ? bv.shape[0] : bv.shape[1]], channelsFirst: false };
    }
    return fused ? this.fused(node, y, 2) : y;
  }

  binary(node: GraphNodeDef, op: string): TfValue {
    const ops = [this.operand(node, 0), this.operand(node, 1)];
    const shapes = ops.map((o) => (o.kind === 'const' ? o.weight.shape : o.value.shape));
    const image = ops.map((o) => (o.kind === 'value' && o.value.channelsFirst ? o.value : undefined)).find((v) => v);
    const names = ops.map((o, i) => {
      if (o.kind === 'const') return image ? this.writer.broadcastConstant(tensorValue(o.weight), image, `${node.name}.c`) : this.value(node, i).name;
      if (!image) return o.value.name;
      return o.value.shape.length === 4 ? this.writer.toChannelsFirst(o.value, this.where(node)).name : this.writer.broadcastValue(o.value, image, `${node.name}/in${i}`);
    });
    const shape = broadcastShapes(shapes[0], shapes[1]);
    if (image && shape.length !== 4) throw new Error(`${this.where(node)}: broadcasting an image against a rank-${shape.length} tensor is not supported`);
    return { name: this.writer.op(op, names, {}, node.name), shape, channelsFirst: !!image };
  }

  mean(node: GraphNodeDef): TfValue {
    const x = this.value(node, 0);
    const rank = x.shape.length;
    const axes = [...new Set(this.ints(node, 1, 'reduction axes').map((a) => normaliseAxis(a, rank, this.where(node))))].sort();
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const keep = attrBool(node, 'keep_dims', false);
    const stored = axes.map((a) => this.writer.storedAxis(x, a, this.where(node)));
    const reduced: TfValue = { name: this.writer.op('ReduceMean', [x.name], { axes: attr.ints(stored), keepdims: attr.int(1) }, keep ? node.name : `${node.name}/keep`), shape: kept, channelsFirst: x.channelsFirst };
    if (keep) return reduced;
    const t = this.writer.toTfOrder(reduced);
    return { name: this.writer.op('Squeeze', [t.name, this.writer.int64Const(axes)], {}, node.name), shape: kept.filter((_, i) => !axes.includes(i)), channelsFirst: false };
  }

  reshape(node: GraphNodeDef): TfValue {
    const x = this.writer.toTfOrder(this.value(node, 0));
    const target = this.ints(node, 1, 'shape');
    const rest = product(x.shape.slice(1));
    const tail = target.slice(1);
    // The first dim must be the batch: −1/0, or a fixed size when the rest already holds one row.
    const batch = target[0] === -1 || target[0] === 0 || (tail.every((d) => d > 0) && product(tail) === rest);
    const free = tail.filter((d) => d === -1).length;
    if (!batch || free > 1 || (target[0] === -1 && free > 0)) throw new Error(`${this.where(node)}: reshape to ${JSON.stringify(target)} does not keep the batch axis; only per-example reshapes are supported`);
    const known = product(tail.filter((d) => d !== -1));
    const dims = tail.map((d) => (d === -1 ? rest / known : d));
    if (product(dims) !== rest) throw new Error(`${this.where(node)}: cannot reshape ${JSON.stringify(x.shape)} to ${JSON.stringify(target)}`);
    const image = dims.length === 3;
    const name = this.writer.op('Reshape', [x.name, this.writer.int64Const([0, ...dims])], {}, image ? `${node.name}/nhwc` : node.name);
    const y: TfValue = { name, shape: [x.shape[0], ...dims], channelsFirst: false };
    return image ? { ...y, name: this.writer.op('Transpose', [name], { perm: attr.ints([0, 3, 1, 2]) }, node.name), channelsFirst: true } : y;
  }

  squeeze(node: GraphNodeDef): TfValue {
    const x = this.writer.toTfOrder(this.value(node, 0));
    const given = attrInts(node, 'squeeze_dims') ?? attrInts(node, 'axis') ?? [];
    const axes = given.length > 0 ? given.map((a) => normaliseAxis(a, x.shape.length, this.where(node))) : x.shape.map((d, i) => (i > 0 && d === 1 ? i : -1)).filter((i) => i >= 0);
    if (axes.some((a) => x.shape[a] !== 1)) throw new Error(`${this.where(node)}: cannot squeeze axes ${JSON.stringify(given)} of shape ${JSON.stringify(x.shape)}`);
    return { name: this.writer.op('Squeeze', [x.name, this.writer.int64Const(axes)], {}, node.name), shape: x.shape.filter((_, i) => !axes.includes(i)), channelsFirst: false };
  }

  concat(node: GraphNodeDef): TfValue {
    const count = (node.input ?? []).filter((s) => !s.startsWith('^')).length - 1;
    const axisTf = this.ints(node, count, 'axis')[0];
    const parts = Array.from({ length: count }, (_, i) => this.value(node, i));
    const image = parts.some((p) => p.channelsFirst);
    const values = parts.map((p) => (image ? this.writer.toChannelsFirst(p, this.where(node)) : p));
    const rank = values[0].shape.length;
    const axis = normaliseAxis(axisTf, rank, this.where(node));
    const shape = [...values[0].shape];
    shape[axis] = values.reduce((a, v) => a + v.shape[axis], 0);
    const name = this.writer.op('Concat', values.map((v) => v.name), { axis: attr.int(this.writer.storedAxis(values[0], axis, this.where(node))) }, node.name);
    return { name, shape, channelsFirst: image };
  }

  pad(node: GraphNodeDef): TfValue {
    const x = this.value(node, 0);
    const p = this.ints(node, 1, 'paddings');
    const rank = x.shape.length;
    if (p.length !== 2 * rank) throw new Error(`${this.where(node)}: paddings must be [${rank}, 2]`);
    // Stored axis j holds TF axis order[j].
    const order = x.channelsFirst ? [0, 3, 1, 2] : x.shape.map((_, i) => i);
    const pads = [...order.map((a) => p[2 * a]), ...order.map((a) => p[2 * a + 1])];
    const inputs = [x.name, this.writer.int64Const(pads)];
    if (node.op === 'PadV2') inputs.push(this.writer.floatConst(`${node.name}.value`, [], this.floats(node, 2, 'constant value')));
    const name = this.writer.op('Pad', inputs, { mode: attr.string('constant') }, node.name);
    return { name, shape: x.shape.map((d, i) => (d < 0 ? d : d + p[2 * i] + p[2 * i + 1])), channelsFirst: x.channelsFirst };
  }

  transpose(node: GraphNodeDef): TfValue {
    const x = this.writer.toTfOrder(this.value(node, 0));
    const perm = this.ints(node, 1, 'permutation');
    return { name: this.writer.op('Transpose', [x.name], { perm: attr.ints(perm) }, node.name), shape: perm.map((p) => x.shape[p]), channelsFirst: false };
  }

  convert(node: GraphNodeDef): Operand | undefined {
    const where = this.where(node);
    const v = (value: TfValue): Operand => ({ kind: 'value', value });
    switch (node.op) {
      case 'Const': {
        const weight = this.weights.get(node.name);
        if (!weight) throw new Error(`${where}: its value is missing from the weights manifest`);
        return { kind: 'const', weight };
      }
      case 'Placeholder': {
        const shape = attrShape(node, 'shape');
        if (!shape || shape.slice(1).some((d) => d <= 0)) throw new Error(`${where}: input shape ${JSON.stringify(shape)} must be static except for the batch`);
        if (shape.length === 4) {
          const [, h, w, c] = shape;
          return v({ name: this.editor.input(node.name, ['N', c, h, w]), shape: [-1, h, w, c], channelsFirst: true });
        }
        if (shape.length === 2) return v({ name: this.editor.input(node.name, ['N', shape[1]]), shape: [-1, shape[1]], channelsFirst: false });
        throw new Error(`${where}: input shape ${JSON.stringify(shape)} is neither an image [N, H, W, C] nor a vector [N, F]`);
      }
      case 'NoOp':
        return undefined;
      case 'Conv2D':
        return v(this.conv(node, false, false));
      case 'DepthwiseConv2dNative':
        return v(this.conv(node, true, false));
      case '_FusedConv2D':
        return v(this.conv(node, false, true));
      case 'FusedDepthwiseConv2dNative':
        return v(this.conv(node, true, true));
      case 'MatMul':
        return v(this.matmul(node, false));
      case '_FusedMatMul':
        return v(this.matmul(node, true));
      case 'FusedBatchNorm':
      case 'FusedBatchNormV3': {
        this.nhwc(node);
        const [scale, offset, mean, variance] = [1, 2, 3, 4].map((k) => this.floats(node, k, 'batch norm parameter'));
        return v(this.batchNorm(this.value(node, 0), scale, offset, mean, variance, attrFloat(node, 'epsilon', 1e-3), node.name));
      }
      case 'AvgPool':
      case 'MaxPool':
        this.nhwc(node);
        return v(emitPool(this.writer, this.value(node, 0), node.op === 'MaxPool' ? 'max' : 'avg', spatialPair(node, 'ksize', 1, where), spatialPair(node, 'strides', 1, where), this.padding(node), node.name));
      case 'LeakyRelu': {
        const x = this.value(node, 0);
        return v({ ...x, name: this.writer.op('LeakyRelu', [x.name], { alpha: attr.float(attrFloat(node, 'alpha', 0.2)) }, node.name) });
      }
      case 'Softmax':
        return v(softmax(this.writer, this.value(node, 0), -1, node.name));
      case 'Mean':
        return v(this.mean(node));
      case 'Reshape':
        return v(this.reshape(node));
      case 'Squeeze':
        return v(this.squeeze(node));
      case 'ConcatV2':
        return v(this.concat(node));
      case 'Pad':
      case 'PadV2':
        return v(this.pad(node));
      case 'Transpose':
        return v(this.transpose(node));
      default:
        if (PASS_THROUGH.has(node.op)) return this.operand(node, 0);
        if (UNARY[node.op]) return v(activation(this.writer, this.value(node, 0), UNARY[node.op], node.name, where));
        if (BINARY[node.op]) {
          if (node.op === 'BiasAdd') this.nhwc(node);
          return v(this.binary(node, BINARY[node.op]));
        }
        throw new Error(`${where}: op '${node.op}' is not supported; supported: Placeholder, Const, Identity, Conv2D, _FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2dNative, MatMul, _FusedMatMul, BiasAdd, Add(V2), Mul, Sub, RealDiv, Maximum, Minimum, Relu, Relu6, LeakyRelu, Elu, Selu, Sigmoid, Tanh, Softplus, Softmax, AvgPool, MaxPool, Mean, Reshape, Squeeze, ConcatV2, Pad(V2), Transpose, FusedBatchNorm(V3)`);
    }
  }
}

/** The graph's output node: the signature's, else the one node whose output nothing reads. */
function outputNode(nodes: readonly GraphNodeDef[], json: { signature?: unknown; userDefinedMetadata?: Record<string, unknown> }, source: string): string {
  const signature = (json.signature ?? json.userDefinedMetadata?.signature) as { outputs?: Record<string, { name?: string }> } | undefined;
  const named = Object.values(signature?.outputs ?? {}).map((o) => parseInput(String(o.name ?? '')).node).filter((n) => n);
  if (named.length > 1) throw new Error(`${source}: the model has ${named.length} outputs; trustscope needs exactly one`);
  if (named.length === 1) return named[0];
  const read = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => parseInput(i.replace(/^\^/, '')).node)));
  const sinks = nodes.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp');
  if (sinks.length !== 1) throw new Error(`${source}: cannot tell the output: ${sinks.length} nodes are read by none (${sinks.map((n) => n.name).join(', ')}); add a signature`);
  return sinks[0].name;
}

/** Converts a graph-model model.json with its decoded weights. */
export function graphModelToGraph(json: { modelTopology: Record<string, unknown>; signature?: unknown; userDefinedMetadata?: Record<string, unknown> }, weights: ReadonlyMap<string, DecodedWeight>, source: string): Graph {
  const nodes = json.modelTopology.node as GraphNodeDef[];
  const c = new GraphConverter('tfjs-graph-model', weights, source);
  const pending = [...nodes];
  while (pending.length > 0) {
    const ready = pending.findIndex((n) => (n.input ?? []).every((i) => i.startsWith('^') || c.operands.has(parseInput(i).node)));
    if (ready < 0) throw new Error(`${source}: node '${pending[0].name}' reads an input no node produces`);
    const node = pending.splice(ready, 1)[0];
    const out = c.convert(node);
    if (out) c.operands.set(node.name, out);
  }
  const name = outputNode(nodes, json, source);
  const out = c.operands.get(name);
  if (!out || out.kind !== 'value') throw new Error(`${source}: output '${name}' is not a computed value`);
  const y = c.writer.toTfOrder(out.value);
  c.editor.output(y.name, ['N', ...y.shape.slice(1)]);
  return c.editor.build();
}
