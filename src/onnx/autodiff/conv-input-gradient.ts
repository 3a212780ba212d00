/**
 * Conv: the gradient w.r.t. the input, dL/dX = ConvTranspose(dL/dY, W), in the form ONNX Runtime runs
 * fastest. ORT's ConvTranspose is one GEMM plus col2im per group and has no blocked (NCHWc) kernel:
 * for a depthwise conv (group = channels) that is a 9×1 GEMM per channel, the slowest thing in
 * MobileNetV2's backward graph (bench/profile-gradients.ts). Every form below computes the same sums
 * as ConvTranspose — only the order of the float32 additions differs:
 *
 * - stride 1: a Conv of dL/dY with the weights transposed per group and flipped in space, pads
 *   (span − pad). A depthwise conv stays depthwise, which ORT runs with its blocked kernel.
 * - stride s > 1, 'phases' (sub-pixel): output pixel n = s·m + r receives only the taps k with
 *   r + p − d·k ≡ 0 (mod s), from dL/dY[m + q], q = (r + p − d·k)/s. So each of the s² phases (r₁, r₂)
 *   is a stride-1 Conv of dL/dY with its sub-kernel (dilation d/gcd(s, d)), all phases have
 *   ⌈size/s⌉ rows, and an interleave (Concat + Transpose, or DepthToSpace) puts them in place; no
 *   multiply touches a zero.
 * - stride s > 1, 'zero-insert': dL/dY spread onto an s-times finer grid (interleaved with zeros),
 *   then the stride-1 form: s² times the multiplies, but one blocked Conv.
 *
 * All three need the weights as an initializer (the sub-kernels are folded when the graph is built,
 * and ORT's blocked path wants constant weights) in a graph that is not differentiated again, 2-D convs, opset ≥ 10 (≥ 11 for the strided
 * forms) and, for the strided ones, equal strides on both axes; elsewhere ConvTranspose.
 */
import type { Attribute } from '../graph.js';
import { attr, floatTensorValue } from '../graph.js';
import type { Shape } from '../shapes.js';
import type { VjpContext } from './context.js';
import type { ConvGeometry } from './conv.js';

export type StridedInputGradientForm = 'transpose' | 'phases' | 'zero-insert';

/** Tuning knobs for the input-gradient forms (tests pin them to exercise each form; bench/gradient-variants.ts compares them). */
export const convInputGradientForms = {
  /**
   * Stride-1, ungrouped convs take the flipped-Conv form from this many forward input channels (the
   * gradient Conv's output channels); below it, ConvTranspose (ORT pads a blocked Conv's outputs to
   * its block, so a flipped Conv onto the image's 3 channels costs 2× ConvTranspose).
   */
  flippedMinChannels: 8,
  /** Stride-1 grouped convs (depthwise included): the grouped flipped Conv, or ConvTranspose. */
  grouped: 'flip' as 'flip' | 'transpose',
  /** Strided depthwise convs (group = channels = output channels). */
  stridedDepthwise: 'transpose' as StridedInputGradientForm,
  /** Other strided convs (ResNet's 7×7/2 stem, 3×3/2 and 1×1/2). */
  stridedDense: 'transpose' as StridedInputGradientForm,
  /** How the strided forms interleave s² phases into one image (see interleave). */
  interleave: 'transpose' as 'transpose' | 'depth-to-space',
};

/** One tap of a kernel axis in a phase: kernel index k, read from dL/dY at offset q. */
interface Tap {
  k: number;
  q: number;
}

/** The taps of phase r on one axis, by increasing offset q (evenly spaced, d/gcd(s, d) apart). */
export function phaseTaps(r: number, kernel: number, stride: number, dilation: number, padBegin: number): Tap[] {
  const taps: Tap[] = [];
  for (let k = kernel - 1; k >= 0; k--) {
    const num = r + padBegin - dilation * k;
    if (((num % stride) + stride) % stride === 0) taps.push({ k, q: num / stride });
  }
  return taps;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Gradient-Conv weights [C, O/G, J₁, J₂] from forward weights [O, C/G, K₁, K₂]: per group the two
 * channel axes swapped, and tap (t₁, t₂) taken from forward tap (k₁[t₁], k₂[t₂]).
 */
function regroupedWeights(src: Float32Array, wShape: Shape, group: number, k1: readonly number[], k2: readonly number[]): { dims: number[]; data: Float32Array } {
  const [o, cg, kh, kw] = wShape;
  const og = o / group;
  const [j1, j2] = [k1.length, k2.length];
  const data = new Float32Array(o * cg * j1 * j2);
  for (let gi = 0; gi < group; gi++)
    for (let oi = 0; oi < og; oi++)
      for (let ci = 0; ci < cg; ci++)
        for (let t1 = 0; t1 < j1; t1++)
          for (let t2 = 0; t2 < j2; t2++)
            data[(((gi * cg + ci) * og + oi) * j1 + t1) * j2 + t2] = src[(((gi * og + oi) * cg + ci) * kh + k1[t1]) * kw + k2[t2]];
  return { dims: [cg * group, og, j1, j2], data };
}

/**
 * A stride-1 Conv with pads that may be negative (rows to drop): the negative ones become 0 and
 * the surplus rows are sliced off, leaving `outSize` rows per axis.
 */
function convWithAnyPads(ctx: VjpContext, input: string, weights: string, group: number, dilations: number[], begin: number[], end: number[], outSize: number[]): string {
  const attrs: Record<string, Attribute> = {
    dilations: attr.ints(dilations),
    pads: attr.ints([...begin.map((p) => Math.max(0, p)), ...end.map((p) => Math.max(0, p))]),
    group: attr.int(group),
  };
  const out = ctx.op('Conv', [input, weights], attrs);
  const drop = begin.map((p) => Math.max(0, p) - p);
  const extra = end.map((p) => Math.max(0, p) - p);
  if (drop.every((d) => d === 0) && extra.every((d) => d === 0)) return out;
  return ctx.op('Slice', [out, ctx.constInt64(drop), ctx.constInt64(drop.map((d, i) => d + outSize[i])), ctx.constInt64([2, 3])]);
}

/** Stride 1: Conv with the per-group transposed, spatially flipped weights. */
function flippedConv(ctx: VjpContext, g: string, frozen: Float32Array, wShape: Shape, geo: ConvGeometry, gSize: number[], xSize: number[], hint: string): string {
  const flip = (k: number) => Array.from({ length: k }, (_, i) => k - 1 - i);
  const v = regroupedWeights(frozen, wShape, geo.group, flip(wShape[2]), flip(wShape[3]));
  const weights = ctx.addInitializer(`${hint}_flipped`, floatTensorValue(v.dims, v.data));
  const span = geo.kernel.map((k, i) => geo.dilations[i] * (k - 1));
  // Correlating the s-fold spread dL/dY with the flipped kernel: row n reads spread row n + p − d·k.
  const begin = span.map((s, i) => s - geo.pads[i]);
  const end = span.map((s, i) => xSize[i] - geo.strides[i] * gSize[i] + geo.pads[i]);
  return convWithAnyPads(ctx, g, weights, geo.group, geo.dilations, begin, end, xSize);
}

/** Zeros shaped like `like` (its batch is only known at run time). */
function zerosLike(ctx: VjpContext, like: string): string {
  return ctx.op('Expand', [ctx.zero(), ctx.shapeOf(like)]);
}

/**
 * Phases [N, C, H, W] each, listed r₁-major → [N, C, s·H, s·W] with phase (r₁, r₂) at (s·h + r₁, s·w + r₂).
 * 'depth-to-space': Concat on channels (blocked in ORT) gives channel (r₁·s + r₂)·C + c, DepthToSpace's
 * DCR order — but ORT's DepthToSpace is a generic 6-D shuffle. 'transpose': the phases stacked
 * between rows and columns, [N, C, H, s·s, W] (whole rows copied), then one Transpose moving the r₂
 * axis innermost, which ORT runs as small matrix transposes (MlasTranspose).
 */
function interleave(ctx: VjpContext, phases: string[], s: number, channels: number, size: number[]): string {
  if (convInputGradientForms.interleave === 'depth-to-space') {
    const stacked = ctx.op('Concat', phases, { axis: attr.int(1) });
    return ctx.op('DepthToSpace', [stacked], { blocksize: attr.int(s), mode: attr.string('DCR') });
  }
  const [h, w] = size;
  // Batch 0 = "copy": keeps the batch's symbolic name through ONNX shape inference (see flatten.ts).
  const rows = phases.map((p) => ctx.op('Reshape', [p, ctx.constInt64([0, channels, h, 1, w])]));
  const stacked = ctx.op('Reshape', [ctx.op('Concat', rows, { axis: attr.int(3) }), ctx.constInt64([0, channels, h, s, s, w])]);
  const moved = ctx.op('Transpose', [stacked], { perm: attr.ints([0, 1, 2, 3, 5, 4]) });
  return ctx.op('Reshape', [moved, ctx.constInt64([0, channels, s * h, s * w])]);
}

/** Stride s > 1, sub-pixel form: one stride-1 Conv per output phase with that phase's taps. */
function phaseConvs(ctx: VjpContext, g: string, frozen: Float32Array, wShape: Shape, geo: ConvGeometry, gSize: number[], xSize: number[], hint: string): string {
  const s = geo.strides[0];
  const rows = xSize.map((n) => Math.ceil(n / s));
  const axisTaps = [0, 1].map((i) => Array.from({ length: s }, (_, r) => phaseTaps(r, geo.kernel[i], s, geo.dilations[i], geo.pads[i])));
  const step = geo.dilations.map((d) => d / gcd(s, d));
  const phases: (string | null)[] = [];
  for (let r1 = 0; r1 < s; r1++) {
    for (let r2 = 0; r2 < s; r2++) {
      const taps = [axisTaps[0][r1], axisTaps[1][r2]];
      if (taps.some((t) => t.length === 0)) {
        phases.push(null);
        continue;
      }
      const v = regroupedWeights(frozen, wShape, geo.group, taps[0].map((t) => t.k), taps[1].map((t) => t.k));
      const weights = ctx.addInitializer(`${hint}_phase${r1}${r2}`, floatTensorValue(v.dims, v.data));
      // Phase row m reads dL/dY[m + q_min + step·t] for tap t.
      const begin = taps.map((t) => -t[0].q);
      const end = taps.map((t, i) => rows[i] - gSize[i] - begin[i] + step[i] * (t.length - 1));
      phases.push(convWithAnyPads(ctx, g, weights, geo.group, step, begin, end, rows));
    }
  }
  // Phases no tap reaches (a 1×1/2 conv's odd rows) are zeros; some phase always has taps.
  const some = phases.find((p) => p !== null)!;
  const zeros = phases.some((p) => p === null) ? zerosLike(ctx, some) : null;
  const spread = interleave(ctx, phases.map((p) => p ?? zeros!), s, wShape[1] * geo.group, rows);
  if (rows.every((m, i) => m * s === xSize[i])) return spread;
  return ctx.op('Slice', [spread, ctx.constInt64([0, 0]), ctx.constInt64(xSize), ctx.constInt64([2, 3])]);
}

/** Stride s > 1: dL/dY spread onto the input grid with zeros between, then the stride-1 form. */
function zeroInserted(ctx: VjpContext, g: string, frozen: Float32Array, wShape: Shape, geo: ConvGeometry, gSize: number[], xSize: number[], hint: string): string {
  const s = geo.strides[0];
  const zeros = zerosLike(ctx, g);
  const spread = interleave(ctx, [g, ...new Array<string>(s * s - 1).fill(zeros)], s, wShape[0], gSize);
  return flippedConv(ctx, spread, frozen, wShape, geo, gSize, xSize, hint);
}

/**
 * dL/dX by a Conv form when one applies (see the file comment), else null (the caller emits
 * ConvTranspose). `gSize` is the forward output's spatial size, `xSize` the input's.
 */
export function convInputGradientByConv(ctx: VjpContext, g: string, w: string, wShape: Shape, geo: ConvGeometry, gSize: number[], xSize: number[]): string | null {
  const frozen = ctx.initializer(w);
  // Opset 10 brought Slice with inputs (cropping), 11 DepthToSpace's DCR/CRD mode attribute.
  // A graph to be differentiated again (w.r.t. these weights: the remedy's penalty) must reach W
  // itself, not a copy folded at build time.
  if (!frozen || !(frozen.data instanceof Float32Array) || ctx.differentiable || geo.kernel.length !== 2 || ctx.opset < 10) return null;
  const channels = wShape[1] * geo.group;
  const depthwise = geo.group > 1 && wShape[1] === 1 && wShape[0] === geo.group;
  if (geo.strides.every((s) => s === 1)) {
    if (geo.group === 1 ? channels < convInputGradientForms.flippedMinChannels : convInputGradientForms.grouped !== 'flip') return null;
    return flippedConv(ctx, g, frozen.data, wShape, geo, gSize, xSize, w);
  }
  if (geo.strides[0] !== geo.strides[1] || ctx.opset < 11) return null;
  const form = depthwise ? convInputGradientForms.stridedDepthwise : convInputGradientForms.stridedDense;
  if (form === 'phases') return phaseConvs(ctx, g, frozen.data, wShape, geo, gSize, xSize, w);
  if (form === 'zero-insert') return zeroInserted(ctx, g, frozen.data, wShape, geo, gSize, xSize, w);
  return null;
}
