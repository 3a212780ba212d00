/**
 * Mahalanobis out-of-distribution score (Lee et al., NeurIPS 2018): class means of a network's
 * penultimate features and one covariance shared by the classes (the pooled within-class
 * maximum-likelihood estimate, as scikit-learn's EmpiricalCovariance on class-centred features);
 * an input's score is its distance to the nearest class mean, √min_c (f − μ_c)ᵀ Σ⁻¹ (f − μ_c).
 * ReLU features often have dead (always zero) or collinear units, so Σ is regularised by a ridge
 * relative to its mean variance: Σ + ridge · (tr Σ / D) · I.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString } from '../tensor/tensor.js';

export interface MahalanobisOptions {
  /** Relative ridge added to the covariance's diagonal (default 1e-3; 0 for none). */
  ridge?: number;
}

export interface MahalanobisFit {
  readonly dim: number;
  /** [classes][dim] */
  readonly means: readonly Float64Array[];
  /** The regularised shared covariance, row-major [dim, dim]. */
  readonly covariance: Float64Array;
  /** Its Cholesky factor L (lower triangular, row-major): covariance = L Lᵀ. */
  readonly cholesky: Float64Array;
}

function checkFeatures(features: Tensor, what: string): [number, number] {
  if (features.shape.length !== 2) throw new Error(`${what}: features have shape ${shapeToString(features.shape)}; give [N, D]`);
  const bad = firstNonFinite(features.data);
  if (bad >= 0) throw new Error(`${what}: features hold a non-finite value at flat index ${bad}`);
  return [features.shape[0], features.shape[1]];
}

function choleskyFactor(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j];
      for (let k = 0; k < j; k++) sum -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(sum > 0)) throw new Error('Mahalanobis: the feature covariance is singular; raise the ridge option (e.g. 1e-3) or use another layer');
        l[i * d + i] = Math.sqrt(sum);
      } else l[i * d + j] = sum / l[j * d + j];
    }
  return l;
}

export function fitMahalanobis(features: Tensor, labels: readonly number[], options: MahalanobisOptions = {}): MahalanobisFit {
  const [n, d] = checkFeatures(features, 'fitMahalanobis');
  const ridge = options.ridge ?? 1e-3;
  if (!(ridge >= 0)) throw new Error(`Mahalanobis ridge must be ≥ 0 (got ${options.ridge})`);
  if (labels.length !== n) throw new Error(`fitMahalanobis: ${n} feature rows but ${labels.length} labels`);
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0);
  if (bad >= 0) throw new Error(`fitMahalanobis: label ${labels[bad]} at index ${bad} is not a class index`);
  const classes = Math.max(...labels) + 1;
  const counts = new Array<number>(classes).fill(0);
  const means = Array.from({ length: classes }, () => new Float64Array(d));
  const x = features.data;
  labels.forEach((c, i) => {
    counts[c]++;
    for (let j = 0; j < d; j++) means[c][j] += x[i * d + j];
  });
  means.forEach((m, c) => m.forEach((_, j) => (m[j] /= Math.max(1, counts[c]))));
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  labels.forEach((c, i) => {
    for (let j = 0; j < d; j++) centred[j] = x[i * d + j] - means[c][j];
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a * d + b] += centred[a] * centred[b];
  });
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) cov[b * d + a] = cov[a * d + b] /= n;
    trace += cov[a * d + a];
  }
  // An all-constant feature set has zero trace; the absolute floor keeps the factor defined.
  const lift = ridge * (trace > 0 ? trace / d : 1);
  for (let a = 0; a < d; a++) cov[a * d + a] += lift;
  // Only classes that occur: an absent class index must not attract inputs to a zero mean.
  const present = means.filter((_, c) => counts[c] > 0);
  return { dim: d, means: present, covariance: cov, cholesky: choleskyFactor(cov, d) };
}

/** Distance of each row to its nearest class mean under the shared covariance. */
export function mahalanobisScores(fit: MahalanobisFit, features: Tensor): Float64Array {
  const [n, d] = checkFeatures(features, 'mahalanobisScores');
  if (d !== fit.dim) throw new Error(`mahalanobisScores: features have ${d} columns but the fit has ${fit.dim}; use the same layer`);
  const l = fit.cholesky;
  const out = new Float64Array(n);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (const mean of fit.means) {
      // Solve L z = f − μ; then (f − μ)ᵀ Σ⁻¹ (f − μ) = |z|².
      let sq = 0;
      for (let a = 0; a < d; a++) {
        let v = features.data[i * d + a] - mean[a];
        for (let k = 0; k < a; k++) v -= l[a * d + k] * z[k];
        z[a] = v / l[a * d + a];
        sq += z[a] * z[a];
      }
      best = Math.min(best, sq);
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}
