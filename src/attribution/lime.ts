/**
 * LIME (Ribeiro, Singh & Guestrin 2016) with Captum's `Lime` defaults, on the same features as
 * KernelSHAP (feature-mask.ts: patch×patch squares over all channels, SLIC superpixels per image
 * with `segments: 'slic'`, or one per column of [N, F]):
 *  - coalitions: each feature present independently with probability 0.5 (Captum's
 *    default_perturb_func), drawn per input from the seeded Random; absent features take the baseline;
 *  - similarity: Captum's exponential kernel exp(−d² / (2 · width²)) with width 1.0 and d the cosine
 *    distance 1 − cos(x, x') between the flattened original input and the perturbed input (Captum
 *    computes it in input space, not on the binary interpretable vector; the cosine's denominator is
 *    clamped at 1e-8 like torch's CosineSimilarity, so an all-zero copy has d = 1);
 *  - surrogate: Captum fits sklearn's Lasso(alpha = 0.01). Here it is a weighted *ridge* with an
 *    intercept, minimising Σ_s (w_s / Σw) (y_s − β₀ − z_s·β)² + alpha ‖β‖² (alpha default 0.01, the
 *    same number on the same normalised-loss scale), solved exactly in float64. Ridge shrinks every
 *    coefficient a little instead of zeroing small ones: no sparsity; set alpha 0 for plain weighted
 *    least squares (a tiny 1e-9 ridge still keeps under-determined fits solvable).
 *
 * `samples` defaults to 25 × features (Captum: n_samples = 50 whatever the number of features).
 * Copies of all inputs go to the model as whole batches (feature-mask.ts's evaluateCoalitions).
 * `values` broadcasts each coefficient to its feature's elements; extras.coefficients is [N, M].
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { weightedRidge } from '../tensor/linalg.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, resolveTarget } from './explainer.js';
import { expandBaseline, type Baseline } from './common/baselines.js';
import type { FeatureMask } from './feature-mask.js';
import { broadcastFeatures, evaluateCoalitions, featureTable, maskOf } from './feature-mask.js';
import { imageFeatureMasks, SEGMENT_OPTIONS, type SegmentOptions } from './segmentation/feature-masks.js';

export interface LimeOptions extends ExplainOptions, SegmentOptions {
  /** Side of the square patches that form the features of image inputs (default 4). */
  patch?: number;
  /** Perturbed copies per input (default 25 × features). */
  samples?: number;
  /** Value of absent features: a number or a tensor of the inputs' shape (default 0). */
  baseline?: Baseline;
  /** Width of the exponential kernel on the cosine distance (default 1.0). */
  kernelWidth?: number;
  /** Ridge penalty of the surrogate on the normalised loss (default 0.01; Captum's Lasso alpha). */
  alpha?: number;
}

export const LIME_OPTIONS = declareOptions<LimeOptions>([
  ...SEGMENT_OPTIONS,
  { key: 'samples', flag: '--coalitions', kind: 'integer', min: 2, help: 'perturbed copies per image (default: 25 × features)' },
  { key: 'baseline', flag: '--baseline', kind: 'number', default: 0, help: 'value of an absent feature' },
  { key: 'kernelWidth', flag: '--kernel-width', kind: 'number', above: 0, default: 1, placeholder: '<w>', help: 'width of the exponential kernel on the cosine distance' },
  { key: 'alpha', flag: '--lime-alpha', kind: 'number', min: 0, default: 0.01, help: "ridge penalty of the surrogate (Captum's Lasso alpha)" },
]);

/** Cosine distance between input i and its copy under coalition z, computed without building the copy. */
function cosineDistance(inputs: Tensor, baseline: Float32Array, mask: FeatureMask, i: number, z: Uint8Array): number {
  const d = sizeOf(inputs.shape.slice(1));
  const off = i * d;
  let dot = 0;
  let nx = 0;
  let np = 0;
  for (let e = 0; e < d; e++) {
    const x = inputs.data[off + e];
    const p = z[mask.featureOf[e]] === 1 ? x : baseline[off + e];
    dot += x * p;
    nx += x * x;
    np += p * p;
  }
  return 1 - dot / Math.max(Math.sqrt(nx) * Math.sqrt(np), 1e-8);
}

export const lime: Explainer<LimeOptions> = {
  name: 'lime',
  description:
    'LIME (Captum defaults): surrogate on Bernoulli(0.5) coalitions of patch×patch features weighted by exp(−cos_dist²/2w²) (patch 4, samples 25 × features, width 1, baseline 0); weighted ridge alpha 0.01 instead of Captum’s Lasso',
  options: LIME_OPTIONS,
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: true,
  async attribute(model, inputs, options = {}) {
    // One mask per image: patches share one; SLIC superpixels give each image its own count M_i.
    const masks = imageFeatureMasks(inputs, options, 'lime');
    const counts = masks.map((k) => k.count);
    const m = Math.max(0, ...counts);
    const n = inputs.shape[0];
    const baseline = expandBaseline(options.baseline, inputs, 'lime');
    const samples = options.samples ?? 25 * m;
    const width = options.kernelWidth ?? 1;
    const alpha = options.alpha ?? 0.01;
    if (!Number.isInteger(samples) || samples < 2) throw new Error(`lime: samples must be an integer ≥ 2 (got ${samples})`);
    if (!(width > 0)) throw new Error(`lime: kernelWidth must be > 0 (got ${width})`);
    if (!(alpha >= 0)) throw new Error(`lime: alpha must be ≥ 0 (got ${alpha})`);
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);

    const rng = new Random(options.seed ?? 0);
    const coalitions = counts.map((mi) => Array.from({ length: samples }, () => Uint8Array.from({ length: mi }, () => (rng.next() < 0.5 ? 1 : 0))));
    const scores = await evaluateCoalitions(model, inputs, baseline, masks, coalitions, cotangent);

    const coefs: Float64Array[] = [];
    const intercepts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const weights = coalitions[i].map((z) => Math.exp(-(cosineDistance(inputs, baseline, maskOf(masks, i), i, z) ** 2) / (2 * width * width)));
      const fit = weightedRidge(coalitions[i], scores[i], weights, counts[i], alpha + 1e-9);
      coefs.push(fit.coef);
      intercepts[i] = fit.intercept;
    }
    return {
      method: 'lime',
      values: broadcastFeatures(inputs, masks, coefs),
      targets: classes,
      extras: { coefficients: featureTable(coefs, m), intercept: tensor([n], Float32Array.from(intercepts)), features: counts.every((c) => c === m) ? m : counts, samples, kernelWidth: width, alpha },
    };
  },
};
