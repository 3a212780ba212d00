/**
 * MaxPool backward for overlapping or padded windows (ResNet's 3×3/2 pool with padding 1) at any
 * opset ≥ 10, without ScatterElements' reduction='add' (opset 16) and without MaxPool's slow
 * Indices output.
 *
 * For each of the kH·kW window offsets (i, j), a strided Slice of the (−∞-padded) input reads the
 * element that offset contributes to every window, at pooled resolution; comparing it with the
 * pooled output marks the windows where that offset holds the maximum, and a running "taken" mask
 * keeps only the first maximum in row-major window order (PyTorch's and ORT's tie rule). The
 * masked gradients of all offsets, stacked as channels [N, C·kH·kW, OH, OW], go through one
 * grouped ConvTranspose whose kernels are one-hot at their offset: ConvTranspose places each
 * window's value at s·o + d·i − p and *adds* where windows overlap — exactly the scatter-add the
 * gradient needs. Everything but the ConvTranspose runs at pooled resolution.
 */
import { attr, floatTensorValue, intsAttr, stringAttr } from '../graph.js';
import type { VjpContext } from './context.js';

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before the first element, per spatial axis. */
  begin: number[];
}

function windowOf(ctx: VjpContext, inSpatial: readonly number[], outSpatial: readonly number[]): Window {
  const node = ctx.node;
  const kernel = [...(intsAttr(node, 'kernel_shape') ?? [])];
  const strides = [...(intsAttr(node, 'strides') ?? kernel.map(() => 1))];
  const dilations = [...(intsAttr(node, 'dilations') ?? kernel.map(() => 1))];
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  let begin = [...(intsAttr(node, 'pads') ?? kernel.map(() => 0))].slice(0, kernel.length);
  if (autoPad === 'VALID') begin = kernel.map(() => 0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    begin = kernel.map((k, a) => {
      const total = Math.max(0, (outSpatial[a] - 1) * strides[a] + dilations[a] * (k - 1) + 1 - inSpatial[a]);
      return autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    });
  }
  return { kernel, strides, dilations, begin };
}

/** The gradient of MaxPool's first output w.r.t. its input, for any window geometry; `g` is the pooled gradient. */
export function windowedMaxPoolGradient(ctx: VjpContext, g: string): string {
  const [x] = ctx.node.inputs;
  const [y] = ctx.node.outputs;
  const xs = ctx.shape(x);
  const ys = ctx.shape(y);
  const channels = xs[1];
  const inSpatial = xs.slice(2);
  const outSpatial = ys.slice(2);
  if (channels < 0 || [...inSpatial, ...outSpatial].some((d) => d < 0)) {
    ctx.fail('overlapping or padded MaxPool needs static channel and spatial sizes for its gradient; give the model input a static shape (OnnxModel inputShape option)');
  }
  if (ctx.opset < 10) ctx.fail('overlapping or padded MaxPool needs opset ≥ 10 (strided Slice) for its gradient');
  const { kernel, strides, dilations, begin } = windowOf(ctx, inSpatial, outSpatial);
  // Input span every window reads: s·(O − 1) + d·(k − 1) + 1 elements from −begin on.
  const span = kernel.map((k, a) => strides[a] * (outSpatial[a] - 1) + dilations[a] * (k - 1) + 1);
  const end = span.map((l, a) => Math.max(0, l - inSpatial[a] - begin[a]));
  const spatialAxes = kernel.map((_, a) => 2 + a);

  let padded = x;
  if (begin.some((p) => p > 0) || end.some((p) => p > 0)) {
    // Padding never wins a window: −∞, as MaxPool itself treats it.
    const pads = [0, 0, ...begin, 0, 0, ...end];
    padded = ctx.opset >= 11
      ? ctx.op('Pad', [x, ctx.constInt64(pads), ctx.constFloat([-Infinity], [])])
      : ctx.op('Pad', [x], { pads: attr.ints(pads), value: attr.float(-Infinity) });
  }
  const offsets = kernel.reduce<number[][]>((acc, k) => acc.flatMap((o) => Array.from({ length: k }, (_, i) => [...o, i])), [[]]);
  let taken = '';
  const pieces = offsets.map((offset) => {
    const starts = offset.map((i, a) => i * dilations[a]);
    const stops = starts.map((st, a) => st + strides[a] * (outSpatial[a] - 1) + 1);
    const read = ctx.op('Slice', [padded, ctx.constInt64(starts), ctx.constInt64(stops), ctx.constInt64(spatialAxes), ctx.constInt64(strides)]);
    const isMax = ctx.op('Equal', [read, y]);
    const first = taken ? ctx.op('And', [isMax, ctx.op('Not', [taken])]) : isMax;
    taken = taken ? ctx.op('Or', [taken, isMax]) : isMax;
    return ctx.unsqueeze(ctx.op('Where', [first, g, ctx.zero()]), [2]);
  });
  // [N, C, kH·kW, OH, OW] → [N, C·kH·kW, OH, OW]: group c of the ConvTranspose holds channel c's offsets.
  const stacked = ctx.op('Concat', pieces, { axis: attr.int(2) });
  const perChannel = offsets.length;
  const channelsFirst = ctx.op('Reshape', [stacked, ctx.constInt64([0, channels * perChannel, ...outSpatial])]);
  const window = kernel.reduce((p, k) => p * k, 1);
  const oneHot = new Float32Array(channels * perChannel * window);
  for (let c = 0; c < channels; c++) for (let q = 0; q < perChannel; q++) oneHot[(c * perChannel + q) * window + q] = 1;
  const weights = ctx.addInitializer(`${ctx.node.name}_window_one_hot`, floatTensorValue([channels * perChannel, 1, ...kernel], oneHot));
  // Output length s·(O − 1) + d·(k − 1) + 1 − begin = span − begin, then cut or zero-fill to the input size.
  const placed = ctx.op('ConvTranspose', [channelsFirst, weights], {
    group: attr.int(channels),
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(strides),
    dilations: attr.ints(dilations),
    pads: attr.ints([...begin, ...kernel.map(() => 0)]),
  });
  const produced = span.map((l, a) => l - begin[a]);
  let grad = placed;
  if (produced.some((p, a) => p > inSpatial[a])) {
    grad = ctx.op('Slice', [grad, ctx.constInt64(kernel.map(() => 0)), ctx.constInt64(inSpatial), ctx.constInt64(spatialAxes)]);
  }
  const short = produced.map((p, a) => Math.max(0, inSpatial[a] - p));
  if (short.some((m) => m > 0)) {
    const pads = [0, 0, ...kernel.map(() => 0), 0, 0, ...short];
    grad = ctx.opset >= 11 ? ctx.op('Pad', [grad, ctx.constInt64(pads)]) : ctx.op('Pad', [grad], { pads: attr.ints(pads) });
  }
  return grad;
}
