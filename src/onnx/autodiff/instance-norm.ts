/**
 * Per-sample normalisations over channel groups (U-Nets, style-transfer and diffusion-style nets):
 * - InstanceNormalization (opset 6): each (sample, channel) plane normalised over its spatial axes,
 *   then y = x̂·scale[c] + B[c];
 * - GroupNormalization (opset 18): the C channels split into num_groups consecutive groups, each
 *   (sample, group) normalised over its channels and spatial axes; scale and bias are per group at
 *   opsets 18–20 and per channel from opset 21 (told apart by their length).
 * torch exports nn.GroupNorm at every opset as Reshape [N, G, −1] → InstanceNormalization (unit
 * scale, zero bias) → Reshape back → Mul(weight) → Add(bias), which these rules and the
 * Reshape/Mul/Add ones cover.
 * With x̂ = (x − μ)·r, r = 1/√(σ² + ε) (biased variance) over a normalised block and ĝ = g·scale:
 *   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),   dscale = Σ g·x̂,   dbias = Σ g,
 * the means over the block and the sums over the batch and the block (LayerNormalization's
 * gradient, see layer-norm.ts, with per-channel affine parameters).
 */
import { floatAttr, intAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';
import { reduceMeanKeep } from './layer-norm.js';

interface Blocks {
  /** x (or g) viewed so that each normalised block lies along `axes`. */
  view(v: string): string;
  /** Back to x's layout. */
  unview(v: string): string;
  axes: number[];
}

/** x̂ in x's layout (for the parameter gradients) and, in the blocks' view, r and x̂ (for dx). */
function normalise(ctx: VjpContext, x: string, blocks: Blocks, eps: number): { normalised: string; inverseStd: string; normalisedView: string } {
  const xv = blocks.view(x);
  const centred = ctx.op('Sub', [xv, reduceMeanKeep(ctx, xv, blocks.axes)]);
  const variance = reduceMeanKeep(ctx, ctx.op('Mul', [centred, centred]), blocks.axes);
  const inverseStd = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.constFloat([eps])])])]);
  const normalisedView = ctx.op('Mul', [centred, inverseStd]);
  return { normalised: blocks.unview(normalisedView), inverseStd, normalisedView };
}

/** dx in x's layout from ĝ = g·scale (in x's layout). */
function inputGradient(ctx: VjpContext, gHat: string, blocks: Blocks, inverseStd: string, normalisedView: string): string {
  const gv = blocks.view(gHat);
  const meanG = reduceMeanKeep(ctx, gv, blocks.axes);
  const meanGx = reduceMeanKeep(ctx, ctx.op('Mul', [gv, normalisedView]), blocks.axes);
  const inner = ctx.op('Sub', [ctx.op('Sub', [gv, meanG]), ctx.op('Mul', [normalisedView, meanGx])]);
  return blocks.unview(ctx.op('Mul', [inner, inverseStd]));
}

/** A [C] vector as [C, 1, …, 1], to broadcast against [N, C, spatial…]. */
function perChannel(ctx: VjpContext, v: string, rank: number): string {
  return rank > 2 ? ctx.unsqueeze(v, Array.from({ length: rank - 2 }, (_, i) => i + 1)) : v;
}

const instanceNormalization: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [x, scale] = ctx.node.inputs;
  const rank = ctx.shape(x).length;
  if (rank < 3) ctx.fail(`the input has rank ${rank}; InstanceNormalization needs [N, C, spatial…]`);
  const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  const blocks: Blocks = { view: (v) => v, unview: (v) => v, axes: spatial };
  const { normalised, inverseStd, normalisedView } = normalise(ctx, x, blocks, floatAttr(ctx.node, 'epsilon', 1e-5));
  const gx = ctx.needsGrad(0) ? inputGradient(ctx, ctx.op('Mul', [g, perChannel(ctx, scale, rank)]), blocks, inverseStd, normalisedView) : null;
  const sumAxes = [0, ...spatial];
  const gScale = ctx.needsGrad(1) ? ctx.reduceSum(ctx.op('Mul', [g, normalised]), sumAxes, false) : null;
  const gBias = ctx.needsGrad(2) ? ctx.reduceSum(g, sumAxes, false) : null;
  return [gx, gScale, gBias];
};

const groupNormalization: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [x, scale] = ctx.node.inputs;
  const shape = ctx.shape(x);
  const rank = shape.length;
  const channels = shape[1];
  const groups = intAttr(ctx.node, 'num_groups', 0);
  if (rank < 2 || channels < 0) ctx.fail('GroupNormalization needs [N, C, …] with a static channel count');
  if (groups <= 0 || channels % groups !== 0) ctx.fail(`num_groups ${groups} does not divide the ${channels} channels`);
  const [scaleLength] = ctx.shape(scale);
  const perGroup = scaleLength !== channels;
  if (perGroup && scaleLength !== groups) ctx.fail(`scale has ${scaleLength} values; expected num_groups (${groups}, opset 18) or C (${channels}, opset 21)`);
  const size = channels / groups;

  const blocks: Blocks = {
    view: (v) => ctx.op('Reshape', [v, ctx.constInt64([0, groups, -1])]),
    unview: (v) => ctx.reshapeLike(v, x),
    axes: [2],
  };
  const { normalised, inverseStd, normalisedView } = normalise(ctx, x, blocks, floatAttr(ctx.node, 'epsilon', 1e-5));
  // Per-group parameters repeated over each group's channels: [G] → [G, C/G] → [C].
  const channelwise = (v: string) => (perGroup ? ctx.op('Reshape', [ctx.op('Expand', [ctx.unsqueeze(v, [1]), ctx.constInt64([groups, size])]), ctx.constInt64([channels])]) : v);
  // Per-channel sums [C] folded to per-group ones [G] when the parameters are per group.
  const groupwise = (v: string) => (perGroup ? ctx.reduceSum(ctx.op('Reshape', [v, ctx.constInt64([groups, size])]), [1], false) : v);
  const sumAxes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];

  const gx = ctx.needsGrad(0) ? inputGradient(ctx, ctx.op('Mul', [g, perChannel(ctx, channelwise(scale), rank)]), blocks, inverseStd, normalisedView) : null;
  const gScale = ctx.needsGrad(1) ? groupwise(ctx.reduceSum(ctx.op('Mul', [g, normalised]), sumAxes, false)) : null;
  const gBias = ctx.needsGrad(2) ? groupwise(ctx.reduceSum(g, sumAxes, false)) : null;
  return [gx, gScale, gBias];
};

export const instanceNormRules: Record<string, VjpRule> = { InstanceNormalization: instanceNormalization, GroupNormalization: groupNormalization };
