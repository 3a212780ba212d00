/**
 * The confounder probe's classifier in closed form, built so that refitting it on shuffled labels
 * is nearly free. Features are standardised on the training rows; T = X̃ᵀX̃/m + λI is their
 * regularised total covariance (it does not depend on the labels). Two classifiers share it:
 *
 * - nearest class mean in T's Mahalanobis metric (the probe): class c scores
 *     2·μ_cᵀT⁻¹x − μ_cᵀT⁻¹μ_c,   μ_c the mean of class c's training rows,
 *   i.e. LDA's rule with the total in place of the within-class covariance (T = W + B shares LDA's
 *   discriminant directions) and no prior term, so no class is favoured for being frequent — the
 *   probe is scored by balanced accuracy. With C = X̃_test T⁻¹ X̃_trainᵀ and G = X̃_train T⁻¹ X̃_trainᵀ,
 *   μ_cᵀT⁻¹x_i = mean of C[i, k] over class c's rows k and μ_cᵀT⁻¹μ_c = mean of G[k, l] over pairs
 *   of them: any labelling costs one pass over C and the within-class blocks of G.
 * - the least-squares (ridge) classifier: one-hot targets regressed on X̃ with intercepts,
 *   objective (1/m)‖Y − 1bᵀ − X̃W‖² + λ‖W‖²; fitted scores share_c + (1/m)·Σ_{k in c} C[i, k]
 *   (scikit-learn's RidgeClassifier with alpha = λm: its ±1 targets are an affine map of one-hot
 *   targets and give the same argmax). It checks C against scikit-learn; as a probe it suffers
 *   from masking with many classes (a class between others never wins), so it is not the probe.
 *
 * Why closed form: the permutation null refits the probe on 20+ shuffles with the *same* features
 * and folds, so C and G are computed once per fold and every shuffle is a pass over them instead
 * of an iterative fit. On the demo (1000 images, 64 features, 20 specimens, 21 cross-validations)
 * this turned a 36 s check into about a second.
 */
import { choleskySolveColumns } from '../tensor/cholesky.js';

export interface RidgeProbeOptions {
  /** L2 strength λ on the standardised features (default 1e-2). */
  ridge?: number;
}

export const RIDGE_PROBE_DEFAULT = 1e-2;

/** Train-set column means and population sds (a constant column keeps sd 1). */
export function standardiser(x: Float64Array, rows: readonly number[], d: number): { mean: Float64Array; scale: Float64Array } {
  const m = rows.length;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / m;
  for (const r of rows) for (let j = 0; j < d; j++) scale[j] += (x[r * d + j] - mean[j]) ** 2 / m;
  for (let j = 0; j < d; j++) scale[j] = scale[j] > 1e-24 ? Math.sqrt(scale[j]) : 1;
  return { mean, scale };
}

function standardisedRows(x: Float64Array, rows: readonly number[], d: number, mean: Float64Array, scale: Float64Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = (x[r * d + j] - mean[j]) / scale[j];
  });
  return out;
}

/** X̃ᵀX̃ + λm·I for the standardised training rows [m, d]. */
function penalisedGram(t: Float64Array, m: number, d: number, ridge: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let i = 0; i < m; i++) {
    const row = i * d;
    for (let a = 0; a < d; a++) {
      const v = t[row + a];
      if (v === 0) continue;
      for (let b = a; b < d; b++) g[a * d + b] += v * t[row + b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) g[a * d + b] = g[b * d + a];
    g[a * d + a] += ridge * m;
  }
  return g;
}

/** One fold's label-free part of both classifiers (see the file comment). */
export interface FoldSmoother {
  readonly train: readonly number[];
  readonly test: readonly number[];
  /** C = X̃_test T⁻¹ X̃_trainᵀ, [test, train] row-major. */
  readonly cross: Float64Array;
  /** G = X̃_train T⁻¹ X̃_trainᵀ, [train, train] row-major. */
  readonly gram: Float64Array;
}

function times(a: Float64Array, rows: number, d: number, b: Float64Array, m: number, scale: number): Float64Array {
  const out = new Float64Array(rows * m);
  for (let i = 0; i < rows; i++) {
    const o = i * m;
    for (let j = 0; j < d; j++) {
      const v = a[i * d + j] * scale;
      if (v === 0) continue;
      const brow = j * m;
      for (let k = 0; k < m; k++) out[o + k] += v * b[brow + k];
    }
  }
  return out;
}

/** C and G for one train/test split of the rows of x [n, d], with T = X̃ᵀX̃/m + λI. */
export function foldSmoother(x: Float64Array, d: number, train: readonly number[], test: readonly number[], ridge = RIDGE_PROBE_DEFAULT): FoldSmoother {
  const m = train.length;
  const { mean, scale } = standardiser(x, train, d);
  const t = standardisedRows(x, train, d, mean, scale);
  const e = standardisedRows(x, test, d, mean, scale);
  // B = A⁻¹ X̃ᵀ (d × m), then S = X̃_test B.
  const xt = new Float64Array(d * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) xt[j * m + i] = t[i * d + j];
  // B = (X̃ᵀX̃ + λmI)⁻¹ X̃ᵀ (d × m) = T⁻¹X̃ᵀ/m; then C = m·X̃_test B and G = m·X̃_train B.
  const b = choleskySolveColumns(penalisedGram(t, m, d, ridge), xt, d, m);
  return { train, test, cross: times(e, test.length, d, b, m, m), gram: times(t, m, d, b, m, m) };
}

/**
 * Nearest-class-mean scores [test, classes] in T's metric, 2·μ_cᵀT⁻¹x − μ_cᵀT⁻¹μ_c, for labels y
 * (ids 0..classes−1, indexed by row of the full data); a class absent from the training rows scores −∞.
 */
export function centroidScores(f: FoldSmoother, y: readonly number[], classes: number): Float64Array {
  const m = f.train.length;
  const members: number[][] = Array.from({ length: classes }, () => []);
  f.train.forEach((r, k) => members[y[r]].push(k));
  const self = members.map((ks) => {
    let sum = 0;
    for (const k of ks) for (const l of ks) sum += f.gram[k * m + l];
    return ks.length ? sum / (ks.length * ks.length) : NaN;
  });
  const scores = new Float64Array(f.test.length * classes);
  for (let i = 0; i < f.test.length; i++) {
    const row = i * m;
    for (let c = 0; c < classes; c++) {
      const ks = members[c];
      if (ks.length === 0) {
        scores[i * classes + c] = -Infinity;
        continue;
      }
      let sum = 0;
      for (const k of ks) sum += f.cross[row + k];
      scores[i * classes + c] = (2 * sum) / ks.length - self[c];
    }
  }
  return scores;
}

/**
 * Fitted scores [test, classes] of the least-squares classifier trained on labels y (ids
 * 0..classes−1, indexed by row of the full data): score_c = share of class c among the train rows +
 * (1/m)·Σ_{train k with y_k = c} C[i, k] (the centred features make the intercepts the class shares).
 */
export function leastSquaresScores(f: FoldSmoother, y: readonly number[], classes: number): Float64Array {
  const m = f.train.length;
  const share = new Float64Array(classes);
  const trainLabels = f.train.map((r) => y[r]);
  for (const c of trainLabels) share[c] += 1 / m;
  const scores = new Float64Array(f.test.length * classes);
  for (let i = 0; i < f.test.length; i++) {
    const out = i * classes;
    for (let c = 0; c < classes; c++) scores[out + c] = share[c];
    const row = i * m;
    for (let k = 0; k < m; k++) scores[out + trainLabels[k]] += f.cross[row + k] / m;
  }
  return scores;
}

/** The argmax of each row of scores [rows, classes] (lowest class on ties). */
export function argmaxScores(scores: Float64Array, classes: number): number[] {
  const rows = scores.length / classes;
  return Array.from({ length: rows }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    return best;
  });
}

/** Out-of-fold predicted class of every row by the nearest-class-mean probe, from precomputed folds. */
export function outOfFoldPredictions(smoothers: readonly FoldSmoother[], y: readonly number[], classes: number): number[] {
  const predicted = new Array<number>(y.length);
  for (const f of smoothers) argmaxScores(centroidScores(f, y, classes), classes).forEach((p, i) => (predicted[f.test[i]] = p));
  return predicted;
}
