/**
 * Guided backpropagation's ReLU (Springenberg et al. 2015, Captum's GuidedBackprop): the ordinary
 * ReLU gradient Where(y > 0, g, 0) with its negative part removed, ReLU(Where(y > 0, g, 0)).
 * Every other op keeps its ordinary rule.
 */
import type { VjpRule } from './context.js';

const guidedRelu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const positive = ctx.op('Greater', [ctx.node.outputs[0], ctx.zero()]);
  return [ctx.op('Relu', [ctx.op('Where', [positive, g, ctx.zero()])])];
};

export const guidedBackpropRules: Record<string, VjpRule> = { Relu: guidedRelu };
