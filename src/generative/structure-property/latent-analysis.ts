/**
 * Reading a latent space: which latent dimension encodes which generative factor (Pearson
 * correlation and a binned mutual information), traversals (decode a grid along one dimension with
 * the others held at their mean), and predictive uncertainty (decode many samples of a posterior
 * and report the mean and the spread per output) — the lecture's "how variable are the features, how
 * predictive is the relationship, with what uncertainty".
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/tensor.js';
import type { Random } from '../../tensor/random.js';
import type { Model } from '../../models/model.js';
import { pearson } from '../../tensor/compare.js';

/** Equal-count bin of each value (ties share a bin; a factor with few levels keeps its levels). */
function quantileBins(x: ArrayLike<number>, bins: number): Int32Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const out = new Int32Array(x.length);
  let bin = 0;
  order.forEach((i, rank) => {
    const wanted = Math.min(bins - 1, Math.floor((rank * bins) / x.length));
    // Move to the next bin only between distinct values, so equal values never straddle bins.
    if (wanted > bin && rank > 0 && x[i] !== x[order[rank - 1]]) bin = wanted;
    out[i] = bin;
  });
  return out;
}

/**
 * Mutual information in nats between two variables, each cut into `bins` equal-count bins (the
 * plug-in estimate: biased upwards by about (bins − 1)²/(2N), small for the thousands of examples here).
 */
export function binnedMutualInformation(x: ArrayLike<number>, y: ArrayLike<number>, bins = 8): number {
  const n = x.length;
  const bx = quantileBins(x, bins);
  const by = quantileBins(y, bins);
  const joint = new Float64Array(bins * bins);
  const px = new Float64Array(bins);
  const py = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    joint[bx[i] * bins + by[i]] += 1 / n;
    px[bx[i]] += 1 / n;
    py[by[i]] += 1 / n;
  }
  let mi = 0;
  for (let a = 0; a < bins; a++) for (let b = 0; b < bins; b++) {
    const p = joint[a * bins + b];
    if (p > 0) mi += p * Math.log(p / (px[a] * py[b]));
  }
  return mi;
}

export interface Factor {
  name: string;
  values: ArrayLike<number>;
}

export interface LatentFactorTable {
  factors: string[];
  /** [latent dimension][factor] Pearson correlation of the posterior mean with the factor (0 for a constant dimension). */
  correlation: number[][];
  /** [latent dimension][factor] binned mutual information in nats. */
  mutualInformation: number[][];
  /** For each factor, the latent dimension with the highest mutual information. */
  bestDimension: number[];
}

/** Latents [N, L] against factors (each N values). */
export function latentFactorTable(latents: Tensor, factors: readonly Factor[], bins = 8): LatentFactorTable {
  const [n, dims] = latents.shape;
  const column = (d: number) => Float64Array.from({ length: n }, (_, i) => latents.data[i * dims + d]);
  const columns = Array.from({ length: dims }, (_, d) => column(d));
  const correlation = columns.map((c) => factors.map((f) => {
    const r = pearson(c, f.values);
    return Number.isNaN(r) ? 0 : r;
  }));
  const mutualInformation = columns.map((c) => factors.map((f) => binnedMutualInformation(c, f.values, bins)));
  const bestDimension = factors.map((_, j) => {
    let best = 0;
    for (let d = 1; d < dims; d++) if (mutualInformation[d][j] > mutualInformation[best][j]) best = d;
    return best;
  });
  return { factors: factors.map((f) => f.name), correlation, mutualInformation, bestDimension };
}

export interface Traversal {
  dimension: number;
  /** The latent values decoded along the dimension. */
  values: number[];
  /** Decoded outputs, one row per value [steps, K]. */
  decoded: Tensor;
}

/**
 * Decodes `steps` points along each latent dimension, from mean − span·std to mean + span·std of
 * that dimension over `latents`, the other dimensions held at their mean.
 */
export async function latentTraversals(decoder: Model, latents: Tensor, steps = 7, span = 2): Promise<Traversal[]> {
  const [n, dims] = latents.shape;
  const mean = new Float64Array(dims);
  const std = new Float64Array(dims);
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) mean[d] += latents.data[i * dims + d] / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) std[d] += (latents.data[i * dims + d] - mean[d]) ** 2 / n;
  const out: Traversal[] = [];
  for (let d = 0; d < dims; d++) {
    const s = Math.sqrt(std[d]);
    const values = Array.from({ length: steps }, (_, k) => mean[d] + span * s * (steps === 1 ? 0 : (2 * k) / (steps - 1) - 1));
    const grid = new Float32Array(steps * dims);
    values.forEach((v, k) => {
      for (let e = 0; e < dims; e++) grid[k * dims + e] = e === d ? v : mean[e];
    });
    out.push({ dimension: d, values, decoded: await decoder.forward(tensor([steps, dims], grid)) });
  }
  return out;
}

export interface PredictiveDistribution {
  /** Mean decoded output over the samples [N, K]. */
  mean: Tensor;
  /** Standard deviation over the samples [N, K]. */
  std: Tensor;
}

/**
 * Decodes `samples` draws z = μ + σ·ε of each posterior (μ, log σ² [N, L]) and returns the mean and
 * standard deviation of the decoded outputs: the model's own spread, given what the encoder is
 * unsure of. Seeded through `random`.
 */
export async function predictiveDistribution(decoder: Model, mu: Tensor, logVar: Tensor, samples: number, random: Random): Promise<PredictiveDistribution> {
  const [n, dims] = mu.shape;
  const z = new Float32Array(n * samples * dims);
  for (let i = 0; i < n; i++) for (let s = 0; s < samples; s++) for (let d = 0; d < dims; d++) {
    z[(i * samples + s) * dims + d] = mu.data[i * dims + d] + Math.exp(0.5 * logVar.data[i * dims + d]) * random.normal();
  }
  const decoded = await decoder.forward(tensor([n * samples, dims], z));
  const k = decoded.shape[1];
  const mean = new Float32Array(n * k);
  const std = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
    let m = 0;
    for (let s = 0; s < samples; s++) m += decoded.data[(i * samples + s) * k + j] / samples;
    let v = 0;
    for (let s = 0; s < samples; s++) v += (decoded.data[(i * samples + s) * k + j] - m) ** 2 / Math.max(1, samples - 1);
    mean[i * k + j] = m;
    std[i * k + j] = Math.sqrt(v);
  }
  return { mean: tensor([n, k], mean), std: tensor([n, k], std) };
}
