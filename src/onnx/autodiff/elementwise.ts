/**
 * Binary arithmetic with ONNX multidirectional broadcasting: each operand's gradient is computed at
 * the broadcast shape and then summed back to the operand's own shape (ctx.unbroadcast).
 */
import type { VjpContext, VjpRule } from './context.js';

function operandGrads(ctx: VjpContext, forA: () => string, forB: () => string): (string | null)[] {
  const [a, b] = ctx.node.inputs;
  const outShape = ctx.shape(ctx.node.outputs[0]);
  return [
    ctx.needsGrad(0) ? ctx.unbroadcast(forA(), outShape, a) : null,
    ctx.needsGrad(1) ? ctx.unbroadcast(forB(), outShape, b) : null,
  ];
}

const add: VjpRule = (ctx, [g]) => (g ? operandGrads(ctx, () => g, () => g) : []);

const sub: VjpRule = (ctx, [g]) => (g ? operandGrads(ctx, () => g, () => ctx.op('Neg', [g])) : []);

const mul: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [a, b] = ctx.node.inputs;
  return operandGrads(ctx, () => ctx.op('Mul', [g, b]), () => ctx.op('Mul', [g, a]));
};

/** y = a / b: dy/da = 1/b and dy/db = −a/b² = −(1/b)·y, so g/b serves both. */
const div: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [, b] = ctx.node.inputs;
  let gOverB: string | undefined;
  const shared = () => (gOverB ??= ctx.op('Div', [g, b]));
  return operandGrads(ctx, shared, () => ctx.op('Neg', [ctx.op('Mul', [shared(), ctx.node.outputs[0]])]));
};

const neg: VjpRule = (ctx, [g]) => [g && ctx.needsGrad(0) ? ctx.op('Neg', [g]) : null];

export const elementwiseRules: Record<string, VjpRule> = { Add: add, Sub: sub, Mul: mul, Div: div, Neg: neg };
