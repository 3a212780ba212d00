/**
 * DeepLIFT's rescale rule (Shrikumar et al. 2017) as backward rules, with Captum's semantics.
 *
 * The graph runs on PAIRED rows: row 2i is input i and row 2i + 1 its baseline, both with the same
 * cotangent. Each rule reshapes a value [2N, …] to [N, 2, …] to read both members of a pair:
 * - pointwise nonlinearities (Relu, LeakyRelu, Sigmoid, Tanh): the gradient is multiplied by
 *   Δy/Δx = (y(x) − y(b)) / (x − b) instead of y'(row), for both rows of the pair; where
 *   |Δx| < eps (1e-10, Captum's) the ordinary gradient is kept;
 * - MaxPool (Captum's maxpool rule): with m = max(y(x), y(b)) per window, the row of x sends
 *   g·(m − y(b)) to x's first maximum and the row of b sends g·(y(x) − m) to b's first maximum; the
 *   two placements are added and divided by Δx (ordinary gradient where |Δx| < eps). Window sums are
 *   then exactly g·Δy, which is what makes Σ attributions = f(x) − f(b). Where windows overlap
 *   (ResNet's 3×3/2 stem pool) placements ADD; Captum's max_unpool2d overwrites there instead.
 *   Any opset: Indices + ScatterElements(add) from 16, the window-offset form before it.
 * Linear ops (Conv, Gemm, AveragePool, BatchNormalization in inference, Add…) keep their gradient,
 * which is already Δy/Δx. Ops without a rescale rule here (Softmax, Mul of two live values…) also
 * keep their gradient, as in Captum, and the summation-to-delta then holds only approximately.
 */
import { attr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';
import { windowedMaxPoolGradient } from './max-pool-windows.js';
import { vjpRules } from './rules.js';

export const DEEPLIFT_EPS = 1e-10;

/** [2N, …rest] → [N, 2, …rest]. */
function pairs(ctx: VjpContext, v: string, like: string): string {
  const rest = ctx.shape(like).slice(1);
  if (rest.some((d) => d < 0)) ctx.fail('DeepLIFT needs static shapes except for the batch');
  return ctx.op('Reshape', [v, ctx.constInt64([-1, 2, ...rest])]);
}

/** Member 0 (input) or 1 (baseline) of each pair, kept as [N, 1, …]. */
function member(ctx: VjpContext, paired: string, which: 0 | 1): string {
  return ctx.op('Slice', [paired, ctx.constInt64([which]), ctx.constInt64([which + 1]), ctx.constInt64([1])]);
}

/** Input minus baseline, [N, 1, …]. */
function pairDifference(ctx: VjpContext, v: string): string {
  const p = pairs(ctx, v, v);
  return ctx.op('Sub', [member(ctx, p, 0), member(ctx, p, 1)]);
}

/** Where(|Δx| < eps, ordinary, rescaled) on paired layout, returned as [2N, …]. */
function chooseByDelta(ctx: VjpContext, deltaIn: string, ordinary: string, rescaled: string, like: string): string {
  const small = ctx.op('Less', [ctx.op('Abs', [deltaIn]), ctx.constFloat([DEEPLIFT_EPS])]);
  const chosen = ctx.op('Where', [small, pairs(ctx, ordinary, like), rescaled]);
  return ctx.reshapeLike(chosen, like);
}

/** Division by Δx where it is safe; elsewhere by 1 (those entries are replaced by the ordinary gradient). */
function safeDivide(ctx: VjpContext, numerator: string, deltaIn: string): string {
  const small = ctx.op('Less', [ctx.op('Abs', [deltaIn]), ctx.constFloat([DEEPLIFT_EPS])]);
  return ctx.op('Div', [numerator, ctx.op('Where', [small, ctx.constFloat([1]), deltaIn])]);
}

function rescale(opType: string): VjpRule {
  return (ctx, gradOutputs) => {
    const [g] = gradOutputs;
    if (!g || !ctx.needsGrad(0)) return [null];
    const ordinaryRule = vjpRules.get(opType) ?? ctx.fail(`no ordinary gradient rule for ${opType}`);
    const [ordinary] = ordinaryRule(ctx, gradOutputs);
    if (!ordinary) return [null];
    const [x] = ctx.node.inputs;
    const [y] = ctx.node.outputs;
    const deltaIn = pairDifference(ctx, x);
    const multiplier = safeDivide(ctx, pairDifference(ctx, y), deltaIn);
    const rescaled = ctx.op('Mul', [pairs(ctx, g, x), multiplier]);
    return [chooseByDelta(ctx, deltaIn, ordinary, rescaled, x)];
  };
}

/** Adds each pooled value to its window's first maximum (MaxPool's Indices, PyTorch's tie rule). */
function placeAtArgmax(ctx: VjpContext, values: string, indices: string, x: string): string {
  const flatIdx = ctx.op('Reshape', [indices, ctx.constInt64([-1])]);
  const flatValues = ctx.op('Reshape', [values, ctx.constInt64([-1])]);
  const zeros = ctx.op('Mul', [ctx.op('Reshape', [x, ctx.constInt64([-1])]), ctx.zero()]);
  const scattered = ctx.op('ScatterElements', [zeros, flatIdx, flatValues], { axis: attr.int(0), reduction: attr.string('add') });
  return ctx.reshapeLike(scattered, x);
}

const maxPoolRescale: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  if (ctx.node.outputs[1]) ctx.fail('gradient through MaxPool indices is not supported');
  const [x] = ctx.node.inputs;
  const [y] = ctx.node.outputs;
  // Each row's pooled values go to that row's first maximum, added where windows overlap: through
  // MaxPool's Indices and ScatterElements(add) from opset 16; before it by window offsets
  // (max-pool-windows.ts, the same first-maximum rule), so opset 13/14 exports work too.
  let place: (values: string) => string;
  if (ctx.opset >= 16) {
    const [, indices] = ctx.ops('MaxPool', [x], { ...ctx.node.attributes }, 2);
    place = (values) => placeAtArgmax(ctx, values, indices, x);
  } else {
    place = (values) => windowedMaxPoolGradient(ctx, values);
  }
  const ordinary = place(g);
  const yp = pairs(ctx, y, y);
  const yIn = member(ctx, yp, 0);
  const yBase = member(ctx, yp, 1);
  const top = ctx.op('Max', [yIn, yBase]);
  // Row of x carries m − y(b), row of b carries y(x) − m; together y(x) − y(b) per window.
  const shares = ctx.op('Concat', [ctx.op('Sub', [top, yBase]), ctx.op('Sub', [yIn, top])], { axis: attr.int(1) });
  const weighted = ctx.op('Mul', [g, ctx.reshapeLike(shares, y)]);
  const placed = pairs(ctx, place(weighted), x);
  const summed = ctx.op('Add', [member(ctx, placed, 0), member(ctx, placed, 1)]);
  const deltaIn = pairDifference(ctx, x);
  return [chooseByDelta(ctx, deltaIn, ordinary, safeDivide(ctx, summed, deltaIn), x)];
};

export const deepLiftRules: Record<string, VjpRule> = {
  Relu: rescale('Relu'),
  LeakyRelu: rescale('LeakyRelu'),
  Sigmoid: rescale('Sigmoid'),
  Tanh: rescale('Tanh'),
  MaxPool: maxPoolRescale,
};
