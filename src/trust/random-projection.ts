/**
 * A seeded sparse random projection from D features down to K (a sparse Johnson–Lindenstrauss
 * transform, Kane & Nelson, J. ACM 2014): every input feature is added, with a random sign and weight
 * 1/√s, to s distinct random output coordinates. Every feature contributes (unlike a very sparse
 * projection that leaves some columns empty), pairwise geometry is kept up to a small distortion, and
 * projecting a row costs D·s additions instead of the D·K of a dense Gaussian matrix.
 *
 * Why not PCA: Mahalanobis distances find out-of-distribution inputs mostly along the
 * low-variance directions of the training features (Kamoi & Kobayashi 2020), exactly the ones a
 * top-K PCA drops; a random projection keeps a mixture of all directions and needs no D×D
 * decomposition.
 */
import { Random } from '../tensor/random.js';

export interface SparseProjection {
  readonly from: number;
  readonly to: number;
  /** Output coordinates per input feature. */
  readonly perFeature: number;
  /** [from · perFeature] output coordinate of each (feature, slot). */
  readonly targets: Int32Array;
  /** [from · perFeature] ±1/√perFeature. */
  readonly weights: Float32Array;
}

export function sparseProjection(from: number, to: number, seed: number, perFeature = 8): SparseProjection {
  if (!Number.isInteger(from) || from < 1 || !Number.isInteger(to) || to < 1) throw new Error(`sparseProjection: ${from} → ${to} features is not a projection`);
  const s = Math.min(perFeature, to);
  const rng = new Random(seed);
  const targets = new Int32Array(from * s);
  const weights = new Float32Array(from * s);
  const w = 1 / Math.sqrt(s);
  const pool = Int32Array.from({ length: to }, (_, i) => i);
  for (let j = 0; j < from; j++) {
    // s distinct coordinates: a partial Fisher–Yates shuffle of the pool.
    for (let t = 0; t < s; t++) {
      const r = rng.int(t, to);
      const v = pool[r];
      pool[r] = pool[t];
      pool[t] = v;
      targets[j * s + t] = v;
      weights[j * s + t] = rng.next() < 0.5 ? -w : w;
    }
  }
  return { from, to, perFeature: s, targets, weights };
}

/** Projects `n` rows of `from` features (row-major) to `n` rows of `to` (float32: each output sums ~D·s/K terms). */
export function projectRows(p: SparseProjection, x: Float32Array, n: number): Float32Array {
  if (x.length !== n * p.from) throw new Error(`projectRows: ${x.length} values are not ${n} rows of ${p.from}`);
  const out = new Float32Array(n * p.to);
  const s = p.perFeature;
  for (let i = 0; i < n; i++) {
    const src = i * p.from;
    const dst = i * p.to;
    for (let j = 0; j < p.from; j++) {
      const v = x[src + j];
      if (v === 0) continue; // dead ReLU units cost nothing
      for (let t = j * s, end = t + s; t < end; t++) out[dst + p.targets[t]] += p.weights[t] * v;
    }
  }
  return out;
}
