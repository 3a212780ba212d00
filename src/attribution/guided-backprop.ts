/**
 * Guided backpropagation (Springenberg et al. 2015) with Captum's `GuidedBackprop` semantics: the
 * gradient of the target, except that every ReLU passes back only the positive part of its
 * ordinary gradient, ReLU(g · 1[x > 0]) (only ONNX Relu nodes; other activations keep their
 * gradient, as Captum hooks only nn.ReLU). Signed, no absolute value. For a net without ReLU it
 * equals the signed saliency.
 */
import type { Explainer, ExplainOptions } from './explainer.js';
import { targetVjp } from './common/target-gradient.js';
import { modelWithRules } from './modified-backward.js';

export const guidedBackprop: Explainer<ExplainOptions> = {
  name: 'guided-backprop',
  description: "guided backpropagation: the target's gradient with each ReLU passing back only positive gradients (signed, as Captum's GuidedBackprop)",
  options: [],
  output: 'input',
  needs: { backwardRules: true },
  usesTarget: true,
  usesSeed: false,
  async attribute(model, inputs, options = {}) {
    const guided = modelWithRules(model, 'guided-backprop', 'guided-backprop');
    // The guided rules change the backward pass only: the predicted class is the plain model's.
    const { inputGrad, classes } = await targetVjp(guided, inputs, options.target);
    return { method: 'guided-backprop', values: inputGrad, targets: classes };
  },
};
