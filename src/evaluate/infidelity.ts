/**
 * Explanation infidelity (Yeh et al., NeurIPS 2019) with Captum's definition (captum.metrics.infidelity):
 *     INFD(a, f, x) = E_I[ (Iᵀ a − (f(x) − f(x − I)))² ]
 * estimated from `samples` perturbations (Captum's n_perturb_samples, default 10). A perturbation
 * function gives the perturbed input x̃ = x − I; as Captum's infidelity_perturb_func_decorator, the
 * perturbation used in the dot product is I = x − x̃, or (x − x̃) / (x − baseline) when the
 * attribution already multiplies by the input (multiplyByInputs: IG, input×gradient, SHAP), with
 * a 0 denominator replaced by 1 (Captum's safe_div).
 *
 * normalize (Captum's option): scale the attribution by β = E[Iᵀa·Δf] / E[(Iᵀa)²] first, which
 * makes the score invariant to the attribution's scale:  β²E[(Iᵀa)²] − 2βE[Iᵀa·Δf] + E[Δf²].
 *
 * Perturbations: 'gaussian' I ~ N(0, std²) per value (Captum's docstring example, std 0.003);
 * 'baseline' x̃ = baseline (deterministic: with multiplyByInputs, I = 1 and Iᵀa = Σa, so for IG the
 * infidelity is the squared convergence delta); 'subset' each feature is set to the baseline with
 * probability p (Yeh et al.'s removal perturbations); or a function of your own.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import type { Target } from '../attribution/explainer.js';
import type { Replacement, ScoreKind } from './perturbation.js';
import { checkAttributions, checkPositive, checkPositiveInt, featureMembers, mean, metricFeatures, replacementValues, scorePerturbedCopies, targetScorer } from './perturbation.js';

export type InfidelityPerturbation =
  | { readonly kind: 'gaussian'; readonly std?: number }
  | { readonly kind: 'baseline' }
  | { readonly kind: 'subset'; readonly probability?: number; readonly patch?: number }
  /** Writes the perturbed copy x̃ of one example into `into` (x and baseline are that example's values). */
  | { readonly kind: 'custom'; readonly perturb: (x: Float32Array, baseline: Float32Array, rng: Random, into: Float32Array) => void };

export interface InfidelityOptions {
  target?: Target;
  /** Default { kind: 'gaussian', std: 0.003 }. */
  perturbation?: InfidelityPerturbation;
  /** Perturbations per image (default 10; 'baseline' is deterministic and uses 1). */
  samples?: number;
  /** Reference for 'baseline', 'subset' and the multiplyByInputs division (default 0). */
  baseline?: Replacement;
  /** The attribution already multiplies by (x − baseline) (Captum's multiply_by_inputs; default false). */
  multiplyByInputs?: boolean;
  /** Captum's normalize: rescale the attribution by the optimal β first (default false). */
  normalize?: boolean;
  /** Default 'output' (Captum uses the forward function's raw output). */
  score?: ScoreKind;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface InfidelityResult {
  metric: 'infidelity';
  settings: { perturbation: string; std?: number; probability?: number; samples: number; baseline: string; multiplyByInputs: boolean; normalize: boolean; score: ScoreKind; seed: number; targets?: number[] };
  perImage: number[];
  /** β per image when normalize is on. */
  beta?: number[];
  mean: number;
}

const METRIC = 'infidelity';

export async function infidelity(model: Model, inputs: Tensor, attributions: Tensor, options: InfidelityOptions = {}): Promise<InfidelityResult> {
  checkAttributions(METRIC, inputs, attributions);
  const perturbation = options.perturbation ?? { kind: 'gaussian' };
  const kinds = ['gaussian', 'baseline', 'subset', 'custom'];
  if (!kinds.includes(perturbation.kind)) throw new Error(`${METRIC}: perturbation kind must be one of ${kinds.join(', ')} (got '${String(perturbation.kind)}')`);
  const std = perturbation.kind === 'gaussian' ? (perturbation.std ?? 0.003) : undefined;
  if (std !== undefined) checkPositive(METRIC, 'perturbation std', std);
  const probability = perturbation.kind === 'subset' ? (perturbation.probability ?? 0.5) : undefined;
  if (probability !== undefined && !(probability > 0 && probability <= 1)) throw new Error(`${METRIC}: subset probability must be in (0, 1] (got ${probability})`);
  const samples = perturbation.kind === 'baseline' ? 1 : (options.samples ?? 10);
  checkPositiveInt(METRIC, 'samples', samples);
  const seed = options.seed ?? 0;
  checkPositiveInt(METRIC, 'seed', seed, 0);
  const baseline = options.baseline ?? 0;
  const multiplyByInputs = options.multiplyByInputs ?? false;
  const normalize = options.normalize ?? false;
  const scorer = await targetScorer(METRIC, model, inputs, options.target, options.score ?? 'output');
  const base = replacementValues(METRIC, inputs, baseline);
  const original = scorer.score(await model.forward(inputs), (i) => i);

  const n = inputs.shape[0];
  const d = sizeOf(inputs.shape.slice(1));
  const subset = perturbation.kind === 'subset' ? featureMembers(metricFeatures(METRIC, inputs, perturbation.patch ?? 1)) : undefined;
  const rng = new Random(seed);
  // Per image: Σ (Iᵀa)², Σ Iᵀa·Δf, Σ Δf², Σ (Iᵀa − Δf)² over its samples.
  const aa = new Float64Array(n);
  const ab = new Float64Array(n);
  const bb = new Float64Array(n);
  const sq = new Float64Array(n);
  // Iᵀa of every sample, copy s of image i at i · samples + s.
  const dots = new Float64Array(n * samples);
  const scores = await scorePerturbedCopies(
    model,
    inputs,
    scorer,
    samples,
    (i, rows) => {
      const x = inputs.data.subarray(i * d, (i + 1) * d);
      const b = base.subarray(i * d, (i + 1) * d);
      const a = attributions.data.subarray(i * d, (i + 1) * d);
      for (let s = 0; s < samples; s++) {
        const row = rows.subarray(s * d, (s + 1) * d);
        if (perturbation.kind === 'gaussian') for (let j = 0; j < d; j++) row[j] = x[j] - rng.normal(0, std);
        else if (perturbation.kind === 'baseline') row.set(b);
        else if (perturbation.kind === 'subset') {
          row.set(x);
          const { start, members } = subset!;
          for (let f = 0; f + 1 < start.length; f++) if (rng.next() < probability!) for (let t = start[f]; t < start[f + 1]; t++) row[members[t]] = b[members[t]];
        } else {
          row.set(x);
          perturbation.perturb(x, b, rng, row);
        }
        let dot = 0;
        for (let j = 0; j < d; j++) {
          const diff = x[j] - row[j];
          const denom = x[j] - b[j];
          dot += a[j] * (multiplyByInputs ? diff / (denom === 0 ? 1 : denom) : diff);
        }
        dots[i * samples + s] = dot;
      }
    },
    (_, first, count) => options.onProgress?.(first + count, n),
  );
  scores.forEach((score, row) => {
    const i = Math.floor(row / samples);
    const drop = original[i] - score;
    const dot = dots[row];
    aa[i] += dot * dot;
    ab[i] += dot * drop;
    bb[i] += drop * drop;
    sq[i] += (dot - drop) ** 2;
  });
  const beta = normalize ? Array.from(aa, (v, i) => ab[i] / (v === 0 ? 1 : v)) : undefined;
  const perImage = Array.from({ length: n }, (_, i) => (beta ? beta[i] * beta[i] * aa[i] - 2 * beta[i] * ab[i] + bb[i] : sq[i]) / samples);
  return {
    metric: 'infidelity',
    settings: {
      perturbation: perturbation.kind,
      ...(std !== undefined ? { std } : {}),
      ...(probability !== undefined ? { probability } : {}),
      samples,
      baseline: typeof baseline === 'object' ? 'tensor' : String(baseline),
      multiplyByInputs,
      normalize,
      score: scorer.kind,
      seed,
      ...(scorer.classes ? { targets: scorer.classes } : {}),
    },
    perImage,
    ...(beta ? { beta } : {}),
    mean: mean(perImage),
  };
}
