/**
 * Split conformal prediction (Vovk et al.; Angelopoulos & Bates, "A Gentle Introduction to Conformal
 * Prediction", 2021): score a held-out calibration set, take the finite-sample quantile
 *   q̂ = the ⌈(n + 1)(1 − α)⌉-th smallest of the n calibration scores (+∞ when that exceeds n),
 * and predict for a new x the set of labels whose score is ≤ q̂. If calibration and test rows are
 * exchangeable, P(y ∈ set) ≥ 1 − α (and ≤ 1 − α + 1/(n + 1) when scores have no ties).
 *
 * Classification scores, from class probabilities p (rows summing to 1). Classes are ranked by
 * descending p (ties by class index); ρ(y) is the total probability ranked strictly before y, o(y)
 * its 1-based rank:
 *  - LAC (least ambiguous set-valued classifier, Sadinle et al. 2019): s = 1 − p_y;
 *  - APS (adaptive prediction sets, Romano et al. 2020): s = ρ(y) + u·p_y with u ~ U(0, 1) seeded
 *    per row when randomised, u = 1 otherwise (conservative: coverage ≥ 1 − α but not tight);
 *  - RAPS (regularised APS, Angelopoulos et al. 2021): APS + λ·max(0, o(y) − k_reg).
 * APS and RAPS scores grow along the ranking, so each set is the top classes up to the last one
 * whose score is ≤ q̂ (it may be empty when randomised, as in the papers with allow_zero_sets).
 *
 * Regression: s = |y − ŷ|, interval ŷ ± q̂.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { holdOutSplit } from './folds.js';

export type ConformalScore = 'lac' | 'aps' | 'raps';
export const CONFORMAL_SCORES: readonly ConformalScore[] = ['lac', 'aps', 'raps'];

export interface ConformalScoreOptions {
  score?: ConformalScore;
  /** APS/RAPS: draw u ~ U(0, 1) per row (default true); false uses u = 1. */
  randomised?: boolean;
  /** RAPS penalty weight λ (default 0.01). */
  lambda?: number;
  /** RAPS: ranks up to k_reg go unpenalised (default 2). */
  kReg?: number;
  /** Seed of the u draws (default 0). */
  seed?: number;
}

export interface ConformalClassifier extends Required<ConformalScoreOptions> {
  alpha: number;
  /** q̂: include a label when its score is ≤ this (+∞: every label). */
  threshold: number;
  calibrationSize: number;
}

/** The ⌈(n + 1)(1 − α)⌉-th smallest score, +∞ when n is too small for 1 − α. */
export function conformalQuantile(scores: ArrayLike<number>, alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new Error(`conformal: alpha must be in (0, 1) (got ${alpha})`);
  const n = scores.length;
  if (n === 0) throw new Error('conformal: no calibration scores; give at least one calibration example');
  // The small tolerance keeps (n + 1)(1 − α) = 9.000000000000002 from rounding up to 10.
  const rank = Math.ceil((n + 1) * (1 - alpha) - 1e-9);
  if (rank > n) return Infinity;
  const sorted = Float64Array.from(scores).sort();
  return sorted[Math.max(1, rank) - 1];
}

function checkProbabilities(probs: Tensor, labels: readonly number[] | undefined, what: string): void {
  if (probs.shape.length !== 2 || probs.shape[1] < 2) throw new Error(`${what}: probabilities have shape ${shapeToString(probs.shape)}; give [N, K] class probabilities with K ≥ 2 (softmax the logits first)`);
  const [n, k] = probs.shape;
  const bad = firstNonFinite(probs.data);
  if (bad >= 0) throw new Error(`${what}: probabilities hold a non-finite value at flat index ${bad}; clean the model outputs first`);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const p = probs.data[i * k + j];
      if (p < -1e-6) throw new Error(`${what}: row ${i} has a negative probability (${p}); give softmax outputs, not logits`);
      s += p;
    }
    if (Math.abs(s - 1) > 1e-3) throw new Error(`${what}: row ${i} sums to ${s.toFixed(4)}, not 1; give softmax outputs, not logits`);
  }
  if (labels) {
    if (labels.length !== n) throw new Error(`${what}: ${labels.length} labels for ${n} rows; give one label per row`);
    labels.forEach((y, i) => {
      if (!Number.isInteger(y) || y < 0 || y >= k) throw new Error(`${what}: label ${y} at row ${i} is not a class index in 0..${k - 1}`);
    });
  }
}

function resolveScore(options: ConformalScoreOptions): Required<ConformalScoreOptions> {
  const r = { score: options.score ?? 'aps', randomised: options.randomised ?? true, lambda: options.lambda ?? 0.01, kReg: options.kReg ?? 2, seed: options.seed ?? 0 };
  if (!CONFORMAL_SCORES.includes(r.score)) throw new Error(`conformal: score must be one of ${CONFORMAL_SCORES.join(', ')} (got '${String(r.score)}')`);
  if (!(r.lambda >= 0)) throw new Error(`conformal: lambda must be ≥ 0 (got ${r.lambda})`);
  if (!Number.isInteger(r.kReg) || r.kReg < 0) throw new Error(`conformal: kReg must be an integer ≥ 0 (got ${r.kReg})`);
  return r;
}

/** Classes of one row by descending probability (ties: lower index first). */
function ranking(p: ArrayLike<number>): number[] {
  return Array.from({ length: p.length }, (_, j) => j).sort((a, b) => p[b] - p[a] || a - b);
}

/** Scores of every class of one row, in class order, for one draw u. */
function rowScores(p: ArrayLike<number>, o: Required<ConformalScoreOptions>, u: number): Float64Array {
  const k = p.length;
  const s = new Float64Array(k);
  if (o.score === 'lac') {
    for (let j = 0; j < k; j++) s[j] = 1 - p[j];
    return s;
  }
  let before = 0;
  ranking(p).forEach((cls, r) => {
    s[cls] = before + u * p[cls] + (o.score === 'raps' ? o.lambda * Math.max(0, r + 1 - o.kReg) : 0);
    before += p[cls];
  });
  return s;
}

/** The score of each row's true label (u drawn per row from the seed when randomised). */
export function conformalScores(probs: Tensor, labels: readonly number[], options: ConformalScoreOptions = {}): Float64Array {
  checkProbabilities(probs, labels, 'conformalScores');
  const o = resolveScore(options);
  const rng = new Random(o.seed);
  const [n, k] = probs.shape;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = o.randomised && o.score !== 'lac' ? rng.next() : 1;
    out[i] = rowScores(probs.data.subarray(i * k, (i + 1) * k), o, u)[labels[i]];
  }
  return out;
}

/** Calibrates a conformal classifier at miscoverage α on held-out probabilities and labels. */
export function calibrateClassifier(probs: Tensor, labels: readonly number[], alpha: number, options: ConformalScoreOptions = {}): ConformalClassifier {
  const o = resolveScore(options);
  return { ...o, alpha, threshold: conformalQuantile(conformalScores(probs, labels, o), alpha), calibrationSize: labels.length };
}

/** Prediction sets (class indices, most probable first) for new rows. `seed` drives their u draws. */
export function predictionSets(classifier: ConformalClassifier, probs: Tensor, seed = classifier.seed + 1): number[][] {
  checkProbabilities(probs, undefined, 'predictionSets');
  const [n, k] = probs.shape;
  const rng = new Random(seed);
  const sets: number[][] = [];
  for (let i = 0; i < n; i++) {
    const p = probs.data.subarray(i * k, (i + 1) * k);
    const u = classifier.randomised && classifier.score !== 'lac' ? rng.next() : 1;
    const s = rowScores(p, classifier, u);
    sets.push(ranking(p).filter((cls) => s[cls] <= classifier.threshold));
  }
  return sets;
}

export interface SetSummary {
  /** Share of rows whose set holds the true label. */
  coverage: number;
  meanSize: number;
  /** sizeCounts[s] = rows with a set of s labels. */
  sizeCounts: number[];
}

export function summariseSets(sets: readonly (readonly number[])[], labels: readonly number[], classes: number): SetSummary {
  if (sets.length !== labels.length) throw new Error(`conformal: ${sets.length} sets for ${labels.length} labels`);
  const sizeCounts = new Array<number>(classes + 1).fill(0);
  let covered = 0;
  let total = 0;
  sets.forEach((s, i) => {
    sizeCounts[s.length]++;
    total += s.length;
    if (s.includes(labels[i])) covered++;
  });
  const n = Math.max(1, sets.length);
  return { coverage: covered / n, meanSize: total / n, sizeCounts };
}

export interface SplitConformalResult extends SetSummary {
  classifier: ConformalClassifier;
  calibrationRows: number[];
  testRows: number[];
  sets: number[][];
}

export interface SplitConformalOptions extends ConformalScoreOptions {
  alpha?: number;
  /** Share of rows used to calibrate (default 0.5); the rest measure coverage. */
  calibrationFraction?: number;
}

/** Seeded split of labelled probabilities into calibration and test rows; reports coverage and set sizes. */
export function splitConformal(probs: Tensor, labels: readonly number[], options: SplitConformalOptions = {}): SplitConformalResult {
  checkProbabilities(probs, labels, 'splitConformal');
  const alpha = options.alpha ?? 0.1;
  const fraction = options.calibrationFraction ?? 0.5;
  const n = labels.length;
  const seed = options.seed ?? 0;
  const split = holdOutSplit(n, fraction, seed);
  if (!split) throw new Error(`splitConformal: calibrationFraction ${fraction} of ${n} rows leaves no calibration or test rows`);
  const { first: calibrationRows, rest: testRows } = split;
  const k = probs.shape[1];
  const pick = (rows: number[]) => ({ shape: [rows.length, k], data: Float32Array.from(rows.flatMap((i) => Array.from(probs.data.subarray(i * k, (i + 1) * k)))) });
  const classifier = calibrateClassifier(pick(calibrationRows), calibrationRows.map((i) => labels[i]), alpha, { ...options, seed: seed + 1 });
  const sets = predictionSets(classifier, pick(testRows), seed + 2);
  return { classifier, calibrationRows, testRows, sets, ...summariseSets(sets, testRows.map((i) => labels[i]), k) };
}

export interface ConformalRegressor {
  alpha: number;
  /** Half-width of every interval. */
  threshold: number;
  calibrationSize: number;
}

function checkPairs(predictions: ArrayLike<number>, targets: ArrayLike<number>, what: string): void {
  if (predictions.length !== targets.length) throw new Error(`${what}: ${predictions.length} predictions for ${targets.length} targets; give one prediction per target`);
  for (let i = 0; i < predictions.length; i++) {
    if (!Number.isFinite(predictions[i]) || !Number.isFinite(targets[i])) throw new Error(`${what}: row ${i} holds a non-finite prediction or target; clean the data first`);
  }
}

/** Absolute-residual split conformal regression: calibrate q̂ on held-out predictions and targets. */
export function calibrateRegressor(predictions: ArrayLike<number>, targets: ArrayLike<number>, alpha: number): ConformalRegressor {
  checkPairs(predictions, targets, 'calibrateRegressor');
  const scores = Float64Array.from({ length: predictions.length }, (_, i) => Math.abs(targets[i] - predictions[i]));
  return { alpha, threshold: conformalQuantile(scores, alpha), calibrationSize: predictions.length };
}

export function predictionIntervals(regressor: ConformalRegressor, predictions: ArrayLike<number>): { lower: Float64Array; upper: Float64Array } {
  const lower = Float64Array.from(predictions, (p) => p - regressor.threshold);
  const upper = Float64Array.from(predictions, (p) => p + regressor.threshold);
  return { lower, upper };
}

/** Share of targets inside their intervals, and the mean width. */
export function intervalCoverage(intervals: { lower: ArrayLike<number>; upper: ArrayLike<number> }, targets: ArrayLike<number>): { coverage: number; meanWidth: number } {
  checkPairs(intervals.lower, targets, 'intervalCoverage');
  let covered = 0;
  let width = 0;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] >= intervals.lower[i] && targets[i] <= intervals.upper[i]) covered++;
    width += intervals.upper[i] - intervals.lower[i];
  }
  const n = Math.max(1, targets.length);
  return { coverage: covered / n, meanWidth: width / n };
}
