/**
 * DeepLIFT with the rescale rule (Shrikumar et al. 2017), Captum's `DeepLift` semantics:
 *   attribution = (x − b) ⊙ m,
 * where m is the "gradient" of the target computed with DeepLIFT's backward rules — each
 * nonlinearity multiplies by Δy/Δx between input and baseline (its ordinary derivative where
 * |Δx| < 1e-10), MaxPool by Captum's maxpool rule; see src/onnx/autodiff/deeplift-rules.ts.
 * Baseline default 0 (a number, one example, or a tensor of the inputs' shape).
 *
 * Input i and its baseline go to the model as the row pair (2i, 2i + 1) of one batch with the same
 * cotangent (Captum stacks [inputs; baselines] the same way); the paired model keeps pairs in one
 * ONNX Runtime call. The outputs of the same call give Captum's convergence delta per input,
 *   Σ attribution − (f(x) − f(b)),
 * which is zero up to float rounding when every nonlinearity has a rescale rule.
 */
import { sizeOf, tensor } from '../tensor/tensor.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, weightedOutput } from './explainer.js';
import { expandBaseline, type Baseline } from './common/baselines.js';
import { groupedTargetVjp } from './common/target-gradient.js';
import { completenessFromDelta } from './common/completeness.js';
import { modelWithRules } from './modified-backward.js';

export interface DeepLiftOptions extends ExplainOptions {
  /** Reference input: a value, one example, or a tensor of the inputs' shape (default 0). */
  baseline?: Baseline;
}

export const DEEPLIFT_OPTIONS = declareOptions<DeepLiftOptions>([
  { key: 'baseline', flag: '--baseline', kind: 'number', default: 0, help: 'reference input (a constant image)' },
]);

export const deepLift: Explainer<DeepLiftOptions> = {
  name: 'deeplift',
  description: "DeepLIFT, rescale rule (Captum's DeepLift): (x − baseline) ⊙ multipliers Δy/Δx through every ReLU/Sigmoid/Tanh/LeakyReLU/MaxPool (baseline 0); extras.convergenceDelta per image",
  options: DEEPLIFT_OPTIONS,
  output: 'input',
  needs: { backwardRules: true },
  usesTarget: true,
  usesSeed: false,
  completeness: true,
  async attribute(model, inputs, options = {}) {
    const paired = modelWithRules(model, 'deeplift', 'deeplift');
    const base = expandBaseline(options.baseline, inputs, 'deeplift');
    const n = inputs.shape[0];
    const d = sizeOf(inputs.shape.slice(1));
    const rows = new Float32Array(2 * n * d);
    for (let i = 0; i < n; i++) {
      rows.set(inputs.data.subarray(i * d, (i + 1) * d), 2 * i * d);
      rows.set(base.subarray(i * d, (i + 1) * d), (2 * i + 1) * d);
    }
    // The predicted class (no target) is the input row's, chosen in the same pass: no forward pass first.
    const { output, inputGrad, cotangent, classes } = await groupedTargetVjp(paired, inputs, tensor([2 * n, ...inputs.shape.slice(1)], rows), 2, options.target);
    const scores = weightedOutput(output, cotangent, (r) => Math.floor(r / 2));
    const values = new Float32Array(n * d);
    const delta = new Array<number>(n);
    const sums = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const v = (inputs.data[i * d + j] - base[i * d + j]) * inputGrad.data[2 * i * d + j];
        values[i * d + j] = v;
        sum += v;
      }
      sums[i] = sum;
      delta[i] = sum - (scores[2 * i] - scores[2 * i + 1]);
    }
    return { method: 'deeplift', values: tensor(inputs.shape, values), targets: classes, extras: { convergenceDelta: delta, completeness: completenessFromDelta(sums, delta) } };
  },
};
