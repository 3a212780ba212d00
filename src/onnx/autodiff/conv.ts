/** Conv: gradients w.r.t. input (ConvTranspose or a flipped Conv), weights and bias. */
import type { Node } from '../graph.js';
import { attr, intAttr, intsAttr, stringAttr } from '../graph.js';
import type { Shape } from '../shapes.js';
import type { VjpContext, VjpRule } from './context.js';
import { convInputGradientByConv, convInputGradientForms } from './conv-input-gradient.js';

export interface ConvGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** ONNX order: all begins, then all ends. */
  pads: number[];
  group: number;
}

/** Explicit geometry of a Conv-like node, resolving auto_pad against the static input shape. */
export function convGeometry(node: Node, x: Shape, kernelFromWeights: readonly number[]): ConvGeometry {
  const kernel = [...(intsAttr(node, 'kernel_shape') ?? kernelFromWeights)];
  const r = kernel.length;
  const strides = [...(intsAttr(node, 'strides') ?? kernel.map(() => 1))];
  const dilations = [...(intsAttr(node, 'dilations') ?? kernel.map(() => 1))];
  let pads = [...(intsAttr(node, 'pads') ?? new Array(2 * r).fill(0))];
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'VALID') pads = new Array(2 * r).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const size = x[2 + i];
      const out = Math.ceil(size / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - size);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + r] = total - pads[i];
    }
  }
  return { kernel, strides, dilations, pads, group: intAttr(node, 'group', 1) };
}

function outputSize(g: ConvGeometry, size: number, i: number): number {
  const r = g.kernel.length;
  return Math.floor((size + g.pads[i] + g.pads[i + r] - g.dilations[i] * (g.kernel[i] - 1) - 1) / g.strides[i]) + 1;
}

/** Tuning knobs for the Conv gradient forms (tests pin them to exercise each form). */
export const convGradientForms = {
  /** 'auto' picks im2col when one example's unfolded input has at most im2colMaxElements values. */
  weight: 'auto' as 'auto' | 'im2col' | 'conv',
  im2colMaxElements: 1 << 17,
};

/** Conv weights fed as a graph input, transposed to [C, O, kh, kw] and flipped in both spatial axes in the graph. */
function flippedWeightsInGraph(ctx: VjpContext, w: string, wShape: Shape): string {
  const [, , kh, kw] = wShape;
  const transposed = ctx.op('Transpose', [w], { perm: attr.ints([1, 0, 2, 3]) });
  return ctx.op('Slice', [transposed, ctx.constInt64([-1, -1]), ctx.constInt64([-kh - 1, -kw - 1]), ctx.constInt64([2, 3]), ctx.constInt64([-1, -1])]);
}

/** dL/dX: a Conv form where one applies (conv-input-gradient.ts), else a transposed convolution with the forward weights. */
function inputGradient(ctx: VjpContext, g: string, x: Shape, w: string, wShape: Shape, geo: ConvGeometry): string {
  const r = geo.kernel.length;
  const gSize = ctx.shape(ctx.node.outputs[0]).slice(2);
  const byConv = convInputGradientByConv(ctx, g, w, wShape, geo, gSize, x.slice(2));
  if (byConv) return byConv;
  const unitStride = geo.strides.every((s) => s === 1);
  // Fed weights (training graphs), stride 1: the flipped Conv with the flip in the graph.
  if (unitStride && geo.group === 1 && r === 2 && wShape[1] >= convInputGradientForms.flippedMinChannels && !ctx.initializer(w) && ctx.opset >= 10) {
    const span = geo.kernel.map((k, i) => geo.dilations[i] * (k - 1));
    const pads = [...span.map((s, i) => s - geo.pads[i]), ...span.map((s, i) => s - geo.pads[i + r])];
    if (pads.every((p) => p >= 0)) {
      return ctx.op('Conv', [g, flippedWeightsInGraph(ctx, w, wShape)], {
        dilations: attr.ints(geo.dilations),
        pads: attr.ints(pads),
        kernel_shape: attr.ints(geo.kernel),
      });
    }
  }
  const outputPadding = geo.kernel.map((k, i) => {
    const out = outputSize(geo, x[2 + i], i);
    const produced = geo.strides[i] * (out - 1) + geo.dilations[i] * (k - 1) + 1 - geo.pads[i] - geo.pads[i + r];
    return x[2 + i] - produced;
  });
  return ctx.op('ConvTranspose', [g, w], {
    kernel_shape: attr.ints(geo.kernel),
    strides: attr.ints(geo.strides),
    dilations: attr.ints(geo.dilations),
    pads: attr.ints(geo.pads),
    group: attr.int(geo.group),
    output_padding: attr.ints(outputPadding),
  });
}

/**
 * dL/dW by unfolding: one strided Slice of the padded input per kernel tap, concatenated into
 * columns [N, kh·kw·C, oh·ow], then one batched MatMul with the output gradient summed over the
 * batch. Fast for small layers, but the columns take kh·kw times the input's memory.
 */
function weightGradientIm2col(ctx: VjpContext, g: string, x: string, xShape: Shape, wShape: Shape, geo: ConvGeometry): string {
  const [o, c, kh, kw] = wShape;
  const [, , h, w] = xShape;
  const [ph0, pw0, ph1, pw1] = geo.pads;
  const oh = outputSize(geo, h, 0);
  const ow = outputSize(geo, w, 1);
  const padded = geo.pads.some((p) => p > 0) ? ctx.op('Pad', [x, ctx.constInt64([0, 0, ph0, pw0, 0, 0, ph1, pw1])]) : x;
  const taps: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const start = [i * geo.dilations[0], j * geo.dilations[1]];
      const end = [start[0] + geo.strides[0] * (oh - 1) + 1, start[1] + geo.strides[1] * (ow - 1) + 1];
      taps.push(ctx.op('Slice', [padded, ctx.constInt64(start), ctx.constInt64(end), ctx.constInt64([2, 3]), ctx.constInt64(geo.strides)]));
    }
  }
  const cols = taps.length === 1 ? taps[0] : ctx.op('Concat', taps, { axis: attr.int(1) });
  // Per example: cols [kh·kw·C, P] × gᵀ [P, O], P = oh·ow; transposing g is cheaper than the columns.
  const colsFlat = ctx.op('Reshape', [cols, ctx.constInt64([-1, kh * kw * c, oh * ow])]);
  const gT = ctx.op('Transpose', [ctx.op('Reshape', [g, ctx.constInt64([-1, o, oh * ow])])], { perm: attr.ints([0, 2, 1]) });
  const perExample = ctx.op('MatMul', [colsFlat, gT]);
  const summed = ctx.reduceSum(perExample, [0], false);
  const tapMajor = ctx.op('Reshape', [summed, ctx.constInt64([kh, kw, c, o])]);
  return ctx.op('Transpose', [tapMajor], { perm: attr.ints([3, 2, 0, 1]) });
}

/**
 * dL/dW as a convolution of the input with the output gradient, batch acting as channels:
 * Conv(Xᵀ, dYᵀ) with the forward strides as dilations. Groups are folded into the batch axis so
 * one grouped Conv serves every group.
 */
function weightGradient(ctx: VjpContext, g: string, x: string, xShape: Shape, wShape: Shape, geo: ConvGeometry): string {
  const r = geo.kernel.length;
  const G = geo.group;
  const [o, cg] = wShape;
  const spatialX = xShape.slice(2);
  const gShape = [-1, o, ...spatialX.map((s, i) => outputSize(geo, s, i))];
  let xT: string;
  let gT: string;
  if (G === 1) {
    const perm = [1, 0, ...geo.kernel.map((_, i) => i + 2)];
    xT = ctx.op('Transpose', [x], { perm: attr.ints(perm) });
    gT = ctx.op('Transpose', [g], { perm: attr.ints(perm) });
  } else {
    const tail = geo.kernel.map((_, i) => i + 3);
    const x5 = ctx.op('Reshape', [x, ctx.constInt64([-1, G, cg, ...spatialX])]);
    const xP = ctx.op('Transpose', [x5], { perm: attr.ints([2, 1, 0, ...tail]) });
    xT = ctx.op('Reshape', [xP, ctx.constInt64([cg, -1, ...spatialX])]);
    const g5 = ctx.op('Reshape', [g, ctx.constInt64([-1, G, o / G, ...gShape.slice(2)])]);
    const gP = ctx.op('Transpose', [g5], { perm: attr.ints([1, 2, 0, ...tail]) });
    gT = ctx.op('Reshape', [gP, ctx.constInt64([o, -1, ...gShape.slice(2)])]);
  }
  const raw = ctx.op('Conv', [xT, gT], {
    strides: attr.ints(geo.dilations),
    dilations: attr.ints(geo.strides),
    pads: attr.ints(geo.pads),
    group: attr.int(G),
  });
  // The correlation can run past the kernel when the stride does not divide the padded input.
  const full = geo.kernel.map((k, i) => {
    const span = spatialX[i] + geo.pads[i] + geo.pads[i + r] - geo.strides[i] * (gShape[2 + i] - 1) - 1;
    return Math.floor(span / geo.dilations[i]) + 1;
  });
  let cropped = raw;
  if (full.some((f, i) => f !== geo.kernel[i])) {
    const axes = geo.kernel.map((_, i) => i + 2);
    cropped = ctx.op('Slice', [raw, ctx.constInt64(axes.map(() => 0)), ctx.constInt64(geo.kernel), ctx.constInt64(axes)]);
  }
  return ctx.op('Transpose', [cropped], { perm: attr.ints([1, 0, ...geo.kernel.map((_, i) => i + 2)]) });
}

/**
 * dL/dW of Y = Conv(X, W) given dL/dY = g, in the faster of the two forms. ConvTranspose reuses it:
 * its weight gradient is that of the Conv it is the adjoint of (see conv-transpose.ts).
 */
export function convWeightGradient(ctx: VjpContext, g: string, x: string, xShape: Shape, wShape: Shape, geo: ConvGeometry): string {
  const unfolded = wShape.slice(1).reduce((a, b) => a * b, 1) * geo.kernel.reduce((a, _, i) => a * outputSize(geo, xShape[2 + i], i), 1);
  const form = convGradientForms.weight;
  const im2col = geo.group === 1 && geo.kernel.length === 2 && (form === 'im2col' || (form === 'auto' && unfolded <= convGradientForms.im2colMaxElements));
  return im2col ? weightGradientIm2col(ctx, g, x, xShape, wShape, geo) : weightGradient(ctx, g, x, xShape, wShape, geo);
}

const conv: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [x, w] = ctx.node.inputs;
  const xShape = ctx.shape(x);
  const wShape = ctx.shape(w);
  if (xShape.slice(2).some((d) => d < 0)) ctx.fail('spatial input size must be static');
  const geo = convGeometry(ctx.node, xShape, wShape.slice(2));
  const gx = ctx.needsGrad(0) ? inputGradient(ctx, g, xShape, w, wShape, geo) : null;
  const gw = ctx.needsGrad(1) ? convWeightGradient(ctx, g, x, xShape, wShape, geo) : null;
  const gb = ctx.needsGrad(2) ? ctx.reduceSum(g, [0, ...geo.kernel.map((_, i) => i + 2)], false) : null;
  return [gx, gw, gb];
};

export const convRules: Record<string, VjpRule> = { Conv: conv };
