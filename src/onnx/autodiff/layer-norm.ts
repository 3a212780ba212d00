/**
 * LayerNormalization (opset 17): over the axes from `axis` (default −1) to the last,
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = x̂ ⊙ scale + bias,
 * with μ, σ² the mean and (biased) variance over those axes. With ĝ = g ⊙ scale and means over the
 * same axes:
 *   dx = r ⊙ (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)),   dscale = Σ g ⊙ x̂,   dbias = Σ g,
 * the last two summed over the leading (batch, token) axes back to each operand's shape.
 * μ and r are recomputed from x rather than read from the node's optional Mean/InvStdDev outputs:
 * a rule cannot add outputs to a forward node that did not ask for them, and the recomputation costs
 * two reductions.
 */
import { attr, floatAttr, intAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

/** ReduceMean with keepdims over `axes`; its axes moved from an attribute to an input in opset 18. */
export function reduceMeanKeep(ctx: VjpContext, x: string, axes: readonly number[]): string {
  const keep = { keepdims: attr.int(1) };
  if (ctx.opset >= 18) return ctx.op('ReduceMean', [x, ctx.constInt64(axes)], keep);
  return ctx.op('ReduceMean', [x], { ...keep, axes: attr.ints(axes) });
}

const layerNormalization: VjpRule = (ctx, [g, gMean, gInvStd]) => {
  if (gMean || gInvStd) ctx.fail('gradients through the Mean / InvStdDev outputs are not supported; differentiate through Y only');
  if (!g) return [];
  const [x, scale, bias] = ctx.node.inputs;
  const shape = ctx.shape(x);
  const rank = shape.length;
  const raw = intAttr(ctx.node, 'axis', -1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) ctx.fail(`axis ${raw} is out of range for rank ${rank}`);
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  const epsilon = floatAttr(ctx.node, 'epsilon', 1e-5);

  const centred = ctx.op('Sub', [x, reduceMeanKeep(ctx, x, axes)]);
  const variance = reduceMeanKeep(ctx, ctx.op('Mul', [centred, centred]), axes);
  const inverseStd = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.constFloat([epsilon])])])]);
  const normalised = ctx.op('Mul', [centred, inverseStd]);

  let gx: string | null = null;
  if (ctx.needsGrad(0)) {
    const gHat = ctx.op('Mul', [g, scale]);
    const meanG = reduceMeanKeep(ctx, gHat, axes);
    const meanGx = reduceMeanKeep(ctx, ctx.op('Mul', [gHat, normalised]), axes);
    const inner = ctx.op('Sub', [ctx.op('Sub', [gHat, meanG]), ctx.op('Mul', [normalised, meanGx])]);
    gx = ctx.op('Mul', [inner, inverseStd]);
  }
  const gScale = ctx.needsGrad(1) ? ctx.unbroadcast(ctx.op('Mul', [g, normalised]), shape, scale) : null;
  const gBias = bias && ctx.needsGrad(2) ? ctx.unbroadcast(g, shape, bias) : null;
  return [gx, gScale, gBias];
};

export const layerNormRules: Record<string, VjpRule> = { LayerNormalization: layerNormalization };
