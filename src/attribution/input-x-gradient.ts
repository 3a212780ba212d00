/**
 * Input × Gradient (Shrikumar et al. 2016), Captum's `InputXGradient`: x ⊙ ∂ output_target / ∂x.
 * No absolute value (unlike saliency): the sign says whether a feature pushed the output up or down,
 * measured against an implicit all-zero baseline.
 */
import { tensor } from '../tensor/tensor.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { targetVjp } from './common/target-gradient.js';

export const inputXGradient: Explainer<ExplainOptions> = {
  name: 'input-x-gradient',
  description: 'input × gradient x ⊙ d output[target] / d input (signed, as Captum\'s InputXGradient)',
  options: [],
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: false,
  async attribute(model, inputs, options = {}) {
    const { inputGrad, classes } = await targetVjp(model, inputs, options.target);
    const values = new Float32Array(inputs.data.length);
    for (let i = 0; i < values.length; i++) values[i] = inputs.data[i] * inputGrad.data[i];
    return { method: 'input-x-gradient', values: tensor(inputs.shape, values), targets: classes };
  },
};
