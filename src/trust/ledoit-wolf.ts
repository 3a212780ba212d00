/**
 * Ledoit–Wolf shrinkage covariance (Ledoit & Wolf, "A well-conditioned estimator for large-dimensional
 * covariance matrices", J. Multivariate Anal. 2004), with scikit-learn's formula
 * (sklearn.covariance.ledoit_wolf_shrinkage):
 *
 *   S = XᵀX / n (X centred), μ = tr S / p,
 *   β = (Σ_k ‖x_k‖⁴ / n − ‖S‖²_F) / (p n),   δ = ‖S − μI‖²_F / p,
 *   shrinkage = min(β, δ) / δ,   Σ̂ = (1 − shrinkage) S + shrinkage μ I.
 *
 * Why here: with a few hundred samples per feature dimension the empirical covariance is noisy and
 * often singular (dead ReLU units); shrinking towards μI makes it invertible with a data-chosen
 * amount instead of a hand-set ridge.
 */

export interface LedoitWolfResult {
  /** Σ̂, row-major [p, p]. */
  readonly covariance: Float64Array;
  /** The shrinkage intensity in [0, 1]. */
  readonly shrinkage: number;
  /** μ = tr S / p, the scale of the shrinkage target μI. */
  readonly mu: number;
}

/** The empirical (maximum-likelihood) covariance S = XᵀX / n of rows that are already centred. */
export function scatterOfCentred(x: Float32Array | Float64Array, n: number, p: number): Float64Array {
  const s = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let a = 0; a < p; a++) {
      const xa = x[row + a];
      if (xa === 0) continue; // ReLU features are mostly zero: skip whole rows of the outer product
      const base = a * p;
      for (let b = 0; b <= a; b++) s[base + b] += xa * x[row + b];
    }
  }
  for (let a = 0; a < p; a++)
    for (let b = 0; b <= a; b++) s[b * p + a] = s[a * p + b] /= n;
  return s;
}

/**
 * Ledoit–Wolf of `n` rows of `p` features (row-major). `assumeCentred` as scikit-learn's
 * assume_centered: false subtracts the column means first.
 */
export function ledoitWolf(x: Float32Array | Float64Array, n: number, p: number, options: { assumeCentred?: boolean } = {}): LedoitWolfResult {
  if (!(n >= 1)) throw new Error('ledoitWolf: need at least one sample');
  if (x.length !== n * p) throw new Error(`ledoitWolf: ${x.length} values are not ${n} rows of ${p}`);
  let centred: Float32Array | Float64Array = x;
  if (!options.assumeCentred) {
    const mean = new Float64Array(p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += x[i * p + j];
    for (let j = 0; j < p; j++) mean[j] /= n;
    centred = new Float64Array(n * p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) centred[i * p + j] = x[i * p + j] - mean[j];
  }
  const s = scatterOfCentred(centred, n, p);
  return shrinkScatter(s, centred, n, p);
}

/** Ledoit–Wolf from a precomputed scatter S of the same centred rows (saves a second O(n p²) pass). */
export function shrinkScatter(s: Float64Array, centred: Float32Array | Float64Array, n: number, p: number): LedoitWolfResult {
  let trace = 0;
  for (let a = 0; a < p; a++) trace += s[a * p + a];
  const mu = trace / p;
  // One feature: every shrinkage gives the same matrix; scikit-learn reports 0.
  if (p === 1) return { covariance: Float64Array.from(s), shrinkage: 0, mu };
  let frob = 0;
  for (let i = 0; i < p * p; i++) frob += s[i] * s[i];
  // Σ_k ‖x_k‖⁴ is scikit-learn's sum of the entries of (X²)ᵀ X².
  let fourth = 0;
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = 0; j < p; j++) sq += centred[i * p + j] * centred[i * p + j];
    fourth += sq * sq;
  }
  const delta = (frob - p * mu * mu) / p;
  const beta = Math.min((fourth / n - frob) / (p * n), delta);
  const shrinkage = beta <= 0 || delta <= 0 ? 0 : beta / delta;
  const covariance = new Float64Array(p * p);
  for (let i = 0; i < p * p; i++) covariance[i] = (1 - shrinkage) * s[i];
  for (let a = 0; a < p; a++) covariance[a * p + a] += shrinkage * mu;
  return { covariance, shrinkage, mu };
}
