/**
 * BatchNormalization in inference mode: y = scale·(x − mean)/√(var + ε) + bias per channel (axis 1).
 * With k = scale/√(var + ε): dx = k·g, dscale = Σ g·(x − mean)/√(var + ε), dbias = Σ g, the sums
 * running over every axis but the channel axis. The running mean and variance are statistics, not
 * trained parameters: they get no gradient (a request for one yields zeros).
 */
import { floatTensorValue, floatAttr, intAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

/** 1/√(var + ε) as a constant when the variance is frozen, else as nodes. */
function inverseStd(ctx: VjpContext, variance: string, eps: number): string {
  const frozen = ctx.initializer(variance);
  if (frozen) {
    const v = frozen.data as Float32Array;
    return ctx.addInitializer(`${variance}_inv_std`, floatTensorValue(frozen.dims, Array.from(v, (x) => 1 / Math.sqrt(x + eps))));
  }
  return ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.constFloat([eps])])])]);
}

const batchNormalization: VjpRule = (ctx, gradOutputs) => {
  const [g] = gradOutputs;
  if (gradOutputs.slice(1).some((o) => o !== null)) ctx.fail('gradients through the running-statistics outputs are not supported');
  if (!g) return [];
  if (intAttr(ctx.node, 'training_mode', 0) === 1) ctx.fail('training-mode BatchNormalization (batch statistics) is not supported; export the model in eval mode');
  if (ctx.opset < 9 && intAttr(ctx.node, 'spatial', 1) === 0) ctx.fail('spatial = 0 (per-position statistics) is not supported');
  const [x, scale, , mean, variance] = ctx.node.inputs;
  const rank = ctx.shape(x).length;
  const eps = floatAttr(ctx.node, 'epsilon', 1e-5);
  const inv = inverseStd(ctx, variance, eps);
  // Per-channel [C] vectors broadcast against NC… once given trailing unit axes.
  const spatialAxes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  const perChannel = (v: string) => (spatialAxes.length > 0 ? ctx.unsqueeze(v, spatialAxes.map((a) => a - 1)) : v);
  const reduceAxes = [0, ...spatialAxes];

  const gx = ctx.needsGrad(0) ? ctx.op('Mul', [g, perChannel(ctx.op('Mul', [scale, inv]))]) : null;
  let gScale: string | null = null;
  if (ctx.needsGrad(1)) {
    // Reduce first, then scale: one full-size product instead of two.
    const centred = ctx.op('Sub', [x, perChannel(mean)]);
    gScale = ctx.op('Mul', [ctx.reduceSum(ctx.op('Mul', [g, centred]), reduceAxes, false), inv]);
  }
  const gBias = ctx.needsGrad(2) ? ctx.reduceSum(g, reduceAxes, false) : null;
  return [gx, gScale, gBias, null, null];
};

export const batchNormRules: Record<string, VjpRule> = { BatchNormalization: batchNormalization };
