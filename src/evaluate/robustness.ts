/**
 * Robustness of an explanation to small input changes, from one set of seeded perturbations:
 *
 *   max-sensitivity      (Yeh et al. 2019)             max_s ‖a(x + δ_s) − a(x)‖₂ / ‖a(x)‖₂
 *   average sensitivity  (Yeh et al. 2019)             mean_s of the same ratio
 *   local Lipschitz est. (Alvarez-Melis & Jaakkola 2018) max_s ‖a(x + δ_s) − a(x)‖₂ / ‖δ_s‖₂
 *
 * δ_s uniform in the L∞ ball of `radius` (in input units; Quantus's default 0.2) or Gaussian with
 * std `radius`; `samples` per image (default 20; Quantus uses 200). The explainer explains the same
 * class at x + δ as at x (the predicted class at x, unless a target is given). Dividing by ‖a(x)‖
 * (as Quantus's default normalisation does) makes sensitivity independent of the map's scale; an
 * all-zero map is divided by 1 instead (Captum's safe_div).
 *
 * Batching: the explainer gets every perturbed copy of every image at once (in chunks of at most
 * MAX_BATCH_VALUES values), so gradient methods run one backward pass per chunk.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import type { Explainer, ExplainOptions, Target } from '../attribution/explainer.js';
import { resolveTarget } from '../attribution/explainer.js';
import { checkPositive, checkPositiveInt } from './perturbation.js';
import { MAX_BATCH_VALUES } from '../attribution/common/batching.js';
import { targetRows } from '../attribution/common/target.js';

export interface RobustnessOptions {
  target?: Target;
  /** L∞ radius of the uniform perturbation, or the Gaussian std (default 0.2). */
  radius?: number;
  distribution?: 'uniform' | 'gaussian';
  /** Perturbations per image (default 20). */
  samples?: number;
  /** Keep perturbed inputs in [low, high] (default: no clipping). */
  clip?: readonly [number, number];
  seed?: number;
  /** Options for the explainer (its target is set by the metric). */
  explainOptions?: ExplainOptions & Record<string, unknown>;
  onProgress?: (done: number, total: number) => void;
}

export interface RobustnessResult {
  metric: 'robustness';
  settings: { method: string; radius: number; distribution: 'uniform' | 'gaussian'; samples: number; clip?: [number, number]; seed: number; targets?: number[] };
  maxSensitivity: number[];
  averageSensitivity: number[];
  localLipschitz: number[];
  mean: { maxSensitivity: number; averageSensitivity: number; localLipschitz: number };
}

const METRIC = 'robustness';

/** Max- and average sensitivity and the local Lipschitz estimate from the same perturbations. */
export async function explanationRobustness(model: Model, explainer: Explainer, inputs: Tensor, options: RobustnessOptions = {}): Promise<RobustnessResult> {
  const radius = options.radius ?? 0.2;
  checkPositive(METRIC, 'radius', radius);
  const distribution = options.distribution ?? 'uniform';
  if (distribution !== 'uniform' && distribution !== 'gaussian') throw new Error(`${METRIC}: distribution must be 'uniform' or 'gaussian' (got '${String(distribution)}')`);
  const samples = options.samples ?? 20;
  checkPositiveInt(METRIC, 'samples', samples);
  const seed = options.seed ?? 0;
  checkPositiveInt(METRIC, 'seed', seed, 0);
  const clip = options.clip;
  if (clip && !(clip.length === 2 && clip[0] < clip[1])) throw new Error(`${METRIC}: clip must be [low, high] with low < high (got ${JSON.stringify(clip)})`);
  const n = inputs.shape[0];
  if (n < 1) throw new Error(`${METRIC}: no inputs to evaluate; pass at least one example`);
  const d = sizeOf(inputs.shape.slice(1));

  const target = await resolveTarget(model, inputs, options.target);
  const explain = (x: Tensor, rowOf: (r: number) => number) =>
    explainer.attribute(model, x, { ...options.explainOptions, target: targetRows(target, x.shape[0], rowOf) } as ExplainOptions);
  const original = (await explain(inputs, (r) => r)).values;
  const norms = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += original.data[i * d + j] ** 2;
    return Math.sqrt(s);
  });

  const rng = new Random(seed);
  const maxSensitivity = new Array<number>(n).fill(0);
  const sumSensitivity = new Array<number>(n).fill(0);
  const localLipschitz = new Array<number>(n).fill(0);
  const rowsPerCall = Math.max(1, Math.floor(MAX_BATCH_VALUES / d));
  const total = n * samples;
  for (let r0 = 0; r0 < total; r0 += rowsPerCall) {
    const rows = Math.min(rowsPerCall, total - r0);
    const batch = new Float32Array(rows * d);
    const deltaNorm = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const i = Math.floor((r0 + r) / samples);
      let s = 0;
      for (let j = 0; j < d; j++) {
        const x = inputs.data[i * d + j];
        let v = x + (distribution === 'uniform' ? rng.uniform(-radius, radius) : rng.normal(0, radius));
        if (clip) v = Math.min(clip[1], Math.max(clip[0], v));
        batch[r * d + j] = v;
        // The perturbation actually applied (after clipping and float32 rounding).
        s += (batch[r * d + j] - x) ** 2;
      }
      deltaNorm[r] = Math.sqrt(s);
    }
    const perturbed = (await explain(tensor([rows, ...inputs.shape.slice(1)], batch), (r) => Math.floor((r0 + r) / samples))).values;
    for (let r = 0; r < rows; r++) {
      const i = Math.floor((r0 + r) / samples);
      let s = 0;
      for (let j = 0; j < d; j++) s += (perturbed.data[r * d + j] - original.data[i * d + j]) ** 2;
      const change = Math.sqrt(s);
      const sens = change / (norms[i] === 0 ? 1 : norms[i]);
      maxSensitivity[i] = Math.max(maxSensitivity[i], sens);
      sumSensitivity[i] += sens;
      if (deltaNorm[r] > 0) localLipschitz[i] = Math.max(localLipschitz[i], change / deltaNorm[r]);
    }
    options.onProgress?.(r0 + rows, total);
  }
  const averageSensitivity = sumSensitivity.map((s) => s / samples);
  const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    metric: 'robustness',
    settings: {
      method: explainer.name,
      radius,
      distribution,
      samples,
      ...(clip ? { clip: [clip[0], clip[1]] as [number, number] } : {}),
      seed,
      ...(target.classes ? { targets: target.classes } : {}),
    },
    maxSensitivity,
    averageSensitivity,
    localLipschitz,
    mean: { maxSensitivity: avg(maxSensitivity), averageSensitivity: avg(averageSensitivity), localLipschitz: avg(localLipschitz) },
  };
}

/** Max-sensitivity per image (Yeh et al.); see explanationRobustness. */
export async function maxSensitivity(model: Model, explainer: Explainer, inputs: Tensor, options: RobustnessOptions = {}): Promise<number[]> {
  return (await explanationRobustness(model, explainer, inputs, options)).maxSensitivity;
}

/** Average sensitivity per image (Yeh et al.); see explanationRobustness. */
export async function averageSensitivity(model: Model, explainer: Explainer, inputs: Tensor, options: RobustnessOptions = {}): Promise<number[]> {
  return (await explanationRobustness(model, explainer, inputs, options)).averageSensitivity;
}

/** Local Lipschitz estimate per image (Alvarez-Melis & Jaakkola); see explanationRobustness. */
export async function localLipschitzEstimate(model: Model, explainer: Explainer, inputs: Tensor, options: RobustnessOptions = {}): Promise<number[]> {
  return (await explanationRobustness(model, explainer, inputs, options)).localLipschitz;
}
