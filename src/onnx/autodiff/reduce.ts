/**
 * ReduceSum and ReduceMean: the gradient spreads each reduced cotangent back over the elements it
 * summed (÷ count for the mean). ReduceMax and ReduceMin: each reduced cotangent goes to the
 * elements that attain the extremum, split evenly among ties — PyTorch's `amax`/`amin` backward
 * (derivatives.yaml: scale_grad_by_count(…, result == self, dim)), which is also `max(x)` without a
 * dim (evenly_distribute_backward). (`max(x, dim)` picks one index instead; torch exports it as
 * ReduceMax + ArgMax, and only the values' gradient is defined here.) The axes are an attribute up
 * to opset 12 (ReduceSum) / 17 (the others) and an optional input afterwards; no axes means every
 * axis, unless noop_with_empty_axes makes the op the identity. ReduceL2 below.
 */
import { DataType, attr, intAttr, intsAttr } from '../graph.js';
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

/** "Attains the extremum" is ¬(x < y) for the max and ¬(x > y) for the min: no Equal on floats (opset ≥ 11 only). */
function extremeRule(max: boolean): VjpRule {
  return (ctx, [g]) => {
    if (!g || !ctx.needsGrad(0)) return [null, null];
    const x = ctx.node.inputs[0];
    const y = ctx.node.outputs[0];
    const axes = reducedAxes(ctx, ctx.shape(x).length);
    if (axes === null) return [g, null];
    const keep = intAttr(ctx.node, 'keepdims', 1) === 1;
    const yKept = keep ? y : ctx.unsqueeze(y, axes);
    const gKept = keep ? g : ctx.unsqueeze(g, axes);
    const attains = ctx.op('Not', [ctx.op(max ? 'Less' : 'Greater', [x, yKept])]);
    const count = ctx.reduceSum(ctx.op('Cast', [attains], { to: attr.int(DataType.FLOAT) }), axes, true);
    return [ctx.op('Where', [attains, ctx.op('Div', [gKept, count]), ctx.zero()]), null];
  };
}

/**
 * ReduceL2 (F.normalize exports it): y = √Σx², ∂y/∂x = x / y; 0 where y = 0 (PyTorch's norm
 * backward masks the zero norm the same way).
 */
const reduceL2: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null, null];
  const x = ctx.node.inputs[0];
  const y = ctx.node.outputs[0];
  const axes = reducedAxes(ctx, ctx.shape(x).length);
  if (axes === null) return [ctx.op('Mul', [g, ctx.op('Sign', [x])]), null];
  const keep = intAttr(ctx.node, 'keepdims', 1) === 1;
  const yKept = keep ? y : ctx.unsqueeze(y, axes);
  const gKept = keep ? g : ctx.unsqueeze(g, axes);
  const positive = ctx.op('Greater', [yKept, ctx.zero()]);
  // Where keeps 0/0 out of the result; the division's NaN lanes are never selected.
  const scale = ctx.op('Where', [positive, ctx.op('Div', [gKept, yKept]), ctx.zero()]);
  return [ctx.op('Mul', [scale, x]), null];
};

export const reduceRules: Record<string, VjpRule> = {
  ReduceL2: reduceL2,
  ReduceSum: reduceRule(false),
  ReduceMean: reduceRule(true),
  ReduceMax: extremeRule(true),
  ReduceMin: extremeRule(false),
};
