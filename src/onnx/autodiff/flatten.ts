/** Flatten and Reshape only move values: the gradient is reshaped back to the input's shape. */
import type { VjpRule } from './context.js';

const reshapeBack: VjpRule = (ctx, [g]) => [g && ctx.needsGrad(0) ? ctx.reshapeLike(g, ctx.node.inputs[0]) : null, null];

export const flattenRules: Record<string, VjpRule> = { Flatten: reshapeBack, Reshape: reshapeBack };
