/** Input-gradient saliency (Simonyan et al. 2013): |∂ output_target / ∂ x|, Captum's `Saliency`. */
import { tensor } from '../tensor/tensor.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { resolveTarget } from './explainer.js';

export interface SaliencyOptions extends ExplainOptions {
  /** Absolute value of the gradient (Captum's default: true). */
  abs?: boolean;
}

export const saliency: Explainer<SaliencyOptions> = {
  name: 'saliency',
  description: 'input-gradient saliency |d output[target] / d input| (abs=true by default, as in Captum)',
  async attribute(model, inputs, options = {}) {
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
    const { inputGrad } = await model.vjp(inputs, cotangent);
    const values = options.abs === false ? inputGrad : tensor(inputGrad.shape, inputGrad.data.map(Math.abs));
    return { method: 'saliency', values, targets: classes };
  },
};
