/**
 * TF is NHWC, trustscope (and ONNX Runtime's fast convolutions) NCHW. The converters keep every
 * rank-4 activation channels-first in the ONNX graph and remember, per value, whether the stored
 * tensor is TF's tensor with its last axis moved to position 1 (`channelsFirst`). Ops that do not
 * care about the order (elementwise, activations) pass the flag through; ops that index axes map
 * them; ops whose meaning depends on TF's memory order (Flatten, Reshape, Dense on images,
 * Transpose) first convert back with a Transpose, so flattening reproduces TF's NHWC order exactly.
 * The converted model therefore takes [N, C, H, W] input where the TF model took [N, H, W, C].
 */
import { attr, floatTensorValue, int64TensorValue, type TensorValue } from '../../../onnx/graph.js';
import type { GraphEditor } from '../../../onnx/editor.js';

/** A converted tensor: its ONNX value, TF's logical shape (batch −1) and its stored order. */
export interface TfValue {
  readonly name: string;
  readonly shape: readonly number[];
  readonly channelsFirst: boolean;
}

/** TF axis (NHWC) → stored axis (NCHW) for a channels-first rank-4 value. */
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

export type Padding = 'same' | 'valid' | { readonly explicit: readonly [number, number, number, number] };

export function normaliseAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${where}: axis ${axis} is out of range for a rank-${rank} tensor`);
  return a;
}

/** TF's 'same' padding: output ⌈in/stride⌉, the odd extra cell of padding at the end. */
export function samePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const span = dilation * (kernel - 1) + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Emits ONNX nodes for TF semantics on an editor; shared by the layers and graph converters. */
export class TfWriter {
  private readonly tfOrder = new Map<string, TfValue>();

  constructor(readonly editor: GraphEditor) {}

  op(opType: string, inputs: readonly string[], attributes: Parameters<GraphEditor['op']>[2], hint: string): string {
    return this.editor.op(opType, inputs, attributes, hint);
  }

  /** The value in TF's own axis order (a Transpose for channels-first images, shared between uses). */
  toTfOrder(v: TfValue): TfValue {
    if (!v.channelsFirst) return v;
    const cached = this.tfOrder.get(v.name);
    if (cached) return cached;
    const name = this.op('Transpose', [v.name], { perm: attr.ints([0, 2, 3, 1]) }, `${v.name}_nhwc`);
    const out = { name, shape: v.shape, channelsFirst: false };
    this.tfOrder.set(v.name, out);
    return out;
  }

  /** A rank-4 value stored channels-first (convolutions, pools and batch norm need it). */
  toChannelsFirst(v: TfValue, where: string): TfValue {
    if (v.shape.length !== 4) throw new Error(`${where}: needs a rank-4 image tensor [N, H, W, C] (got shape ${JSON.stringify(v.shape)})`);
    if (v.channelsFirst) return v;
    return { name: this.op('Transpose', [v.name], { perm: attr.ints([0, 3, 1, 2]) }, `${v.name}_nchw`), shape: v.shape, channelsFirst: true };
  }

  /** Where TF's axis lives in the stored tensor. */
  storedAxis(v: TfValue, tfAxis: number, where: string): number {
    const a = normaliseAxis(tfAxis, v.shape.length, where);
    return v.channelsFirst ? NHWC_TO_NCHW_AXIS[a] : a;
  }

  /**
   * A constant TF tensor made to broadcast against `like` as TF would: right-aligned to its rank,
   * then (for a channels-first image) its axes moved the same way.
   */
  broadcastConstant(value: TensorValue, like: TfValue, hint: string): string {
    if (!like.channelsFirst || value.dims.length === 0) return this.editor.initializer(hint, value);
    const dims = [...Array(4 - value.dims.length).fill(1), ...value.dims];
    if (dims.length !== 4) throw new Error(`${hint}: a rank-${value.dims.length} constant cannot broadcast against an image`);
    const [n, h, w, c] = dims;
    const src = value.data as Float32Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + x] = src[((i * h + y) * w + x) * c + k];
    return this.editor.initializer(hint, { ...value, dims: [n, c, h, w], data: value.dataType === 1 ? out : Int32Array.from(out) });
  }

  /** A run-time TF value made to broadcast against a channels-first image. */
  broadcastValue(v: TfValue, like: TfValue, where: string): string {
    if (!like.channelsFirst || v.channelsFirst || v.shape.length === 0) return v.name;
    let name = v.name;
    if (v.shape.length < 4) name = this.op('Unsqueeze', [name, this.editor.constInt64(Array.from({ length: 4 - v.shape.length }, (_, i) => i))], {}, `${where}_rank4`);
    return this.op('Transpose', [name], { perm: attr.ints([0, 3, 1, 2]) }, `${where}_nchw`);
  }

  floatConst(hint: string, dims: readonly number[], data: Float32Array): string {
    return this.editor.initializer(hint, floatTensorValue(dims, data));
  }

  int64Const(values: readonly number[]): string {
    return this.editor.constInt64(values);
  }

  int64Initializer(hint: string, values: readonly number[]): string {
    return this.editor.initializer(hint, int64TensorValue([values.length], values));
  }
}

/** Output size of a window op along one axis. */
export function windowOutput(size: number, kernel: number, stride: number, dilation: number, pads: readonly [number, number]): number {
  const span = dilation * (kernel - 1) + 1;
  return Math.floor((size + pads[0] + pads[1] - span) / stride) + 1;
}

/** ONNX pads [top, left, bottom, right] and output H, W for TF's padding of a 2-D window op. */
export function windowGeometry(
  shape: readonly number[],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: Padding,
  where: string,
): { pads: number[]; out: [number, number] } {
  const [, h, w] = shape;
  if (!(h > 0 && w > 0)) throw new Error(`${where}: needs a static height and width (got input shape ${JSON.stringify(shape)}); give the model a fixed input size`);
  let ph: [number, number];
  let pw: [number, number];
  if (padding === 'same') {
    ph = samePadding(h, kernel[0], strides[0], dilations[0]);
    pw = samePadding(w, kernel[1], strides[1], dilations[1]);
  } else if (padding === 'valid') {
    ph = [0, 0];
    pw = [0, 0];
  } else {
    const [t, b, l, r] = padding.explicit;
    ph = [t, b];
    pw = [l, r];
  }
  const out: [number, number] = [windowOutput(h, kernel[0], strides[0], dilations[0], ph), windowOutput(w, kernel[1], strides[1], dilations[1], pw)];
  if (out[0] < 1 || out[1] < 1) throw new Error(`${where}: a ${kernel.join('×')} window does not fit the ${h}×${w} input`);
  return { pads: [ph[0], pw[0], ph[1], pw[1]], out };
}

export interface ConvSpec {
  /** TF kernel: HWIO [kh, kw, in/groups, out], or for depthwise [kh, kw, C, multiplier]. */
  readonly kernel: { readonly shape: readonly number[]; readonly data: Float32Array };
  readonly bias?: Float32Array;
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padding: Padding;
  readonly depthwise: boolean;
}

/** TF Conv2D / DepthwiseConv2D as one ONNX Conv (weights HWIO → OIHW); returns a channels-first value. */
export function emitConv(writer: TfWriter, input: TfValue, spec: ConvSpec, hint: string): TfValue {
  const x = writer.toChannelsFirst(input, hint);
  const [kh, kw, kin, kout] = spec.kernel.shape;
  if (spec.kernel.shape.length !== 4) throw new Error(`${hint}: kernel must be rank 4 (got ${JSON.stringify(spec.kernel.shape)})`);
  const channels = x.shape[3];
  const outChannels = spec.depthwise ? kin * kout : kout;
  if (spec.depthwise ? kin !== channels : channels % kin !== 0) {
    throw new Error(`${hint}: kernel ${JSON.stringify(spec.kernel.shape)} does not fit ${channels} input channels`);
  }
  const groups = spec.depthwise ? channels : channels / kin;
  const perGroupIn = spec.depthwise ? 1 : kin;
  // OIHW: depthwise output channel c·m + j reads input channel c, as in TF.
  const w = new Float32Array(outChannels * perGroupIn * kh * kw);
  const src = spec.kernel.data;
  for (let y = 0; y < kh; y++)
    for (let z = 0; z < kw; z++)
      for (let i = 0; i < kin; i++)
        for (let o = 0; o < kout; o++) {
          const value = src[((y * kw + z) * kin + i) * kout + o];
          const [oc, ic] = spec.depthwise ? [i * kout + o, 0] : [o, i];
          w[((oc * perGroupIn + ic) * kh + y) * kw + z] = value;
        }
  const { pads, out } = windowGeometry(x.shape, [kh, kw], spec.strides, spec.dilations, spec.padding, hint);
  const inputs = [x.name, writer.floatConst(`${hint}.weight`, [outChannels, perGroupIn, kh, kw], w)];
  if (spec.bias) {
    if (spec.bias.length !== outChannels) throw new Error(`${hint}: bias has ${spec.bias.length} values for ${outChannels} output channels`);
    inputs.push(writer.floatConst(`${hint}.bias`, [outChannels], spec.bias));
  }
  const name = writer.op(
    'Conv',
    inputs,
    { kernel_shape: attr.ints([kh, kw]), strides: attr.ints([...spec.strides]), dilations: attr.ints([...spec.dilations]), pads: attr.ints(pads), group: attr.int(groups) },
    hint,
  );
  return { name, shape: [x.shape[0], out[0], out[1], outChannels], channelsFirst: true };
}

/** TF max/average pooling; TF's 'same' average excludes the padding from each window's count. */
export function emitPool(writer: TfWriter, input: TfValue, kind: 'max' | 'avg', kernel: readonly [number, number], strides: readonly [number, number], padding: Padding, hint: string): TfValue {
  const x = writer.toChannelsFirst(input, hint);
  const { pads, out } = windowGeometry(x.shape, kernel, strides, [1, 1], padding, hint);
  const attributes = { kernel_shape: attr.ints([...kernel]), strides: attr.ints([...strides]), pads: attr.ints(pads), ...(kind === 'avg' ? { count_include_pad: attr.int(0) } : {}) };
  const name = writer.op(kind === 'max' ? 'MaxPool' : 'AveragePool', [x.name], attributes, hint);
  return { name, shape: [x.shape[0], out[0], out[1], x.shape[3]], channelsFirst: true };
}

/** Adds a per-channel bias (TF's BiasAdd: along the last axis). */
export function emitBias(writer: TfWriter, x: TfValue, bias: Float32Array, hint: string): TfValue {
  const channels = x.shape[x.shape.length - 1];
  if (bias.length !== channels) throw new Error(`${hint}: bias has ${bias.length} values for ${channels} channels`);
  const b = writer.broadcastConstant(floatTensorValue([bias.length], bias), x, `${hint}.bias`);
  return { ...x, name: writer.op('Add', [x.name, b], {}, hint) };
}
