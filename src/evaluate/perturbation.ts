/**
 * What the perturbation metrics (deletion/insertion, ROAD, faithfulness correlation, infidelity,
 * robustness) share: checking an attribution against its inputs, the score of the explained
 * output, per-feature attribution and its order, and the values a removed feature is replaced with.
 *
 * Features are those of KernelSHAP/LIME (attribution/feature-mask.ts): for images [N, C, H, W]
 * square patches of side `patch` over all channels (patch 1 = pixels), for tables [N, F] columns.
 * A feature's attribution is the sum of the attribution over its values (channels included), so a
 * signed map ranks a pixel by its net effect.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, sizeOf, softmaxRows, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Target } from '../attribution/explainer.js';
import { resolveTarget, weightedOutput } from '../attribution/explainer.js';
import type { FeatureMask } from '../attribution/feature-mask.js';
import { featureMask } from '../attribution/feature-mask.js';
import { gaussianBlur } from './blur.js';

/** Which number of the model's output a metric watches for the explained class. */
export type ScoreKind =
  /** the raw output (logit) of the target, or Σ output ⊙ cotangent for a cotangent target */
  | 'output'
  /** softmax probability of the target class */
  | 'softmax';

/** A removed feature's replacement: 0, the image's per-channel mean, a Gaussian blur of the image, a value, or a tensor. */
export type Replacement = 'zero' | 'mean' | 'blur' | number | Tensor;

/** Values per model call, at most: bounds the JS-side batch (perturbed copies × image size). */
import { MAX_BATCH_VALUES } from '../attribution/common/batching.js';

export { MAX_BATCH_VALUES };

/** Throws unless the attribution is a finite tensor of the inputs' shape. */
export function checkAttributions(metric: string, inputs: Tensor, attributions: Tensor): void {
  if (shapeToString(attributions.shape) !== shapeToString(inputs.shape)) {
    throw new Error(`${metric}: attributions have shape ${shapeToString(attributions.shape)} but the inputs are ${shapeToString(inputs.shape)}; pass one map per input, of the input's shape`);
  }
  const bad = firstNonFinite(attributions.data);
  if (bad >= 0) throw new Error(`${metric}: the attributions hold a non-finite value (${attributions.data[bad]}) at flat index ${bad}; fix the explainer or clean the map`);
  if (inputs.shape[0] < 1) throw new Error(`${metric}: no inputs to evaluate; pass at least one example`);
}

export function checkPositiveInt(metric: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${metric}: ${name} must be an integer ≥ ${min} (got ${v})`);
}

export function checkPositive(metric: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${metric}: ${name} must be a positive number (got ${v})`);
}

/** The explained output of every input, and a scorer for perturbed copies of those inputs. */
export interface TargetScorer {
  /** Class per input (when the target is a class). */
  readonly classes?: number[];
  readonly cotangent: Tensor;
  readonly kind: ScoreKind;
  /** Score of every row of `output`; row r is a copy of input rowOf(r). */
  score(output: Tensor, rowOf: (row: number) => number): Float64Array;
}

export async function targetScorer(metric: string, model: Model, inputs: Tensor, target: Target | undefined, kind: ScoreKind = 'output'): Promise<TargetScorer> {
  if (kind !== 'output' && kind !== 'softmax') throw new Error(`${metric}: score must be 'output' or 'softmax' (got '${String(kind)}')`);
  const { cotangent, classes } = await resolveTarget(model, inputs, target);
  if (kind === 'softmax' && !classes) throw new Error(`${metric}: score 'softmax' needs class targets; use score 'output' with a cotangent target`);
  return {
    classes,
    cotangent,
    kind,
    score(output, rowOf) {
      if (kind === 'output') return weightedOutput(output, cotangent, rowOf);
      const p = softmaxRows(output);
      const k = output.shape[1];
      return Float64Array.from({ length: output.shape[0] }, (_, r) => p.data[r * k + classes![rowOf(r)]]);
    },
  };
}

/** Features of one example (see the header); `patch` only applies to images. */
export function metricFeatures(metric: string, inputs: Tensor, patch = 1): FeatureMask {
  if (inputs.shape.length === 4 || inputs.shape.length === 2) return featureMask(inputs.shape, patch, metric);
  // Any other layout: every value is a feature.
  const d = sizeOf(inputs.shape.slice(1));
  return { count: d, featureOf: Int32Array.from({ length: d }, (_, j) => j) };
}

/** Σ attribution per feature, per example: [N][M]. */
export function featureAttribution(attributions: Tensor, mask: FeatureMask): Float64Array[] {
  const n = attributions.shape[0];
  const d = mask.featureOf.length;
  return Array.from({ length: n }, (_, i) => {
    const s = new Float64Array(mask.count);
    for (let j = 0; j < d; j++) s[mask.featureOf[j]] += attributions.data[i * d + j];
    return s;
  });
}

/**
 * Feature indices from most to least relevant ('most') or the reverse ('least'). Ties keep index
 * order in both, so a constant map removes features in reading order either way.
 */
export function featureOrder(scores: ArrayLike<number>, first: 'most' | 'least'): Int32Array {
  const idx = Array.from({ length: scores.length }, (_, j) => j);
  const sign = first === 'most' ? -1 : 1;
  idx.sort((a, b) => sign * (scores[a] - scores[b]) || a - b);
  return Int32Array.from(idx);
}

/** The values of each example's members of every feature: offsets into one example, grouped by feature. */
export function featureMembers(mask: FeatureMask): { start: Int32Array; members: Int32Array } {
  const start = new Int32Array(mask.count + 1);
  for (const f of mask.featureOf) start[f + 1]++;
  for (let f = 0; f < mask.count; f++) start[f + 1] += start[f];
  const fill = start.slice(0, mask.count);
  const members = new Int32Array(mask.featureOf.length);
  mask.featureOf.forEach((f, j) => (members[fill[f]++] = j));
  return { start, members };
}

/** Replacement values for every element of the inputs (same layout). */
export function replacementValues(metric: string, inputs: Tensor, replacement: Replacement, blurSigma = 5): Float32Array {
  const n = inputs.shape[0];
  const d = sizeOf(inputs.shape.slice(1));
  if (typeof replacement === 'number') {
    if (!Number.isFinite(replacement)) throw new Error(`${metric}: baseline must be a finite number (got ${replacement})`);
    return new Float32Array(n * d).fill(replacement);
  }
  if (typeof replacement === 'object') {
    if (shapeToString(replacement.shape) === shapeToString(inputs.shape)) return replacement.data;
    if (sizeOf(replacement.shape) === d && (replacement.shape.length === inputs.shape.length - 1 || replacement.shape[0] === 1)) {
      const out = new Float32Array(n * d);
      for (let i = 0; i < n; i++) out.set(replacement.data, i * d);
      return out;
    }
    throw new Error(`${metric}: baseline tensor has shape ${shapeToString(replacement.shape)}; it must match the inputs ${shapeToString(inputs.shape)} or be one example`);
  }
  if (replacement === 'zero') return new Float32Array(n * d);
  if (replacement === 'mean') {
    // Per image and channel (ROAD's "fixed" imputer); per column for tables would leak other rows, so tables use the row mean.
    const c = inputs.shape.length === 4 ? inputs.shape[1] : 1;
    const plane = d / c;
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++) {
        const o = i * d + ch * plane;
        let s = 0;
        for (let p = 0; p < plane; p++) s += inputs.data[o + p];
        out.fill(s / plane, o, o + plane);
      }
    return out;
  }
  if (replacement === 'blur') {
    if (inputs.shape.length !== 4) throw new Error(`${metric}: baseline 'blur' needs image inputs [N, C, H, W]; use 'zero', 'mean' or a value`);
    return gaussianBlur(inputs, blurSigma).data;
  }
  throw new Error(`${metric}: unknown baseline '${String(replacement)}'; use 'zero', 'mean', 'blur', a number or a tensor`);
}

/** Builds a tensor of `rows` copies laid out as [rows, ...example]. */
export function batchOf(inputs: Tensor, rows: number, data: Float32Array): Tensor {
  return tensor([rows, ...inputs.shape.slice(1)], data);
}

/**
 * Scores `copies` perturbed copies of every input: `fill(i, rows)` writes input i's copies into
 * `rows` (copies × example values, zeroed; called for i = 0, 1, … in order, so a seeded stream
 * drawn inside gives the same numbers however the calls are chunked). All copies go to
 * model.forward in as few calls as MAX_BATCH_VALUES allows; `afterCall(output, first, count)`
 * sees each call's output, whose rows are the copies of inputs first … first + count − 1.
 * Returns the target score of every copy, copy s of input i at i · copies + s.
 */
export async function scorePerturbedCopies(
  model: Model,
  inputs: Tensor,
  scorer: TargetScorer,
  copies: number,
  fill: (input: number, rows: Float32Array) => void,
  afterCall?: (output: Tensor, first: number, count: number) => void,
): Promise<Float64Array> {
  const n = inputs.shape[0];
  const d = sizeOf(inputs.shape.slice(1));
  const scores = new Float64Array(n * copies);
  const group = Math.max(1, Math.floor(MAX_BATCH_VALUES / (copies * d)));
  for (let g0 = 0; g0 < n; g0 += group) {
    const g = Math.min(group, n - g0);
    const batch = new Float32Array(g * copies * d);
    for (let r = 0; r < g; r++) fill(g0 + r, batch.subarray(r * copies * d, (r + 1) * copies * d));
    const output = await model.forward(batchOf(inputs, g * copies, batch));
    scores.set(scorer.score(output, (row) => g0 + Math.floor(row / copies)), g0 * copies);
    afterCall?.(output, g0, g);
  }
  return scores;
}

/** Trapezoid area under (x, y), x ascending. */
export function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += 0.5 * (x[i] - x[i - 1]) * (y[i] + y[i - 1]);
  return a;
}

export function mean(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}
