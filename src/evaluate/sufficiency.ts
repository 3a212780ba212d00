/**
 * Sufficiency (Dasgupta, Frost & Moshkovitz, "Framework for Evaluating Faithfulness of Local
 * Explanations", ICML 2022), operationalised as in Quantus:
 *
 *   local sufficiency(x_i) = Pr_j[ f(x_j) = f(x_i) | the explanation of x_i applies to x_j ],  j ≠ i in the batch
 *   sufficiency            = mean of the local values
 *
 * where f is the predicted class, and "applies to" means that the distance between the two
 * attribution maps, divided by the largest distance between any two maps of the batch, is at most
 * `threshold` (default 0.6, Quantus's). An explanation is sufficient when inputs that get the same
 * explanation get the same prediction.
 *
 * One deliberate difference from Quantus: an image whose explanation applies to no other image has
 * no local value (null) rather than 0 — there is no evidence either way — and is left out of the
 * mean; `withNeighbours` says how many images had one.
 *
 * Distances: 'euclidean' (default); 'seuclidean' (Quantus's default: each coordinate divided by its
 * variance over the batch, ddof 1 as SciPy; coordinates that never vary are skipped instead of
 * producing 0/0); 'cosine' (1 − cosine similarity; a zero map is at distance 1 from everything).
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, sizeOf } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import { checkAttributions } from './perturbation.js';

export type SufficiencyDistance = 'euclidean' | 'seuclidean' | 'cosine';

export interface SufficiencyOptions {
  /** Normalised distance under which an explanation applies to another input (default 0.6). */
  threshold?: number;
  distance?: SufficiencyDistance;
}

export interface SufficiencyResult {
  metric: 'sufficiency';
  settings: { threshold: number; distance: SufficiencyDistance; definition: string };
  /** Local sufficiency per image; null when its explanation applies to no other image. */
  perImage: (number | null)[];
  predicted: number[];
  withNeighbours: number;
  /** Mean over images with neighbours (null when none has one). */
  mean: number | null;
}

const METRIC = 'sufficiency';

/** Pairwise distances between the rows of a [N, D] array. */
export function pairwiseDistances(rows: Float32Array, n: number, d: number, kind: SufficiencyDistance): Float64Array {
  const out = new Float64Array(n * n);
  let weight: Float64Array | undefined;
  if (kind === 'seuclidean') {
    weight = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += rows[i * d + j];
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (rows[i * d + j] - m) ** 2;
      v /= Math.max(1, n - 1);
      weight[j] = v > 0 ? 1 / v : 0;
    }
  }
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      let dist: number;
      if (kind === 'cosine') {
        let ab = 0;
        let aa = 0;
        let bb = 0;
        for (let j = 0; j < d; j++) {
          ab += rows[a * d + j] * rows[b * d + j];
          aa += rows[a * d + j] ** 2;
          bb += rows[b * d + j] ** 2;
        }
        dist = aa === 0 || bb === 0 ? 1 : 1 - ab / Math.sqrt(aa * bb);
      } else {
        let s = 0;
        for (let j = 0; j < d; j++) s += (weight ? weight[j] : 1) * (rows[a * d + j] - rows[b * d + j]) ** 2;
        dist = Math.sqrt(s);
      }
      out[a * n + b] = out[b * n + a] = dist;
    }
  return out;
}

export async function sufficiency(model: Model, inputs: Tensor, attributions: Tensor, options: SufficiencyOptions = {}): Promise<SufficiencyResult> {
  checkAttributions(METRIC, inputs, attributions);
  const threshold = options.threshold ?? 0.6;
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`${METRIC}: threshold is a fraction of the largest distance and must be in [0, 1] (got ${threshold})`);
  const distance = options.distance ?? 'euclidean';
  if (!['euclidean', 'seuclidean', 'cosine'].includes(distance)) throw new Error(`${METRIC}: distance must be 'euclidean', 'seuclidean' or 'cosine' (got '${String(distance)}')`);
  const n = inputs.shape[0];
  if (n < 2) throw new Error(`${METRIC} compares explanations across inputs: pass at least 2 inputs (got ${n})`);
  const d = sizeOf(inputs.shape.slice(1));
  const predicted = argmaxRows(await model.forward(inputs));
  const dist = pairwiseDistances(attributions.data, n, d, distance);
  let largest = 0;
  for (const v of dist) largest = Math.max(largest, v);
  const perImage = Array.from({ length: n }, (_, i) => {
    let near = 0;
    let same = 0;
    for (let j = 0; j < n; j++) {
      // All maps identical (largest = 0): every explanation applies to every input.
      if (j === i || (largest > 0 && dist[i * n + j] / largest > threshold)) continue;
      near++;
      if (predicted[j] === predicted[i]) same++;
    }
    return near === 0 ? null : same / near;
  });
  const valued = perImage.filter((v): v is number => v !== null);
  return {
    metric: 'sufficiency',
    settings: {
      threshold,
      distance,
      definition: 'mean over images of Pr[same predicted class | attribution distance / largest batch distance ≤ threshold], other images of the batch',
    },
    perImage,
    predicted,
    withNeighbours: valued.length,
    mean: valued.length === 0 ? null : valued.reduce((a, b) => a + b, 0) / valued.length,
  };
}
