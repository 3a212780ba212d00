/**
 * Dense linear algebra in float64 for the small systems the surrogates solve: KernelSHAP and LIME
 * fits (attribution/), interventional Shapley and logistic regression (tabular/). It lives at the
 * bottom tier so that both siblings use one solver without importing each other.
 */

/** Solves A x = b (A n×n, row-major, float64) by Gaussian elimination with partial pivoting. */
export function solveLinear(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[piv * n + col])) piv = r;
    if (m[piv * n + col] === 0) throw new Error('solveLinear: singular system');
    if (piv !== col) {
      for (let k = 0; k < n; k++) [m[col * n + k], m[piv * n + k]] = [m[piv * n + k], m[col * n + k]];
      [x[col], x[piv]] = [x[piv], x[col]];
    }
    const p = m[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / p;
      if (f === 0) continue;
      for (let k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
    x[r] = s / m[r * n + r];
  }
  return x;
}

/**
 * Weighted ridge regression with an intercept: minimises
 *   Σ_s (w_s / Σw) (y_s − β₀ − Σ_j X[s, j] β_j)² + ridge · Σ_j β_j²
 * (the intercept, when fitted, is not penalised; without it β₀ = 0) through the normal equations in
 * float64. Rows are dense Float64Array or binary Uint8Array of length M. Returns the intercept and
 * the M coefficients.
 */
export function weightedRidge(
  rows: readonly ArrayLike<number>[],
  y: ArrayLike<number>,
  weights: ArrayLike<number>,
  m: number,
  ridge: number,
  intercept = true,
): { intercept: number; coef: Float64Array } {
  const o = intercept ? 1 : 0;
  const p = m + o;
  const ata = new Float64Array(p * p);
  const atb = new Float64Array(p);
  let total = 0;
  for (let s = 0; s < rows.length; s++) total += weights[s];
  if (!(total > 0)) throw new Error('weightedRidge: the sample weights sum to zero');
  const xs = new Float64Array(p);
  const active: number[] = [];
  for (let s = 0; s < rows.length; s++) {
    const w = weights[s] / total;
    if (w === 0) continue;
    const row = rows[s];
    active.length = 0;
    if (intercept) {
      xs[0] = 1;
      active.push(0);
    }
    for (let j = 0; j < m; j++) {
      xs[j + o] = row[j];
      if (row[j] !== 0) active.push(j + o);
    }
    // Only the non-zero entries contribute (coalitions are sparse-ish binary vectors).
    for (const a of active) {
      const wa = w * xs[a];
      atb[a] += wa * y[s];
      for (const b of active) ata[a * p + b] += wa * xs[b];
    }
  }
  for (let j = o; j < p; j++) ata[j * p + j] += ridge;
  const beta = solveLinear(ata, atb, p);
  return { intercept: intercept ? beta[0] : 0, coef: beta.slice(o) };
}
