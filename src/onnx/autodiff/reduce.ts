/**
 * ReduceSum and ReduceMean: the gradient spreads each reduced cotangent back over the elements it
 * summed (÷ count for the mean). The axes are an attribute up to opset 12 (ReduceSum) / 17
 * (ReduceMean) and an optional input afterwards; no axes means every axis, unless
 * noop_with_empty_axes makes the op the identity.
 */
import { intAttr, intsAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

function reducedAxes(ctx: VjpContext, rank: number): number[] | null {
  const fromInput = ctx.node.inputs[1];
  let axes: readonly number[] | undefined = intsAttr(ctx.node, 'axes');
  if (!axes && fromInput) {
    const values = ctx.constantInts(fromInput);
    if (!values || values.some((v) => v === null)) ctx.fail(`axes '${fromInput}' are not a constant; the gradient needs them at build time`);
    axes = values as number[];
  }
  if (!axes || axes.length === 0) {
    if (intAttr(ctx.node, 'noop_with_empty_axes', 0) === 1) return null;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
}

function reduceRule(mean: boolean): VjpRule {
  return (ctx, [g]) => {
    if (!g || !ctx.needsGrad(0)) return [null, null];
    const x = ctx.node.inputs[0];
    const shape = ctx.shape(x);
    const axes = reducedAxes(ctx, shape.length);
    if (axes === null) return [g, null];
    const kept = intAttr(ctx.node, 'keepdims', 1) === 1 ? g : ctx.unsqueeze(g, axes);
    let spread = ctx.op('Expand', [kept, ctx.shapeOf(x)]);
    if (mean) {
      const count = axes.reduce((p, a) => p * shape[a], 1);
      if (axes.some((a) => shape[a] < 0)) ctx.fail('ReduceMean over an axis of run-time size (the batch) has no static element count; reduce over static axes only');
      spread = ctx.op('Mul', [spread, ctx.constFloat([1 / count])]);
    }
    return [spread, null];
  };
}

export const reduceRules: Record<string, VjpRule> = { ReduceSum: reduceRule(false), ReduceMean: reduceRule(true) };
