/**
 * Cholesky factorisation and solves in float64 for symmetric positive-definite systems (ridge
 * normal equations, penalised Gram matrices): half the work of Gaussian elimination and one factor
 * for many right-hand sides.
 */

/** Lower-triangular L with A = L Lᵀ (A d×d, row-major); throws when A is not positive definite. */
export function choleskyLower(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j];
      for (let k = 0; k < j; k++) sum -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(sum > 0)) throw new Error(`cholesky: the matrix is not positive definite (pivot ${i} is ${sum}); add a ridge`);
        l[i * d + i] = Math.sqrt(sum);
      } else l[i * d + j] = sum / l[j * d + j];
    }
  return l;
}

/** A⁻¹B for A d×d symmetric positive definite and B d×m (both row-major); returns d×m. */
export function choleskySolveColumns(a: Float64Array, b: Float64Array, d: number, m: number): Float64Array {
  const l = choleskyLower(a, d);
  const x = Float64Array.from(b);
  // Forward: L z = b, row by row over all m columns at once.
  for (let i = 0; i < d; i++) {
    const row = i * m;
    for (let k = 0; k < i; k++) {
      const f = l[i * d + k];
      if (f === 0) continue;
      const other = k * m;
      for (let c = 0; c < m; c++) x[row + c] -= f * x[other + c];
    }
    const p = l[i * d + i];
    for (let c = 0; c < m; c++) x[row + c] /= p;
  }
  // Backward: Lᵀ x = z.
  for (let i = d - 1; i >= 0; i--) {
    const row = i * m;
    for (let k = i + 1; k < d; k++) {
      const f = l[k * d + i];
      if (f === 0) continue;
      const other = k * m;
      for (let c = 0; c < m; c++) x[row + c] -= f * x[other + c];
    }
    const p = l[i * d + i];
    for (let c = 0; c < m; c++) x[row + c] /= p;
  }
  return x;
}
