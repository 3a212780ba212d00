/**
 * Pointwise activations. Each derivative is written in terms of the forward *output* where that is
 * cheaper (σ' = y(1 − y), tanh' = 1 − y²): the output is already computed, and reading it instead of
 * the input lets ORT keep Conv+activation fusions in the forward part of the graph.
 */
import { floatAttr } from '../graph.js';
import type { VjpRule } from './context.js';

/** y = x for x ≥ 0, αx otherwise; the slope is chosen with Where (no Cast, see relu.ts). */
const leakyRelu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const alpha = floatAttr(ctx.node, 'alpha', 0.01);
  // For α > 0 the output has the sign of the input; otherwise only the input tells the branch.
  const probe = alpha > 0 ? ctx.node.outputs[0] : ctx.node.inputs[0];
  const positive = ctx.op('Greater', [probe, ctx.zero()]);
  const scaled = ctx.op('Mul', [g, ctx.constFloat([alpha])]);
  return [ctx.op('Where', [positive, g, scaled])];
};

const sigmoid: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const y = ctx.node.outputs[0];
  const slope = ctx.op('Mul', [y, ctx.op('Sub', [ctx.constFloat([1]), y])]);
  return [ctx.op('Mul', [g, slope])];
};

const tanh: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const y = ctx.node.outputs[0];
  const slope = ctx.op('Sub', [ctx.constFloat([1]), ctx.op('Mul', [y, y])]);
  return [ctx.op('Mul', [g, slope])];
};

export const activationRules: Record<string, VjpRule> = { LeakyRelu: leakyRelu, Sigmoid: sigmoid, Tanh: tanh };
