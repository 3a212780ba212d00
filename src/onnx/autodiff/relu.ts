/**
 * ReLU backward: dy where y > 0, else 0 (positive-mask.ts: a 0/1 mask ORT keeps in its blocked
 * layout, or Where(y > 0, dy, 0)). Comparing the *output* keeps ORT's Conv+ReLU fusion intact.
 */
import type { VjpRule } from './context.js';
import { poolsReluAlone } from './max-pool.js';
import { maskPositive } from './positive-mask.js';

const relu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  // Its only reader, a MaxPool (any window geometry), has already applied this mask at pooled resolution.
  const [reader] = ctx.consumers(ctx.node.outputs[0]);
  if (reader?.opType === 'MaxPool' && !reader.outputs[1] && poolsReluAlone(ctx, reader)) return [g];
  return [maskPositive(ctx, ctx.node.outputs[0], g)];
};

export const reluRules: Record<string, VjpRule> = { Relu: relu };
