/**
 * GradientSHAP (Lundberg & Lee 2017) with Captum's semantics (`GradientShap`): a SmoothGrad-style
 * noise tunnel around `InputBaselineXGradient`. For every input x and every sample s:
 *   x'   = x + N(0, stdevs²)                     (Captum's NoiseTunnel noise, in input units)
 *   b    = a baseline drawn uniformly, with replacement, from the baseline distribution
 *   α    ~ U(0, 1)
 *   a_s  = (x' − b) ⊙ ∂f_target/∂x (b + α (x' − b))
 * and the attribution is mean_s a_s. As in Captum the multiplier is (x' − b), the noisy input, not
 * (x − b): InputBaselineXGradient only ever sees the noisy copy. On a linear model the gradient is
 * constant, so with stdevs 0 the result is exactly mean_s (x − b_s) ⊙ w whatever the α's.
 *
 * Defaults as Captum: 5 samples, stdevs 0.0; baseline distribution default: one all-zero example.
 * Random draws come from the seeded Random (options.seed, default 0) in the order input, sample, then
 * (noise for every value when stdevs > 0, baseline index, α). The draws are returned in extras.
 *
 * Every sample of every input goes to model.vjp as one batch (the model splits it by its
 * internalBatchSize); only batches beyond MAX_BATCH_VALUES are split here, by whole inputs.
 */
import { sizeOf, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, resolveTarget } from './explainer.js';
import { baselineDistribution, type Baseline } from './common/baselines.js';
import { inputsPerBatch } from './common/batching.js';
import { cotangentRows } from './common/target.js';

export interface GradientShapOptions extends ExplainOptions {
  /** Baseline distribution: [B, ...input shape], one example (...input shape), or a value (default 0). */
  baselines?: Baseline;
  /** Samples per input (Captum's n_samples, default 5; named as the noise tunnel's, whose flag it shares). */
  ntSamples?: number;
  /** Standard deviation of the Gaussian noise added to each sample, in input units (default 0.0). */
  stdevs?: number;
}

export const GRADIENT_SHAP_OPTIONS = declareOptions<GradientShapOptions>([
  { key: 'ntSamples', flag: '--nt-samples', kind: 'integer', min: 1, default: 5, help: "samples per image (Captum's n_samples)" },
  { key: 'stdevs', flag: '--stdevs', kind: 'number', min: 0, default: 0, placeholder: '<sigma>', help: 'noise standard deviation in input units' },
  { key: 'baselines', flag: '--baselines', kind: 'array-file', placeholder: '<file.npy>', help: 'baseline distribution (B, C, H, W) or one baseline (C, H, W) to draw from (default one all-zero image)' },
]);

export const gradientShap: Explainer<GradientShapOptions> = {
  name: 'gradient-shap',
  description: "GradientSHAP: mean over samples of (x' − b) ⊙ grad at b + α(x' − b), b drawn from the baseline distribution, α ~ U(0,1), x' = x + N(0, stdevs²) (samples 5, stdevs 0.0, baselines one all-zero example, as Captum's GradientShap)",
  options: GRADIENT_SHAP_OPTIONS,
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: true,
  async attribute(model, inputs, options = {}) {
    const samples = options.ntSamples ?? 5;
    const stdevs = options.stdevs ?? 0;
    if (!Number.isInteger(samples) || samples < 1) throw new Error(`gradient-shap: ntSamples must be an integer ≥ 1 (got ${samples})`);
    if (!(Number.isFinite(stdevs) && stdevs >= 0)) throw new Error(`gradient-shap: stdevs must be a number ≥ 0 (got ${stdevs})`);
    const base = baselineDistribution(options.baselines, inputs, 'gradient-shap');
    const n = inputs.shape[0];
    const tail = inputs.shape.slice(1);
    const d = sizeOf(tail);
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
    const rng = new Random(options.seed ?? 0);
    const values = new Float32Array(n * d);
    const baselineIndex: number[][] = [];
    const alphas: number[][] = [];
    const group = inputsPerBatch(samples, d);
    for (let g0 = 0; g0 < n; g0 += group) {
      const g = Math.min(group, n - g0);
      // Row r·samples + s is sample s of input g0 + r. `diff` keeps x' − b for the product afterwards.
      const batch = new Float32Array(g * samples * d);
      const diff = new Float32Array(g * samples * d);
      for (let r = 0; r < g; r++) {
        const i = g0 + r;
        const x = inputs.data.subarray(i * d, (i + 1) * d);
        const picks: number[] = [];
        const as: number[] = [];
        for (let s = 0; s < samples; s++) {
          const row = (r * samples + s) * d;
          const noisy = diff.subarray(row, row + d);
          noisy.set(x);
          if (stdevs > 0) for (let j = 0; j < d; j++) noisy[j] += rng.normal(0, stdevs);
          const pick = rng.int(0, base.count);
          const alpha = rng.next();
          picks.push(pick);
          as.push(alpha);
          const b = base.data.subarray(pick * d, (pick + 1) * d);
          for (let j = 0; j < d; j++) {
            // Captum's scaling α·x' + (1 − α)·b, then x' − b for the multiplier.
            batch[row + j] = alpha * noisy[j] + (1 - alpha) * b[j];
            noisy[j] -= b[j];
          }
        }
        baselineIndex.push(picks);
        alphas.push(as);
      }
      const cot = cotangentRows(cotangent, g * samples, (row) => g0 + Math.floor(row / samples));
      const { inputGrad } = await model.vjp(tensor([g * samples, ...tail], batch), cot);
      for (let r = 0; r < g; r++) {
        const i = g0 + r;
        for (let j = 0; j < d; j++) {
          let sum = 0;
          for (let s = 0; s < samples; s++) {
            const at = (r * samples + s) * d + j;
            sum += diff[at] * inputGrad.data[at];
          }
          values[i * d + j] = sum / samples;
        }
      }
    }
    return {
      method: 'gradient-shap',
      values: tensor(inputs.shape, values),
      targets: classes,
      extras: { samples, stdevs, baselineCount: base.count, baselineIndex, alphas },
    };
  },
};
