/**
 * AveragePool backward: each output's gradient, divided by that window's divisor, is spread evenly
 * over its window. Spreading is a depthwise ConvTranspose with an all-ones kernel and the pool's own
 * strides, pads and dilations, so overlapping windows add up and borders are exact.
 * The divisor is the kernel size, or with count_include_pad = 0 the number of window cells inside
 * the input; with count_include_pad = 1, cells inside the padding count but cells past it (a
 * ceil_mode window hanging over the end) do not. It factors per axis, so it is built at graph-build
 * time from the static shapes.
 */
import { attr, floatTensorValue, intAttr, intsAttr } from '../graph.js';
import type { Shape } from '../shapes.js';
import type { VjpContext, VjpRule } from './context.js';
import { convGeometry, type ConvGeometry } from './conv.js';

/** Window cells of output position o along axis i that fall in [lo, hi). */
function cellsInside(geo: ConvGeometry, i: number, o: number, lo: number, hi: number): number {
  let n = 0;
  for (let j = 0; j < geo.kernel[i]; j++) {
    const p = o * geo.strides[i] - geo.pads[i] + j * geo.dilations[i];
    if (p >= lo && p < hi) n++;
  }
  return n;
}

/** 1/divisor per output position as a [1, 1, …out] constant, or a scalar when every window is full. */
function inverseDivisor(ctx: VjpContext, geo: ConvGeometry, xs: Shape, outSpatial: number[], includePad: boolean): string {
  const r = geo.kernel.length;
  const perAxis = outSpatial.map((out, i) => {
    const [lo, hi] = includePad ? [-geo.pads[i], xs[2 + i] + geo.pads[i + r]] : [0, xs[2 + i]];
    return Array.from({ length: out }, (_, o) => cellsInside(geo, i, o, lo, hi));
  });
  const full = geo.kernel.reduce((p, k) => p * k, 1);
  if (perAxis.every((counts, i) => counts.every((c) => c === geo.kernel[i]))) return ctx.constFloat([1 / full]);
  const total = outSpatial.reduce((p, d) => p * d, 1);
  const values = new Float32Array(total);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let count = 1;
    for (let i = r - 1; i >= 0; i--) {
      count *= perAxis[i][rest % outSpatial[i]];
      rest = Math.floor(rest / outSpatial[i]);
    }
    values[flat] = 1 / count;
  }
  return ctx.addInitializer(`${ctx.node.name}_inv_divisor`, floatTensorValue([1, 1, ...outSpatial], values));
}

/** Depthwise ConvTranspose with ones: the adjoint of summing each window, cropped to the input size. */
function spreadOverWindows(ctx: VjpContext, g: string, geo: ConvGeometry, xs: Shape, outSpatial: number[]): string {
  const r = geo.kernel.length;
  const channels = xs[1];
  const endPads: number[] = [];
  const outputPadding: number[] = [];
  outSpatial.forEach((out, i) => {
    // Extent reached by the windows, measured from the first input cell.
    const reach = geo.strides[i] * (out - 1) + geo.dilations[i] * (geo.kernel[i] - 1) + 1 - geo.pads[i];
    const size = xs[2 + i];
    // Windows past the input are cropped with end padding; trailing cells no window reaches are zero.
    endPads.push(Math.max(0, reach - size));
    outputPadding.push(Math.max(0, size - reach));
  });
  const ones = ctx.addInitializer(`${ctx.node.name}_ones`, floatTensorValue([channels, 1, ...geo.kernel], new Float32Array(channels * geo.kernel.reduce((p, k) => p * k, 1)).fill(1)));
  return ctx.op('ConvTranspose', [g, ones], {
    kernel_shape: attr.ints(geo.kernel),
    strides: attr.ints(geo.strides),
    dilations: attr.ints(geo.dilations),
    pads: attr.ints([...geo.pads.slice(0, r), ...endPads]),
    output_padding: attr.ints(outputPadding),
    group: attr.int(channels),
  });
}

const averagePool: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const [x] = ctx.node.inputs;
  const xs = ctx.shape(x);
  const outSpatial = ctx.shape(ctx.node.outputs[0]).slice(2);
  if (xs.slice(1).some((d) => d < 0) || outSpatial.some((d) => d < 0)) ctx.fail('channels and spatial sizes must be static');
  const kernel = intsAttr(ctx.node, 'kernel_shape') ?? ctx.fail('kernel_shape is required');
  const geo = convGeometry(ctx.node, xs, kernel);
  const includePad = intAttr(ctx.node, 'count_include_pad', 0) === 1;
  const scaled = ctx.op('Mul', [g, inverseDivisor(ctx, geo, xs, outSpatial, includePad)]);
  return [spreadOverWindows(ctx, scaled, geo, xs, outSpatial)];
};

/** Every input cell contributes 1/(H·W…) to its channel's mean. */
const globalAveragePool: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const [x] = ctx.node.inputs;
  const spatial = ctx.shape(x).slice(2);
  if (spatial.some((d) => d < 0)) ctx.fail('spatial sizes must be static');
  const scaled = ctx.op('Mul', [g, ctx.constFloat([1 / spatial.reduce((p, d) => p * d, 1)])]);
  const xs = ctx.shape(x);
  // Expand broadcasts both ways, so a batch of 1 in a constant target keeps g's batch; unlike
  // Shape(x), it also lets ONNX shape inference carry the batch's symbolic name, which ORT's
  // blocked-layout pass needs to keep later Muls of two gradients blocked (clip-mask.ts).
  const target = xs.slice(1).every((d) => d >= 0) ? ctx.constInt64([xs[0] >= 0 ? xs[0] : 1, ...xs.slice(1)]) : ctx.shapeOf(x);
  return [ctx.op('Expand', [scaled, target])];
};

export const averagePoolRules: Record<string, VjpRule> = { AveragePool: averagePool, GlobalAveragePool: globalAveragePool };
