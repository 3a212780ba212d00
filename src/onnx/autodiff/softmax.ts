/**
 * Softmax and LogSoftmax, from their outputs y:
 *   Softmax:    dx = y ⊙ (g − Σ g⊙y)   = g⊙y − y·Σ(g⊙y)
 *   LogSoftmax: dx = g − exp(y) · Σ g
 * with the sums (keepdims) over the normalised axes. From opset 13 that is the single `axis`
 * (default −1). Earlier opsets coerce the input to 2-D [prod(d[:axis]), prod(d[axis:])] and
 * normalise whole rows, i.e. over every axis from `axis` on (default 1).
 */
import { intAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

function normalisedAxes(ctx: VjpContext): number[] {
  const rank = ctx.shape(ctx.node.inputs[0]).length;
  const raw = intAttr(ctx.node, 'axis', ctx.opset >= 13 ? -1 : 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) ctx.fail(`axis ${raw} is out of range for rank ${rank}`);
  if (ctx.opset >= 13) return [axis];
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}

const softmax: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const y = ctx.node.outputs[0];
  const gy = ctx.op('Mul', [g, y]);
  const total = ctx.reduceSum(gy, normalisedAxes(ctx), true);
  return [ctx.op('Sub', [gy, ctx.op('Mul', [y, total])])];
};

const logSoftmax: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const y = ctx.node.outputs[0];
  const total = ctx.reduceSum(g, normalisedAxes(ctx), true);
  return [ctx.op('Sub', [g, ctx.op('Mul', [ctx.op('Exp', [y]), total])])];
};

export const softmaxRules: Record<string, VjpRule> = { Softmax: softmax, LogSoftmax: logSoftmax };
