/**
 * "Can the model's features tell the groups apart?": a cross-validated linear probe on the model's
 * features predicting a grouping variable (session, operator, microscope…), scored by balanced
 * accuracy and compared with a permutation null (the same probe, the same folds, group ids
 * shuffled). A model whose features encode the session can use the session as a shortcut: its
 * accuracy then depends on which sessions the test data came from.
 *
 * The null shuffles group ids within strata (the class labels, when given): when groups differ in
 * their class mix, a probe can predict the group from the class alone, and a class-aware model's
 * features must carry the class. The within-class shuffle keeps that part in the null, so what is
 * flagged is group information beyond the class. (When every group holds one class, the null
 * explains everything and nothing is flagged: such a design cannot separate group from class.)
 *
 * The probe is a ridge (least-squares) classifier on standardised features (ridge-probe.ts): in
 * closed form, and a linear smoother, so each fold's smoother is computed once and every shuffle of
 * the null costs one pass over it. An earlier version fitted a softmax regression by 100 Nesterov
 * steps per fold and shuffle (36 s per model on the demo); on the demo the two probes agree on the
 * verdict, and the softmax probe (`fitSoftmaxProbe`, below) stays available as a second opinion.
 *
 * The softmax probe: objective mean cross-entropy + (λ/2)‖W‖² (intercepts unpenalised), minimised
 * by Nesterov-accelerated gradient descent with step 1/L, L = ½·λmax(X̃ᵀX̃)/n + λ (Böhning's bound
 * on the softmax Hessian; X̃ with its intercept column).
 */
import type { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { kFold } from './folds.js';
import { foldSmoother, outOfFoldPredictions, RIDGE_PROBE_DEFAULT, type FoldSmoother } from './ridge-probe.js';

export interface ProbeOptions {
  /** L2 strength λ on the standardised features (default 1e-2). */
  ridge?: number;
  /** Gradient steps (default 100: the verdict needs the argmax, not the optimum to many digits). */
  iterations?: number;
}

export interface SoftmaxProbe {
  /** [classes, features + 1]: intercept first, on standardised features. */
  readonly weights: Float64Array;
  readonly classes: number;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** max |∂objective/∂θ| at the end (≈ 0 when converged). */
  readonly gradientNorm: number;
}

/** Columns standardised to mean 0, sd 1 (a constant column keeps sd 1). */
function standardiser(x: Float64Array, n: number, d: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j] += (x[i * d + j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = scale[j] > 1e-24 ? Math.sqrt(scale[j]) : 1;
  return { mean, scale };
}

/** Rows [1, standardised x] as one flat [n, d + 1] array. */
function design(x: Float64Array, n: number, d: number, mean: Float64Array, scale: Float64Array): Float64Array {
  const out = new Float64Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    out[i * (d + 1)] = 1;
    for (let j = 0; j < d; j++) out[i * (d + 1) + j + 1] = (x[i * d + j] - mean[j]) / scale[j];
  }
  return out;
}

/** Largest eigenvalue of AᵀA/n by power iteration (A is [n, p]). */
function largestEigenvalue(a: Float64Array, n: number, p: number): number {
  let v = new Float64Array(p).fill(1 / Math.sqrt(p));
  let lambda = 0;
  for (let it = 0; it < 50; it++) {
    const av = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) av[i] += a[i * p + j] * v[j];
    const w = new Float64Array(p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) w[j] += (a[i * p + j] * av[i]) / n;
    const norm = Math.hypot(...w);
    if (norm === 0) return 0;
    lambda = norm;
    v = w.map((x) => x / norm);
  }
  return lambda;
}

/** Class probabilities of each row of the design [n, p] under weights [k, p]. */
function softmaxRows(a: Float64Array, n: number, p: number, w: Float64Array, k: number): Float64Array {
  const prob = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = 0;
      for (let j = 0; j < p; j++) z += w[c * p + j] * a[i * p + j];
      prob[i * k + c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += prob[i * k + c] = Math.exp(prob[i * k + c] - max);
    for (let c = 0; c < k; c++) prob[i * k + c] /= sum;
  }
  return prob;
}

function gradient(a: Float64Array, n: number, p: number, y: readonly number[], w: Float64Array, k: number, ridge: number): Float64Array {
  const prob = softmaxRows(a, n, p, w, k);
  const g = new Float64Array(k * p);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = (prob[i * k + c] - (y[i] === c ? 1 : 0)) / n;
      if (r !== 0) for (let j = 0; j < p; j++) g[c * p + j] += r * a[i * p + j];
    }
  }
  for (let c = 0; c < k; c++) for (let j = 1; j < p; j++) g[c * p + j] += ridge * w[c * p + j];
  return g;
}

/** Fits the softmax probe on features x [n, d] (row-major) and class ids 0..classes−1. */
export function fitSoftmaxProbe(x: Float64Array, n: number, d: number, y: readonly number[], classes: number, options: ProbeOptions = {}): SoftmaxProbe {
  const ridge = options.ridge ?? 1e-2;
  const iterations = options.iterations ?? 100;
  const { mean, scale } = standardiser(x, n, d);
  const p = d + 1;
  const a = design(x, n, d, mean, scale);
  const step = 1 / (0.5 * largestEigenvalue(a, n, p) + ridge);
  let w = new Float64Array(classes * p);
  let previous = w;
  for (let t = 1; t <= iterations; t++) {
    // Nesterov: the gradient at the extrapolated point v = w + (t−1)/(t+2)·(w − previous).
    const v = w.map((wi, i) => wi + ((t - 1) / (t + 2)) * (wi - previous[i]));
    const g = gradient(a, n, p, y, v, classes, ridge);
    previous = w;
    w = v.map((vi, i) => vi - step * g[i]);
  }
  const g = gradient(a, n, p, y, w, classes, ridge);
  return { weights: w, classes, mean, scale, gradientNorm: g.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
}

/** Class probabilities [n, classes] (row-major) of the probe on features x [n, d]. */
export function probeProbabilities(probe: SoftmaxProbe, x: Float64Array, n: number): Float64Array {
  const d = probe.mean.length;
  return softmaxRows(design(x, n, d, probe.mean, probe.scale), n, d + 1, probe.weights, probe.classes);
}

export function predictProbe(probe: SoftmaxProbe, x: Float64Array, n: number): number[] {
  const prob = probeProbabilities(probe, x, n);
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < probe.classes; c++) if (prob[i * probe.classes + c] > prob[i * probe.classes + best]) best = c;
    return best;
  });
}

/** Mean recall over the classes present in `truth` (chance = 1 / classes for any guesser that ignores the input). */
export function balancedAccuracy(truth: readonly number[], predicted: readonly number[]): number {
  const hits = new Map<number, [number, number]>();
  truth.forEach((t, i) => {
    const h = hits.get(t) ?? [0, 0];
    h[0] += predicted[i] === t ? 1 : 0;
    h[1] += 1;
    hits.set(t, h);
  });
  let sum = 0;
  for (const [hit, total] of hits.values()) sum += hit / total;
  return sum / hits.size;
}

/** Out-of-fold balanced accuracy of the ridge probe predicting y (ids 0..classes−1) over the folds' smoothers. */
function crossValidatedAccuracy(smoothers: readonly FoldSmoother[], y: readonly number[], classes: number): number {
  return balancedAccuracy(y, outOfFoldPredictions(smoothers, y, classes));
}

/** y shuffled within each stratum (all of y when no strata are given). */
function shuffleWithin(y: readonly number[], strata: readonly number[] | undefined, random: Random): number[] {
  const out = [...y];
  const byStratum = new Map<number, number[]>();
  y.forEach((_, i) => {
    const s = strata ? strata[i] : 0;
    const rows = byStratum.get(s);
    if (rows) rows.push(i);
    else byStratum.set(s, [i]);
  });
  for (const rows of byStratum.values()) {
    const order = random.permutation(rows.length);
    rows.forEach((r, i) => (out[r] = y[rows[order[i]]]));
  }
  return out;
}

export interface ConfounderProbeOptions {
  /** L2 strength λ of the ridge probe on the standardised features (default 1e-2). */
  ridge?: number;
  /** Cross-validation folds (default 5; at most the smallest sensible for n). */
  folds?: number;
  /** Shuffles in the permutation null (default 20, at least 20). */
  permutations?: number;
  /** Flag when the probe beats the null's 95th percentile by more than this (balanced accuracy, default 0.1). */
  margin?: number;
  /** Shuffle group ids only within these strata (the class labels), see the file comment. */
  strata?: readonly number[];
  /**
   * Images probed at most (default 2000): beyond it a seeded random subset is probed. The probe keeps a
   * train × train matrix per fold, so memory grows with the square of the images (2000: ~100 MB).
   */
  maxImages?: number;
  seed: number;
}

export interface ConfounderProbeResult {
  /** Distinct groups. */
  readonly groups: number;
  /** 1 / groups: what a probe that ignores the features scores. */
  readonly chance: number;
  /** Out-of-fold balanced accuracy of the probe. */
  readonly balancedAccuracy: number;
  /** Balanced accuracy of the same probe on each shuffle of the group ids. */
  readonly null: readonly number[];
  /** 95th percentile of `null` (linear interpolation). */
  readonly null95: number;
  readonly margin: number;
  readonly folds: number;
  /** Images probed (all, or the seeded subset when there were more than maxImages). */
  readonly images: number;
  /** balancedAccuracy > null95 + margin. */
  readonly predictsGroup: boolean;
}

export const CONFOUNDER_PROBE_DEFAULTS = { folds: 5, permutations: 20, margin: 0.1, maxImages: 2000 };

function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

/** Can a probe on `features` [N, D] predict `groupIds` (any integers) far above a permutation null? */
export function confounderProbe(features: Tensor, groupIds: readonly number[], options: ConfounderProbeOptions): ConfounderProbeResult {
  const [n, d] = features.shape;
  if (features.shape.length !== 2) throw new Error(`confounder probe: features must be [N, D] (got ${features.shape.length} dimensions)`);
  if (groupIds.length !== n) throw new Error(`confounder probe: ${n} feature rows but ${groupIds.length} group ids; give one group id per image`);
  const permutations = options.permutations ?? CONFOUNDER_PROBE_DEFAULTS.permutations;
  if (!Number.isInteger(permutations) || permutations < 20) throw new Error(`confounder probe: permutations must be an integer ≥ 20 (got ${permutations}); fewer make the null's 95th percentile meaningless`);
  const margin = options.margin ?? CONFOUNDER_PROBE_DEFAULTS.margin;
  const maxImages = options.maxImages ?? CONFOUNDER_PROBE_DEFAULTS.maxImages;
  if (n > maxImages) {
    const rows = new Random(options.seed).fork('subsample').permutation(n).slice(0, maxImages).sort((a, b) => a - b);
    const subset = new Float32Array(rows.length * d);
    rows.forEach((r, i) => subset.set(features.data.subarray(r * d, (r + 1) * d), i * d));
    const strata = options.strata ? rows.map((r) => options.strata![r]) : undefined;
    return confounderProbe({ shape: [rows.length, d], data: subset }, rows.map((r) => groupIds[r]), { ...options, strata, maxImages: Infinity });
  }
  const ids = [...new Set(groupIds)].sort((a, b) => a - b);
  if (ids.length < 2) throw new Error(`confounder probe: the data hold ${ids.length} group; a probe needs at least 2`);
  const index = new Map(ids.map((g, i) => [g, i]));
  const y = groupIds.map((g) => index.get(g)!);
  const x = Float64Array.from(features.data);
  const folds = Math.min(options.folds ?? CONFOUNDER_PROBE_DEFAULTS.folds, n);
  const random = new Random(options.seed);
  // The same folds for the probe and every shuffle, so the null differs only in the labels.
  const split = kFold(n, folds, random.fork('folds').seed());
  // The features fix each fold's smoother; the probe and every shuffle differ only in the labels.
  const smoothers = split.map((f) => foldSmoother(x, d, f.train, f.test, options.ridge ?? RIDGE_PROBE_DEFAULT));
  const observed = crossValidatedAccuracy(smoothers, y, ids.length);
  const nullAccuracies = Array.from({ length: permutations }, (_, i) => crossValidatedAccuracy(smoothers, shuffleWithin(y, options.strata, random.fork(`shuffle ${i}`)), ids.length));
  const null95 = quantile(nullAccuracies, 0.95);
  return { groups: ids.length, chance: 1 / ids.length, balancedAccuracy: observed, null: nullAccuracies, null95, margin, folds, images: n, predictsGroup: observed > null95 + margin };
}
