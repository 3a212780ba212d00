/**
 * One converter per Keras layer class (TF.js layers models): config + inputs → ONNX nodes. Every
 * converter receives TF-semantics inputs (see layout.ts) and names its last node after the layer,
 * so `layers` of the converted model read like the Keras summary. Inference behaviour only:
 * dropout and noise layers are the identity, batch norm uses the moving statistics.
 */
import { attr } from '../../../onnx/graph.js';
import { activation, clip, softmax } from './activations.js';
import { emitBias, emitConv, emitPool, normaliseAxis, type Padding, type TfValue, type TfWriter } from './layout.js';
import type { DecodedWeight } from './weights.js';

export type LayerConfig = Readonly<Record<string, unknown>>;

export interface LayerContext {
  readonly writer: TfWriter;
  /** The layer's weight by its short name ('kernel', 'bias', 'gamma'…); throws when absent. */
  weight(short: string): DecodedWeight;
  optionalWeight(short: string): DecodedWeight | undefined;
  /** "layer 'name' (Class)", for error messages. */
  readonly where: string;
  /** The layer's name: the hint of its final node. */
  readonly name: string;
}

type LayerConverter = (ctx: LayerContext, config: LayerConfig, inputs: readonly TfValue[]) => TfValue;

function pair(v: unknown, where: string, what: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || a.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${where}: ${what} must be an integer or a pair of integers (got ${JSON.stringify(v)})`);
  return [a[0], a[1]];
}

function padding(config: LayerConfig, where: string): Padding {
  const p = String(config.padding ?? 'valid').toLowerCase();
  if (p !== 'same' && p !== 'valid') throw new Error(`${where}: padding '${config.padding}' is not supported (same, valid)`);
  return p;
}

function channelsLast(config: LayerConfig, where: string): void {
  const f = config.data_format ?? 'channels_last';
  if (f !== 'channels_last') throw new Error(`${where}: data_format '${String(f)}' is not supported; TF.js models are channels_last`);
}

function floats(w: DecodedWeight, where: string): Float32Array {
  if (!(w.data instanceof Float32Array)) throw new Error(`${where}: weight '${w.name}' must be float32 (got ${w.dtype})`);
  return w.data;
}

function single(inputs: readonly TfValue[], where: string): TfValue {
  if (inputs.length !== 1) throw new Error(`${where}: expects one input (got ${inputs.length})`);
  return inputs[0];
}

function rename(ctx: LayerContext, x: TfValue): TfValue {
  return { ...x, name: ctx.writer.op('Identity', [x.name], {}, ctx.name) };
}

function conv(depthwise: boolean): LayerConverter {
  return (ctx, config, inputs) => {
    channelsLast(config, ctx.where);
    const x = single(inputs, ctx.where);
    const kernel = ctx.weight(depthwise ? 'depthwise_kernel' : 'kernel');
    const useBias = config.use_bias !== false;
    const spec = {
      kernel: { shape: kernel.shape, data: floats(kernel, ctx.where) },
      bias: useBias ? floats(ctx.weight('bias'), ctx.where) : undefined,
      strides: pair(config.strides ?? 1, ctx.where, 'strides'),
      dilations: pair(config.dilation_rate ?? 1, ctx.where, 'dilation_rate'),
      padding: padding(config, ctx.where),
      depthwise,
    };
    const y = emitConv(ctx.writer, x, spec, `${ctx.name}_conv`);
    return finish(ctx, y, config.activation as string | undefined);
  };
}

/** Applies the layer's activation, making sure its last node carries the layer's name. */
function finish(ctx: LayerContext, y: TfValue, act: string | undefined): TfValue {
  if ((act ?? 'linear') === 'linear') return rename(ctx, y);
  return activation(ctx.writer, y, act, ctx.name, ctx.where);
}

const separableConv: LayerConverter = (ctx, config, inputs) => {
  channelsLast(config, ctx.where);
  const x = single(inputs, ctx.where);
  const depth = ctx.weight('depthwise_kernel');
  const point = ctx.weight('pointwise_kernel');
  const dilations = pair(config.dilation_rate ?? 1, ctx.where, 'dilation_rate');
  const d = emitConv(
    ctx.writer,
    x,
    { kernel: { shape: depth.shape, data: floats(depth, ctx.where) }, strides: pair(config.strides ?? 1, ctx.where, 'strides'), dilations, padding: padding(config, ctx.where), depthwise: true },
    `${ctx.name}_depthwise`,
  );
  const bias = config.use_bias !== false ? floats(ctx.weight('bias'), ctx.where) : undefined;
  const p = emitConv(ctx.writer, d, { kernel: { shape: point.shape, data: floats(point, ctx.where) }, bias, strides: [1, 1], dilations: [1, 1], padding: 'valid', depthwise: false }, `${ctx.name}_pointwise`);
  return finish(ctx, p, config.activation as string | undefined);
};

const dense: LayerConverter = (ctx, config, inputs) => {
  const x = ctx.writer.toTfOrder(single(inputs, ctx.where));
  const kernel = ctx.weight('kernel');
  const [din, units] = kernel.shape;
  if (x.shape[x.shape.length - 1] !== din) throw new Error(`${ctx.where}: kernel ${JSON.stringify(kernel.shape)} does not fit input shape ${JSON.stringify(x.shape)}`);
  const w = ctx.writer.floatConst(`${ctx.name}.weight`, [din, units], floats(kernel, ctx.where));
  const bias = config.use_bias !== false ? floats(ctx.weight('bias'), ctx.where) : undefined;
  const shape = [...x.shape.slice(0, -1), units];
  let y: TfValue;
  if (x.shape.length === 2) {
    // Gemm with W as [in, out] (transB = 0): one node, and the form the Model's parameter list knows.
    const inputsOf = [x.name, w, ...(bias ? [ctx.writer.floatConst(`${ctx.name}.bias`, [units], bias)] : [])];
    y = { name: ctx.writer.op('Gemm', inputsOf, {}, `${ctx.name}_dense`), shape, channelsFirst: false };
  } else {
    y = { name: ctx.writer.op('MatMul', [x.name, w], {}, `${ctx.name}_matmul`), shape, channelsFirst: false };
    if (bias) y = emitBias(ctx.writer, y, bias, `${ctx.name}_bias`);
  }
  return finish(ctx, y, config.activation as string | undefined);
};

const batchNorm: LayerConverter = (ctx, config, inputs) => {
  const raw = single(inputs, ctx.where);
  const x = raw.shape.length === 4 ? ctx.writer.toChannelsFirst(raw, ctx.where) : raw;
  const axes = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
  if (axes.length !== 1 || ctx.writer.storedAxis(x, axes[0] as number, ctx.where) !== 1) {
    throw new Error(`${ctx.where}: batch normalisation over axis ${JSON.stringify(config.axis)} is not supported; only the channel (last) axis`);
  }
  const channels = x.shape[x.shape.length - 1];
  const vec = (short: string, flag: unknown, fill: number) => {
    const w = flag === false ? undefined : ctx.optionalWeight(short);
    if (flag !== false && !w) ctx.weight(short);
    const data = w ? floats(w, ctx.where) : new Float32Array(channels).fill(fill);
    return ctx.writer.floatConst(`${ctx.name}.${short}`, [channels], data);
  };
  const inputsOf = [x.name, vec('gamma', config.scale, 1), vec('beta', config.center, 0), vec('moving_mean', true, 0), vec('moving_variance', true, 1)];
  const name = ctx.writer.op('BatchNormalization', inputsOf, { epsilon: attr.float(Number(config.epsilon ?? 1e-3)) }, ctx.name);
  return { ...x, name };
};

/** Keras ReLU: min(max_value, x) above threshold, negative_slope·(x − threshold) below. */
const reluLayer: LayerConverter = (ctx, config, inputs) => {
  const x = single(inputs, ctx.where);
  const max = config.max_value === null || config.max_value === undefined ? undefined : Number(config.max_value);
  const slope = Number(config.negative_slope ?? 0);
  if (Number(config.threshold ?? 0) !== 0) throw new Error(`${ctx.where}: ReLU with a non-zero threshold is not supported`);
  if (slope === 0) return { ...x, name: max === undefined ? ctx.writer.op('Relu', [x.name], {}, ctx.name) : clip(ctx.writer, x.name, 0, max, ctx.name) };
  const leaky = ctx.writer.op('LeakyRelu', [x.name], { alpha: attr.float(slope) }, max === undefined ? ctx.name : `${ctx.name}_leaky`);
  return { ...x, name: max === undefined ? leaky : clip(ctx.writer, leaky, undefined, max, ctx.name) };
};

const zeroPadding: LayerConverter = (ctx, config, inputs) => {
  channelsLast(config, ctx.where);
  const x = ctx.writer.toChannelsFirst(single(inputs, ctx.where), ctx.where);
  const p = config.padding ?? 1;
  // An int, [rows, cols] or [[top, bottom], [left, right]].
  const rows = pair(Array.isArray(p) ? p[0] : p, ctx.where, 'padding');
  const cols = pair(Array.isArray(p) ? p[1] : p, ctx.where, 'padding');
  const name = ctx.writer.op('Pad', [x.name, ctx.writer.int64Const([0, 0, rows[0], cols[0], 0, 0, rows[1], cols[1]])], { mode: attr.string('constant') }, ctx.name);
  const [n, h, w, c] = x.shape;
  return { name, shape: [n, h + rows[0] + rows[1], w + cols[0] + cols[1], c], channelsFirst: true };
};

function pool(kind: 'max' | 'avg'): LayerConverter {
  return (ctx, config, inputs) => {
    channelsLast(config, ctx.where);
    const size = pair(config.pool_size ?? 2, ctx.where, 'pool_size');
    const strides = config.strides === null || config.strides === undefined ? size : pair(config.strides, ctx.where, 'strides');
    return emitPool(ctx.writer, single(inputs, ctx.where), kind, size, strides, padding(config, ctx.where), ctx.name);
  };
}

function globalPool(kind: 'max' | 'avg'): LayerConverter {
  return (ctx, config, inputs) => {
    channelsLast(config, ctx.where);
    const x = ctx.writer.toChannelsFirst(single(inputs, ctx.where), ctx.where);
    const keep = config.keepdims === true;
    const [n, , , c] = x.shape;
    const pooled = ctx.writer.op(kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.name], {}, keep ? ctx.name : `${ctx.name}_pool`);
    if (keep) return { name: pooled, shape: [n, 1, 1, c], channelsFirst: true };
    return { name: ctx.writer.op('Flatten', [pooled], { axis: attr.int(1) }, ctx.name), shape: [n, c], channelsFirst: false };
  };
}

const flatten: LayerConverter = (ctx, _config, inputs) => {
  const x = ctx.writer.toTfOrder(single(inputs, ctx.where));
  const rest = x.shape.slice(1).reduce((a, b) => a * b, 1);
  return { name: ctx.writer.op('Flatten', [x.name], { axis: attr.int(1) }, ctx.name), shape: [x.shape[0], rest], channelsFirst: false };
};

const reshape: LayerConverter = (ctx, config, inputs) => {
  const x = ctx.writer.toTfOrder(single(inputs, ctx.where));
  const target = config.target_shape as number[];
  if (!Array.isArray(target)) throw new Error(`${ctx.where}: target_shape is missing`);
  const total = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1 && d !== null).reduce((a, b) => a * b, 1);
  const dims = target.map((d) => (d === -1 || d === null ? total / known : d));
  if (dims.reduce((a, b) => a * b, 1) !== total) throw new Error(`${ctx.where}: cannot reshape ${JSON.stringify(x.shape.slice(1))} to ${JSON.stringify(target)}`);
  // 0 copies the run-time batch size (allowzero = 0).
  const image = dims.length === 3;
  const name = ctx.writer.op('Reshape', [x.name, ctx.writer.int64Const([0, ...dims])], {}, image ? `${ctx.name}_nhwc` : ctx.name);
  const shape = [x.shape[0], ...dims];
  // An image result goes back to channels-first, the layout every later image op expects.
  if (image) return { name: ctx.writer.op('Transpose', [name], { perm: attr.ints([0, 3, 1, 2]) }, ctx.name), shape, channelsFirst: true };
  return { name, shape, channelsFirst: false };
};

/** Brings merge inputs to one layout: images channels-first, lower ranks broadcast like TF. */
function aligned(ctx: LayerContext, inputs: readonly TfValue[]): { values: string[]; like: TfValue } {
  if (inputs.length < 2) throw new Error(`${ctx.where}: a merge layer needs at least two inputs (got ${inputs.length})`);
  const images = inputs.some((v) => v.shape.length === 4);
  const like = images ? ctx.writer.toChannelsFirst(inputs.find((v) => v.shape.length === 4)!, ctx.where) : inputs[0];
  const values = inputs.map((v) => (v.shape.length === 4 ? ctx.writer.toChannelsFirst(v, ctx.where).name : ctx.writer.broadcastValue(v, like, `${ctx.name}_in`)));
  return { values, like };
}

function merge(op: 'Add' | 'Mul' | 'Sub' | 'Max' | 'Min' | 'Average'): LayerConverter {
  return (ctx, _config, inputs) => {
    const { values, like } = aligned(ctx, inputs);
    if (op === 'Sub' && values.length !== 2) throw new Error(`${ctx.where}: Subtract takes exactly two inputs`);
    const binary = op === 'Average' ? 'Add' : op;
    let acc = values[0];
    for (let i = 1; i < values.length; i++) acc = ctx.writer.op(binary, [acc, values[i]], {}, i === values.length - 1 && op !== 'Average' ? ctx.name : `${ctx.name}_${i}`);
    if (op === 'Average') acc = ctx.writer.op('Mul', [acc, ctx.writer.editor.constFloat([1 / values.length])], {}, ctx.name);
    return { ...like, name: acc };
  };
}

const concatenate: LayerConverter = (ctx, config, inputs) => {
  const { values, like } = aligned(ctx, inputs);
  const rank = like.shape.length;
  if (inputs.some((v) => v.shape.length !== rank)) throw new Error(`${ctx.where}: inputs of different ranks cannot be concatenated`);
  const tfAxis = normaliseAxis(Number(config.axis ?? -1), rank, ctx.where);
  const name = ctx.writer.op('Concat', values, { axis: attr.int(ctx.writer.storedAxis(like, tfAxis, ctx.where)) }, ctx.name);
  const shape = [...like.shape];
  shape[tfAxis] = inputs.reduce((a, v) => a + v.shape[tfAxis], 0);
  return { ...like, name, shape };
};

const rescaling: LayerConverter = (ctx, config, inputs) => {
  const x = single(inputs, ctx.where);
  const scale = Number(config.scale ?? 1);
  const offset = Number(config.offset ?? 0);
  const scaled = ctx.writer.op('Mul', [x.name, ctx.writer.editor.constFloat([scale])], {}, `${ctx.name}_scale`);
  return { ...x, name: ctx.writer.op('Add', [scaled, ctx.writer.editor.constFloat([offset])], {}, ctx.name) };
};

const identity: LayerConverter = (ctx, _config, inputs) => single(inputs, ctx.where);

export const layerConverters: Readonly<Record<string, LayerConverter>> = {
  Conv2D: conv(false),
  DepthwiseConv2D: conv(true),
  SeparableConv2D: separableConv,
  Dense: dense,
  BatchNormalization: batchNorm,
  Activation: (ctx, config, inputs) => finish(ctx, single(inputs, ctx.where), config.activation as string),
  ReLU: reluLayer,
  LeakyReLU: (ctx, config, inputs) => {
    const x = single(inputs, ctx.where);
    return { ...x, name: ctx.writer.op('LeakyRelu', [x.name], { alpha: attr.float(Number(config.alpha ?? config.negative_slope ?? 0.3)) }, ctx.name) };
  },
  ELU: (ctx, config, inputs) => {
    const x = single(inputs, ctx.where);
    return { ...x, name: ctx.writer.op('Elu', [x.name], { alpha: attr.float(Number(config.alpha ?? 1)) }, ctx.name) };
  },
  Softmax: (ctx, config, inputs) => softmax(ctx.writer, single(inputs, ctx.where), Number(config.axis ?? -1), ctx.name),
  ZeroPadding2D: zeroPadding,
  MaxPooling2D: pool('max'),
  AveragePooling2D: pool('avg'),
  GlobalAveragePooling2D: globalPool('avg'),
  GlobalMaxPooling2D: globalPool('max'),
  Flatten: flatten,
  Reshape: reshape,
  Add: merge('Add'),
  Multiply: merge('Mul'),
  Subtract: merge('Sub'),
  Average: merge('Average'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
  Rescaling: rescaling,
  Dropout: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ActivityRegularization: identity,
};
