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
 * internalBatchSize); only very large batches are split here, by whole inputs.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, sizeOf, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { resolveTarget } from './explainer.js';

export interface GradientShapOptions extends ExplainOptions {
  /** Baseline distribution: [B, ...input shape], one example (...input shape), or a value (default 0). */
  baselines?: number | Tensor;
  /** Samples per input (Captum's n_samples, default 5). */
  samples?: number;
  /** Standard deviation of the Gaussian noise added to each sample, in input units (default 0.0). */
  stdevs?: number;
}

/** Values per model call, at most: bounds the JS-side batch (samples × inputs × pixels). */
const MAX_BATCH_VALUES = 1 << 24;

/** The baseline distribution as B rows of d values. */
function baselineRows(baselines: number | Tensor | undefined, inputs: Tensor): { data: Float32Array; count: number } {
  const tail = inputs.shape.slice(1);
  const d = sizeOf(tail);
  if (baselines === undefined || typeof baselines === 'number') {
    const v = baselines ?? 0;
    if (!Number.isFinite(v)) throw new Error(`gradient-shap baseline must be a finite number (got ${v})`);
    return { data: new Float32Array(d).fill(v), count: 1 };
  }
  if (shapeToString(baselines.shape) === shapeToString(tail)) return { data: baselines.data, count: 1 };
  if (baselines.shape.length === inputs.shape.length && baselines.shape[0] >= 1 && shapeToString(baselines.shape.slice(1)) === shapeToString(tail)) {
    return { data: baselines.data, count: baselines.shape[0] };
  }
  throw new Error(`gradient-shap baselines have shape ${shapeToString(baselines.shape)}; they must be a number, one example ${shapeToString(tail)}, or a distribution [B, ${tail.join(', ')}]`);
}

export const gradientShap: Explainer<GradientShapOptions> = {
  name: 'gradient-shap',
  description: "GradientSHAP: mean over samples of (x' − b) ⊙ grad at b + α(x' − b), b drawn from the baseline distribution, α ~ U(0,1), x' = x + N(0, stdevs²) (samples 5, stdevs 0.0, baselines one all-zero example, seed 0, as Captum's GradientShap)",
  async attribute(model, inputs, options = {}) {
    const samples = options.samples ?? 5;
    const stdevs = options.stdevs ?? 0;
    if (!Number.isInteger(samples) || samples < 1) throw new Error(`gradient-shap: samples must be an integer ≥ 1 (got ${samples})`);
    if (!(Number.isFinite(stdevs) && stdevs >= 0)) throw new Error(`gradient-shap: stdevs must be a number ≥ 0 (got ${stdevs})`);
    const base = baselineRows(options.baselines, inputs);
    const n = inputs.shape[0];
    const tail = inputs.shape.slice(1);
    const d = sizeOf(tail);
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
    const k = cotangent.shape[1];
    const rng = new Random(options.seed ?? 0);
    const values = new Float32Array(n * d);
    const baselineIndex: number[][] = [];
    const alphas: number[][] = [];
    const group = Math.max(1, Math.floor(MAX_BATCH_VALUES / (samples * Math.max(1, d))));
    for (let g0 = 0; g0 < n; g0 += group) {
      const g = Math.min(group, n - g0);
      // Row r·samples + s is sample s of input g0 + r. `diff` keeps x' − b for the product afterwards.
      const batch = new Float32Array(g * samples * d);
      const diff = new Float32Array(g * samples * d);
      const cot = new Float32Array(g * samples * k);
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
          cot.set(cotangent.data.subarray(i * k, (i + 1) * k), (r * samples + s) * k);
        }
        baselineIndex.push(picks);
        alphas.push(as);
      }
      const { inputGrad } = await model.vjp(tensor([g * samples, ...tail], batch), tensor([g * samples, k], cot));
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
