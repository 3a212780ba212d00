/**
 * ROAD: RemOve And Debias (Rong, Leemann et al., ICML 2022). Removing pixels by setting them to a
 * constant leaks the removal pattern (the model sees the shape of the hole, which is the
 * explanation). ROAD instead fills each removed pixel with the weighted mean of its 8 neighbours —
 * weights 1/6 for the 4 direct and 1/12 for the 4 diagonal neighbours, renormalised at the border —
 * where removed neighbours are themselves unknowns, so all removed pixels of a channel are the
 * solution of one sparse linear system:
 *     s_i v_i − Σ_{j removed nbr} w_ij v_j = Σ_{k kept nbr} w_ik x_k,   s_i = Σ_{all nbr in image} w_ij
 * then adds Gaussian noise of std `noise` (0.01 in the paper's code) to the imputed values.
 * The matrix is symmetric, diagonally dominant and, as long as one pixel is kept, positive definite;
 * we solve it by conjugate gradients with a Jacobi preconditioner (the reference code uses a direct
 * sparse solve; both give the same solution up to the tolerance).
 *
 * MoRF removes the given percentage of most relevant pixels (channel-summed attribution), LeRF the
 * least relevant. A faithful map makes MoRF scores drop fast and LeRF scores stay high.
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, shapeToString, sizeOf } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import type { Target } from '../attribution/explainer.js';
import type { ScoreKind } from './perturbation.js';
import { checkAttributions, checkPositiveInt, featureAttribution, featureOrder, mean, metricFeatures, scorePerturbedCopies, targetScorer } from './perturbation.js';

/** The 8-neighbourhood of the ROAD reference implementation: [dy, dx, weight]. */
export const ROAD_NEIGHBOURS: readonly (readonly [number, number, number])[] = [
  [1, 1, 1 / 12], [0, 1, 1 / 6], [-1, 1, 1 / 12], [1, -1, 1 / 12],
  [0, -1, 1 / 6], [-1, -1, 1 / 12], [1, 0, 1 / 6], [-1, 0, 1 / 6],
];

export interface ImputationOptions {
  /** Std of the Gaussian noise added to imputed pixels (default 0.01, absolute). */
  noise?: number;
  /** Random stream for the noise (required when noise > 0). */
  rng?: Random;
  /** Relative residual at which conjugate gradients stops (default 1e-7). */
  tolerance?: number;
}

/**
 * Noisy linear imputation of one image [C, H, W] (flat, channel-major): pixels with removed[p] = 1
 * (p = y·W + x) are replaced in every channel; kept pixels are copied unchanged.
 */
export function noisyLinearImputation(image: Float32Array, shape: readonly [number, number, number], removed: Uint8Array, options: ImputationOptions = {}): Float32Array {
  const [c, h, w] = shape;
  const plane = h * w;
  if (image.length !== c * plane || removed.length !== plane) throw new Error(`noisyLinearImputation: image of ${image.length} values / mask of ${removed.length} do not match [${c}, ${h}, ${w}]`);
  const noise = options.noise ?? 0.01;
  if (!(noise >= 0)) throw new Error(`ROAD noise must be ≥ 0 (got ${noise})`);
  if (noise > 0 && !options.rng) throw new Error('noisyLinearImputation: noise > 0 needs a seeded rng');
  const tol = options.tolerance ?? 1e-7;
  const out = Float32Array.from(image);
  const unknownOf = new Int32Array(plane).fill(-1);
  const pixels: number[] = [];
  for (let p = 0; p < plane; p++) if (removed[p]) unknownOf[p] = pixels.push(p) - 1;
  const m = pixels.length;
  if (m === 0) return out;
  if (m === plane) throw new Error('ROAD cannot impute an image with every pixel removed (nothing to interpolate from); use percentages below 100');

  // The system in CSR form: diag[k], and the removed neighbours (cols, weights) of each unknown k.
  const diag = new Float64Array(m);
  const rowStart = new Int32Array(m + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const known: [number, number, number][] = []; // [unknown k, kept pixel, weight] for the right-hand side
  for (let k = 0; k < m; k++) {
    const y = Math.floor(pixels[k] / w);
    const x = pixels[k] % w;
    for (const [dy, dx, wt] of ROAD_NEIGHBOURS) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      diag[k] += wt;
      const q = yy * w + xx;
      if (unknownOf[q] >= 0) {
        cols.push(unknownOf[q]);
        vals.push(wt);
      } else known.push([k, q, wt]);
    }
    rowStart[k + 1] = cols.length;
  }
  const apply = (v: Float64Array, into: Float64Array) => {
    for (let k = 0; k < m; k++) {
      let s = diag[k] * v[k];
      for (let t = rowStart[k]; t < rowStart[k + 1]; t++) s -= vals[t] * v[cols[t]];
      into[k] = s;
    }
  };

  const b = new Float64Array(m);
  const v = new Float64Array(m);
  const r = new Float64Array(m);
  const z = new Float64Array(m);
  const p = new Float64Array(m);
  const ap = new Float64Array(m);
  for (let ch = 0; ch < c; ch++) {
    const o = ch * plane;
    b.fill(0);
    for (const [k, q, wt] of known) b[k] += wt * image[o + q];
    // Start from the Jacobi guess b/diag (kept neighbours only; removed ones count as 0).
    for (let k = 0; k < m; k++) v[k] = b[k] / diag[k];
    apply(v, ap);
    let bNorm = 0;
    for (let k = 0; k < m; k++) {
      r[k] = b[k] - ap[k];
      z[k] = r[k] / diag[k];
      p[k] = z[k];
      bNorm += b[k] * b[k];
    }
    bNorm = Math.sqrt(bNorm);
    let rz = 0;
    for (let k = 0; k < m; k++) rz += r[k] * z[k];
    for (let iter = 0; iter < 10 * m + 100; iter++) {
      let rNorm = 0;
      for (let k = 0; k < m; k++) rNorm += r[k] * r[k];
      if (Math.sqrt(rNorm) <= tol * Math.max(bNorm, 1e-30)) break;
      apply(p, ap);
      let pap = 0;
      for (let k = 0; k < m; k++) pap += p[k] * ap[k];
      if (pap <= 0) break;
      const alpha = rz / pap;
      let rzNext = 0;
      for (let k = 0; k < m; k++) {
        v[k] += alpha * p[k];
        r[k] -= alpha * ap[k];
        z[k] = r[k] / diag[k];
        rzNext += r[k] * z[k];
      }
      const beta = rzNext / rz;
      rz = rzNext;
      for (let k = 0; k < m; k++) p[k] = z[k] + beta * p[k];
    }
    for (let k = 0; k < m; k++) out[o + pixels[k]] = v[k] + (noise > 0 ? options.rng!.normal(0, noise) : 0);
  }
  return out;
}

export type RoadOrder = 'morf' | 'lerf';

export interface RoadOptions {
  target?: Target;
  /** Percentages of pixels removed (default 10, 20, …, 90); each in (0, 100). */
  percentages?: readonly number[];
  /** Most relevant first ('morf') and/or least relevant first ('lerf') (default both). */
  orders?: readonly RoadOrder[];
  /** Std of the imputation noise (default 0.01). */
  noise?: number;
  /** Seed of the imputation noise (default 0). */
  seed?: number;
  /** Default 'softmax'. */
  score?: ScoreKind;
  onProgress?: (done: number, total: number) => void;
}

export interface RoadCurve {
  percentages: number[];
  /** scores[i][p]: target score of image i with percentages[p] of its pixels imputed. */
  scores: number[][];
  meanScore: number[];
  /** Fraction of images still predicted as their target class, per percentage (class targets only). */
  accuracy?: number[];
  /** Mean of meanScore over the percentages. */
  average: number;
}

export interface RoadResult {
  metric: 'road';
  settings: { percentages: number[]; noise: number; seed: number; score: ScoreKind; imputation: 'noisy-linear'; targets?: number[] };
  morf?: RoadCurve;
  lerf?: RoadCurve;
  /** LeRF average − MoRF average (higher is better), when both were computed. */
  gap?: number;
}

const METRIC = 'ROAD';

export async function road(model: Model, inputs: Tensor, attributions: Tensor, options: RoadOptions = {}): Promise<RoadResult> {
  checkAttributions(METRIC, inputs, attributions);
  if (inputs.shape.length !== 4) throw new Error(`${METRIC} needs image inputs [N, C, H, W]; got ${shapeToString(inputs.shape)}`);
  const percentages = [...(options.percentages ?? [10, 20, 30, 40, 50, 60, 70, 80, 90])];
  if (percentages.length === 0 || percentages.some((q) => !(q > 0 && q < 100))) throw new Error(`${METRIC}: percentages must be numbers in (0, 100) (got ${JSON.stringify(options.percentages)})`);
  const orders = [...new Set(options.orders ?? (['morf', 'lerf'] as const))];
  if (orders.length === 0 || orders.some((o) => o !== 'morf' && o !== 'lerf')) throw new Error(`${METRIC}: orders must list 'morf' and/or 'lerf' (got ${JSON.stringify(options.orders)})`);
  const noise = options.noise ?? 0.01;
  const seed = options.seed ?? 0;
  checkPositiveInt(METRIC, 'seed', seed, 0);
  const scorer = await targetScorer(METRIC, model, inputs, options.target, options.score ?? 'softmax');

  const [n, c, h, w] = inputs.shape;
  const d = sizeOf(inputs.shape.slice(1));
  const plane = h * w;
  const pixelScores = featureAttribution(attributions, metricFeatures(METRIC, inputs, 1));
  const rng = new Random(seed);
  const perImage = orders.length * percentages.length;
  const predicted: number[] = new Array(n * perImage);
  const scores = await scorePerturbedCopies(
    model,
    inputs,
    scorer,
    perImage,
    (i, rows) => {
      const image = inputs.data.subarray(i * d, (i + 1) * d);
      orders.forEach((order, oi) => {
        const ranked = featureOrder(pixelScores[i], order === 'morf' ? 'most' : 'least');
        percentages.forEach((q, qi) => {
          const removed = new Uint8Array(plane);
          const count = Math.round((q / 100) * plane);
          for (let t = 0; t < count; t++) removed[ranked[t]] = 1;
          rows.set(noisyLinearImputation(image, [c, h, w], removed, { noise, rng }), (oi * percentages.length + qi) * d);
        });
      });
      options.onProgress?.(i + 1, n);
    },
    (output, first) => argmaxRows(output).forEach((k, row) => (predicted[first * perImage + row] = k)),
  );

  const result: RoadResult = {
    metric: 'road',
    settings: { percentages, noise, seed, score: scorer.kind, imputation: 'noisy-linear', ...(scorer.classes ? { targets: scorer.classes } : {}) },
  };
  orders.forEach((order, oi) => {
    const at = (i: number, qi: number) => i * perImage + oi * percentages.length + qi;
    const per = Array.from({ length: n }, (_, i) => percentages.map((_, qi) => scores[at(i, qi)]));
    const meanScore = percentages.map((_, qi) => mean(per.map((s) => s[qi])));
    const classes = scorer.classes;
    result[order] = {
      percentages,
      scores: per,
      meanScore,
      ...(classes ? { accuracy: percentages.map((_, qi) => classes.filter((k, i) => predicted[at(i, qi)] === k).length / n) } : {}),
      average: mean(meanScore),
    };
  });
  if (result.morf && result.lerf) result.gap = result.lerf.average - result.morf.average;
  return result;
}
