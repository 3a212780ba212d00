/**
 * MaxPool backward for overlapping or padded windows (ResNet's 3×3/2 pool with padding 1) at any
 * opset ≥ 10, without ScatterElements' reduction='add' (opset 16) and without MaxPool's slow
 * Indices output.
 *
 * For each of the kH·kW window offsets (i, j), a strided Slice of the (−∞-padded) input reads the
 * element that offset contributes to every window, at pooled resolution; comparing it with the
 * pooled output marks the windows where that offset holds the maximum, and a running "taken" mask
 * keeps only the first maximum in row-major window order (PyTorch's and ORT's tie rule). The
 * masked gradients are then scatter-added into the input grid by output phase (placeByPhase):
 * overlapping windows add, as the gradient needs. Everything but one final interleave runs at
 * pooled resolution. (A first version placed the pieces with one grouped ConvTranspose of one-hot
 * kernels: exact, but 1.7× slower than the scatter form on ResNet's stem pool; this one is not.)
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
    ctx.fail("overlapping or padded MaxPool needs static channel and spatial sizes for its gradient; give the model input a static shape (loadOnnxModel's inputShape option, or withInputShape)");
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
    return ctx.op('Where', [first, g, ctx.zero()]);
  });
  return placeByPhase(ctx, pieces, offsets, { kernel, strides, dilations, begin }, inSpatial, outSpatial, g);
}

function padOrSlice(ctx: VjpContext, x: string, starts: number[], stops: number[], before: number[], after: number[]): string {
  const axes = starts.map((_, a) => 2 + a);
  let out = x;
  if (starts.some((v) => v > 0) || stops.some((v) => v !== Number.MAX_SAFE_INTEGER)) {
    out = ctx.op('Slice', [out, ctx.constInt64(starts), ctx.constInt64(stops), ctx.constInt64(axes)]);
  }
  if (before.some((v) => v > 0) || after.some((v) => v > 0)) {
    const pads = [0, 0, ...before, 0, 0, ...after];
    out = ctx.opset >= 11 ? ctx.op('Pad', [out, ctx.constInt64(pads)]) : ctx.op('Pad', [out], { pads: attr.ints(pads) });
  }
  return out;
}

/**
 * Scatter-adds the per-offset gradients (each at pooled resolution) into the input grid. Offset i
 * sends window o's value to s·o + d·i − p = s·(o + q) + r: phase r = (d·i − p) mod s of the output,
 * shifted by q. So each of the s^rank phase planes (the output's elements at ≡ r mod s, size
 * ⌈H / s⌉) is a sum of a few shifted pieces — all at pooled resolution — and one interleave
 * (Concat + Reshape per axis, no Transpose) builds the full-resolution gradient.
 */
function placeByPhase(ctx: VjpContext, pieces: string[], offsets: number[][], w: Window, inSpatial: number[], outSpatial: number[], g: string): string {
  const { strides, dilations, begin } = w;
  const rank = strides.length;
  const planeSize = inSpatial.map((h, a) => Math.ceil(h / strides[a]));
  const planes = new Map<string, string[]>();
  offsets.forEach((offset, k) => {
    const pos = offset.map((i, a) => dilations[a] * i - begin[a]);
    const phase = pos.map((v, a) => ((v % strides[a]) + strides[a]) % strides[a]);
    const shift = pos.map((v, a) => Math.floor(v / strides[a]));
    // Plane index m receives piece index m − q, for 0 ≤ m < M and 0 ≤ m − q < O.
    const lo = shift.map((q) => Math.max(0, -q));
    const hi = shift.map((q, a) => Math.min(outSpatial[a], planeSize[a] - q));
    if (hi.some((h, a) => h <= lo[a])) return;
    const before = shift.map((q) => Math.max(0, q));
    const after = planeSize.map((m, a) => m - before[a] - (hi[a] - lo[a]));
    const stops = hi.map((h, a) => (h === outSpatial[a] ? Number.MAX_SAFE_INTEGER : h));
    const placed = padOrSlice(ctx, pieces[k], lo, stops, before, after);
    const key = phase.join(',');
    planes.set(key, [...(planes.get(key) ?? []), placed]);
  });
  const batchAndChannels = ctx.op('Slice', [ctx.shapeOf(g), ctx.constInt64([0]), ctx.constInt64([2]), ctx.constInt64([0])]);
  const plane = (phase: number[]): string => {
    const parts = planes.get(phase.join(','));
    if (!parts) {
      // A phase no offset reaches (stride > dilated kernel): zeros.
      const shape = ctx.op('Concat', [batchAndChannels, ctx.constInt64(planeSize)], { axis: attr.int(0) });
      return ctx.op('ConstantOfShape', [shape], { value: attr.tensor(floatTensorValue([1], [0])) });
    }
    return parts.length === 1 ? parts[0] : ctx.op('Sum', parts);
  };
  // Interleave from the last axis to the first: out[…, s·m + r, …] = plane_r[…, m, …].
  const channels = ctx.shape(ctx.node.inputs[0])[1];
  const interleave = (prefix: number[]): string => {
    const a = prefix.length;
    if (a === rank) return plane(prefix);
    const sub = Array.from({ length: strides[a] }, (_, r) => interleave([...prefix, r]));
    if (strides[a] === 1) return sub[0];
    // sub[r]: axes a+1… already interleaved, axis a still plane-sized.
    const dims = planeSize.map((m, b) => (b <= a ? m : m * strides[b]));
    const stacked = ctx.op('Concat', sub.map((p) => ctx.unsqueeze(p, [3 + a])), { axis: attr.int(3 + a) });
    dims[a] = planeSize[a] * strides[a];
    return ctx.op('Reshape', [stacked, ctx.constInt64([0, channels, ...dims])]);
  };
  const full = interleave([]);
  const over = planeSize.some((m, a) => m * strides[a] > inSpatial[a]);
  return over ? ctx.op('Slice', [full, ctx.constInt64(inSpatial.map(() => 0)), ctx.constInt64(inSpatial), ctx.constInt64(inSpatial.map((_, a) => 2 + a))]) : full;
}
