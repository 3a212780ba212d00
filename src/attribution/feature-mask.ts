/**
 * What KernelSHAP and LIME share: the interpretable features (a feature mask like Captum's
 * `feature_mask`), the evaluation of binary coalitions in chunked model.forward calls, and the
 * weighted least-squares solve of the linear surrogate.
 *
 * Features: for image inputs [N, C, H, W], square patches of side `patch` tiled from the top-left
 * corner (the last row and column of patches clipped at the border), each patch covering all
 * channels, numbered row-major over the patch grid; for tabular inputs [N, F], one feature per
 * column. A coalition z ∈ {0, 1}^M keeps the input where z = 1 and puts the baseline where z = 0.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, sizeOf, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import { weightedOutput } from './explainer.js';

export interface FeatureMask {
  /** Number of interpretable features M. */
  readonly count: number;
  /** Feature index of every element of one example (length prod(inputs.shape[1:])). */
  readonly featureOf: Int32Array;
}

/** Patches of side `patch` over [C, H, W] examples (all channels), or one feature per column of [F] examples. */
export function featureMask(inputShape: readonly number[], patch = 4, method = 'feature mask'): FeatureMask {
  if (inputShape.length === 2) {
    const f = inputShape[1];
    return { count: f, featureOf: Int32Array.from({ length: f }, (_, j) => j) };
  }
  if (inputShape.length !== 4) throw new Error(`${method} needs image inputs [N, C, H, W] or tabular inputs [N, F]; got ${inputShape.length}-D ${shapeToString(inputShape)}`);
  const [, c, h, w] = inputShape;
  if (!Number.isInteger(patch) || patch < 1) throw new Error(`${method}: patch must be an integer ≥ 1 (got ${patch})`);
  const gw = Math.ceil(w / patch);
  const gh = Math.ceil(h / patch);
  const plane = h * w;
  const featureOf = new Int32Array(c * plane);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) featureOf[ch * plane + y * w + x] = Math.floor(y / patch) * gw + Math.floor(x / patch);
  return { count: gh * gw, featureOf };
}

/** Checks a baseline (a number, or a tensor of the inputs' shape). */
export function checkBaseline(method: string, inputs: Tensor, baseline: number | Tensor): void {
  if (typeof baseline !== 'number' && baseline.shape.join() !== inputs.shape.join()) {
    throw new Error(`${method} baseline has shape ${shapeToString(baseline.shape)}; it must be a number or match the inputs ${shapeToString(inputs.shape)}`);
  }
}

/**
 * Weighted outputs of every coalition of every input: coalitions[i] holds the S_i binary rows
 * (each of length M) of input i; returns scores[i][s]. All rows of all inputs go to model.forward
 * in chunks of `chunk` rows (the model splits them further by its own batch size).
 */
export async function evaluateCoalitions(
  model: Model,
  inputs: Tensor,
  baseline: number | Tensor,
  mask: FeatureMask | readonly FeatureMask[],
  coalitions: readonly (readonly Uint8Array[])[],
  cotangent: Tensor,
  chunk: number,
): Promise<Float64Array[]> {
  const d = sizeOf(inputs.shape.slice(1));
  const jobs: { img: number; s: number }[] = [];
  coalitions.forEach((rows, img) => rows.forEach((_, s) => jobs.push({ img, s })));
  const scores = coalitions.map((rows) => new Float64Array(rows.length));
  const size = Math.max(1, chunk);
  for (let start = 0; start < jobs.length; start += size) {
    const part = jobs.slice(start, start + size);
    const batch = new Float32Array(part.length * d);
    part.forEach(({ img, s }, r) => {
      const z = coalitions[img][s];
      const off = img * d;
      const dst = r * d;
      const featureOf = maskOf(mask, img).featureOf;
      for (let e = 0; e < d; e++) {
        const keep = z[featureOf[e]] === 1;
        batch[dst + e] = keep ? inputs.data[off + e] : typeof baseline === 'number' ? baseline : baseline.data[off + e];
      }
    });
    const out = await model.forward(tensor([part.length, ...inputs.shape.slice(1)], batch));
    const y = weightedOutput(out, cotangent, (r) => part[r].img);
    part.forEach(({ img, s }, r) => {
      scores[img][s] = y[r];
    });
  }
  return scores;
}

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
 * (the intercept, when fitted, is not penalised; without it β₀ = 0) through the normal equations in float64. Rows are dense
 * Float64Array or binary Uint8Array of length M. Returns the intercept and the M coefficients.
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

/** The mask of image `img`: one shared mask, or one per image (superpixels). */
export function maskOf(mask: FeatureMask | readonly FeatureMask[], img: number): FeatureMask {
  return 'featureOf' in mask ? mask : mask[img];
}

/** Per-feature values [N, M] broadcast back to every element of each feature, in the inputs' shape. */
export function broadcastFeatures(inputs: Tensor, mask: FeatureMask | readonly FeatureMask[], perFeature: readonly Float64Array[]): Tensor {
  const d = sizeOf(inputs.shape.slice(1));
  const values = new Float32Array(inputs.data.length);
  perFeature.forEach((phi, i) => {
    const featureOf = maskOf(mask, i).featureOf;
    for (let e = 0; e < d; e++) values[i * d + e] = phi[featureOf[e]];
  });
  return tensor(inputs.shape, values);
}

/** [N, M] tensor of per-feature values (rows with fewer features, as superpixels give, are zero-padded to M). */
export function featureTable(perFeature: readonly Float64Array[], m: number): Tensor {
  const out = new Float32Array(perFeature.length * m);
  perFeature.forEach((phi, i) => out.set(phi, i * m));
  return tensor([perFeature.length, m], out);
}
