/**
 * ReLU backward as Where(y > 0, dy, 0). Comparing the *output* keeps ORT's Conv+ReLU fusion
 * intact, and Where beats Mul(Cast(mask)) because ORT's Cast is not vectorised.
 */
import type { VjpRule } from './context.js';
import { poolsReluAlone } from './max-pool.js';

/** How the mask is applied (bench/profile-gradients.ts compares them): Where(y > 0, dy, 0), or dy · Sign(y) (y ≥ 0, so Sign is the 0/1 mask). */
export const reluGradientForms: { mask: 'where' | 'sign' } = { mask: 'where' };

const relu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  // Its only reader, a MaxPool (any window geometry), has already applied this mask at pooled resolution.
  const [reader] = ctx.consumers(ctx.node.outputs[0]);
  if (reader?.opType === 'MaxPool' && !reader.outputs[1] && poolsReluAlone(ctx, reader)) return [g];
  if (reluGradientForms.mask === 'sign') return [ctx.op('Mul', [g, ctx.op('Sign', [ctx.node.outputs[0]])])];
  const positive = ctx.op('Greater', [ctx.node.outputs[0], ctx.zero()]);
  return [ctx.op('Where', [positive, g, ctx.zero()])];
};

export const reluRules: Record<string, VjpRule> = { Relu: relu };
