/** Input-gradient saliency (Simonyan et al. 2013): |∂ output_target / ∂ x|, Captum's `Saliency`. */
import { tensor } from '../tensor/tensor.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions } from './explainer.js';
import { targetVjp } from './common/target-gradient.js';

export interface SaliencyOptions extends ExplainOptions {
  /** Absolute value of the gradient (Captum's default: true). */
  abs?: boolean;
}

export const SALIENCY_OPTIONS = declareOptions<SaliencyOptions>([
  // A switch turns its default around: --signed sets abs to false.
  { key: 'abs', flag: '--signed', kind: 'boolean', default: true, help: "keep the gradient's sign (Captum's abs=False; without it |gradient|)" },
]);

/** |g| elementwise: a plain loop, 5–8× cheaper than `map(Math.abs)`'s call per value on SmoothGrad's millions. */
function absolute(g: Float32Array): Float32Array {
  const out = new Float32Array(g.length);
  for (let j = 0; j < g.length; j++) out[j] = Math.abs(g[j]);
  return out;
}

export const saliency: Explainer<SaliencyOptions> = {
  name: 'saliency',
  description: 'input-gradient saliency |d output[target] / d input| (abs=true by default, as in Captum)',
  options: SALIENCY_OPTIONS,
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: false,
  async attribute(model, inputs, options = {}) {
    // The predicted class (no target) comes from the gradient pass itself: no forward pass first.
    const { inputGrad, classes } = await targetVjp(model, inputs, options.target);
    const values = options.abs === false ? inputGrad : tensor(inputGrad.shape, absolute(inputGrad.data));
    return { method: 'saliency', values, targets: classes };
  },
};
