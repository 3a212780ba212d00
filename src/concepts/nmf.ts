/**
 * Non-negative matrix factorisation V ≈ W·H (V [m, n] ≥ 0, W [m, k], H [k, n]) by hierarchical
 * alternating least squares (HALS, Cichocki & Phan 2009): each row of H, then each column of W,
 * gets its exact non-negative least-squares update with the others fixed. This is the coordinate
 * descent scikit-learn's default solver runs, so the objectives are comparable. Seeded init as
 * scikit-learn's 'random': √(mean(V)/k)·|N(0, 1)|. ICE (ice.ts) factorises activations with it.
 */
import { Random } from '../tensor/random.js';

export interface NmfOptions {
  readonly components: number;
  readonly seed?: number;
  /** Maximum alternating sweeps (default 500). */
  readonly maxIterations?: number;
  /** Stop when the relative decrease of the error over 10 sweeps falls below this (default 1e-5). */
  readonly tolerance?: number;
}

export interface NmfResult {
  /** [m, k] row-major: each row's weight on each component. */
  readonly w: Float64Array;
  /** [k, n] row-major: the components. */
  readonly h: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly components: number;
  /** ||V − WH||_F, scikit-learn's reconstruction_err_. */
  readonly error: number;
  readonly iterations: number;
}

// Keeps a component from dying exactly at zero, where HALS could never revive it.
const FLOOR = 1e-12;

/** ||V − WH||_F. */
export function reconstructionError(v: ArrayLike<number>, w: Float64Array, h: Float64Array, m: number, n: number, k: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let r = v[i * n + j];
      for (let c = 0; c < k; c++) r -= w[i * k + c] * h[c * n + j];
      s += r * r;
    }
  }
  return Math.sqrt(s);
}

/** One HALS sweep over the rows of H for fixed W: H[c,:] ← max(0, H[c,:] + ((WᵀV)[c,:] − (WᵀW)[c,:]·H) / (WᵀW)[c,c]). */
function updateH(v: ArrayLike<number>, w: Float64Array, h: Float64Array, m: number, n: number, k: number): void {
  const wtv = new Float64Array(k * n);
  const wtw = new Float64Array(k * k);
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < k; c++) {
      const wic = w[i * k + c];
      if (wic === 0) continue;
      for (let j = 0; j < n; j++) wtv[c * n + j] += wic * v[i * n + j];
      // WᵀW is symmetric and each entry sums the same products in the same order of i either way:
      // the upper triangle, mirrored below, is bit-identical and halves this O(m·k²) part.
      for (let d = c; d < k; d++) wtw[c * k + d] += wic * w[i * k + d];
    }
  }
  for (let c = 0; c < k; c++) for (let d = 0; d < c; d++) wtw[c * k + d] = wtw[d * k + c];
  for (let c = 0; c < k; c++) {
    const diag = wtw[c * k + c];
    if (diag <= 0) continue;
    for (let j = 0; j < n; j++) {
      let s = wtv[c * n + j];
      for (let d = 0; d < k; d++) s -= wtw[c * k + d] * h[d * n + j];
      h[c * n + j] = Math.max(FLOOR, h[c * n + j] + s / diag);
    }
  }
}

/** The same sweep over the columns of W for fixed H. */
function updateW(v: ArrayLike<number>, w: Float64Array, h: Float64Array, m: number, n: number, k: number): void {
  const vht = new Float64Array(m * k);
  const hht = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += h[c * n + j] * h[d * n + j];
      hht[c * k + d] = s;
    }
  }
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += v[i * n + j] * h[c * n + j];
      vht[i * k + c] = s;
    }
  }
  for (let c = 0; c < k; c++) {
    const diag = hht[c * k + c];
    if (diag <= 0) continue;
    for (let i = 0; i < m; i++) {
      let s = vht[i * k + c];
      for (let d = 0; d < k; d++) s -= w[i * k + d] * hht[d * k + c];
      w[i * k + c] = Math.max(FLOOR, w[i * k + c] + s / diag);
    }
  }
}

function checkMatrix(v: ArrayLike<number>, m: number, n: number): void {
  if (v.length !== m * n) throw new Error(`NMF: the matrix has ${v.length} values, not ${m}×${n}`);
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0) || !Number.isFinite(v[i])) throw new Error(`NMF: the matrix must be non-negative and finite (value ${v[i]} at index ${i}); factorise activations after a ReLU`);
  }
}

/** Factorises V [m, n] into k non-negative components. */
export function nmf(v: ArrayLike<number>, m: number, n: number, options: NmfOptions): NmfResult {
  const k = options.components;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(m, n)) throw new Error(`NMF: components must be an integer in 1..${Math.min(m, n)} (got ${k})`);
  checkMatrix(v, m, n);
  const rng = new Random(options.seed ?? 0);
  let total = 0;
  for (let i = 0; i < v.length; i++) total += v[i];
  const scale = Math.sqrt(total / v.length / k);
  if (scale === 0) throw new Error('NMF: the matrix is all zeros; nothing to factorise (is the layer dead for these images?)');
  const h = Float64Array.from({ length: k * n }, () => scale * Math.abs(rng.normal()));
  const w = Float64Array.from({ length: m * k }, () => scale * Math.abs(rng.normal()));
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-5;
  let previous = reconstructionError(v, w, h, m, n, k);
  let iterations = 0;
  while (iterations < maxIterations) {
    updateW(v, w, h, m, n, k);
    updateH(v, w, h, m, n, k);
    iterations++;
    if (iterations % 10 === 0) {
      const e = reconstructionError(v, w, h, m, n, k);
      if (previous - e <= tolerance * previous) break;
      previous = e;
    }
  }
  return { w, h, rows: m, cols: n, components: k, error: reconstructionError(v, w, h, m, n, k), iterations };
}

/** W ≥ 0 minimising ||V − WH||_F for fixed components H (scikit-learn's NMF.transform). */
export function nmfTransform(v: ArrayLike<number>, m: number, h: Float64Array, k: number, n: number, sweeps = 100): Float64Array {
  checkMatrix(v, m, n);
  const w = new Float64Array(m * k).fill(1e-3);
  for (let s = 0; s < sweeps; s++) updateW(v, w, h, m, n, k);
  return w;
}
