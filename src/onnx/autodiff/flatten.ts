/** Flatten and Reshape only move values: the gradient is reshaped back to the input's shape. */
import type { VjpRule } from './context.js';

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Back to the input's shape. When both shapes lead with the run-time batch and the rest hold the
 * same number of values, the batch is the same, and a constant target with 0 ("copy this
 * dimension") keeps its symbolic name through ONNX shape inference (Shape(x) would lose it; ORT's
 * blocked-layout pass needs it to prove two gradients the same shape).
 */
const reshapeBack: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null, null];
  const x = ctx.node.inputs[0];
  const xs = ctx.tryShape(x);
  const ys = ctx.tryShape(ctx.node.outputs[0]);
  const rest = (s: readonly number[]) => s.slice(1).every((d) => d >= 0);
  if (xs && ys && xs[0] < 0 && ys[0] < 0 && rest(xs) && rest(ys) && size(xs.slice(1)) === size(ys.slice(1))) {
    return [ctx.op('Reshape', [g, ctx.constInt64([0, ...xs.slice(1)])]), null];
  }
  return [ctx.reshapeLike(g, x), null];
};

export const flattenRules: Record<string, VjpRule> = { Flatten: reshapeBack, Reshape: reshapeBack };
