/**
 * Per-image uncertainty for a regressor: prediction intervals with a coverage guarantee, and how
 * good the point predictions are.
 *
 * - Split conformal (absolute residual; Lei et al. 2018): on a calibration half, s_i = |y_i − ŷ_i|,
 *   q̂ = the ⌈(n + 1)(1 − α)⌉-th smallest s (conformal.ts: conformalQuantile); interval ŷ ± q̂.
 * - CQR, conformalised quantile regression (Romano, Patterson & Candès 2019), when the model outputs
 *   a lower and an upper quantile: s_i = max(lo_i − y_i, y_i − hi_i) (negative inside the band),
 *   q̂ as above, interval [lo − q̂, hi + q̂] — the model's band widened (or narrowed, q̂ < 0) just
 *   enough, so its width still adapts to the input.
 * Both cover a new exchangeable target with probability ≥ 1 − α; coverage and mean width are
 * measured on the held-out half.
 */
import { conformalQuantile } from './conformal.js';
import { holdOutSplit } from './folds.js';

export interface RegressionFit {
  /** Mean absolute error. */
  mae: number;
  /** Root mean squared error. */
  rmse: number;
  /** Coefficient of determination 1 − SS_res / SS_tot (NaN when the targets are constant). */
  r2: number;
  /** Standard deviation of the targets (population form), the scale the errors compare with. */
  targetStd: number;
  rows: number;
}

function checkRows(what: string, columns: Record<string, ArrayLike<number>>): number {
  const entries = Object.entries(columns);
  const n = entries[0][1].length;
  for (const [name, c] of entries) {
    if (c.length !== n) throw new Error(`${what}: ${name} has ${c.length} rows but ${entries[0][0]} has ${n}; give one value per image`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(c[i])) throw new Error(`${what}: ${name} holds a non-finite value at row ${i}; clean the data first`);
  }
  return n;
}

/** MAE, RMSE and R² of predictions against real-valued targets. */
export function regressionFit(predictions: ArrayLike<number>, targets: ArrayLike<number>): RegressionFit {
  const n = checkRows('regressionFit', { targets, predictions });
  if (n === 0) throw new Error('regressionFit: no rows; give at least one prediction and target');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += targets[i] / n;
  let abs = 0;
  let sq = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const e = targets[i] - predictions[i];
    abs += Math.abs(e);
    sq += e * e;
    tot += (targets[i] - mean) ** 2;
  }
  return { mae: abs / n, rmse: Math.sqrt(sq / n), r2: tot > 0 ? 1 - sq / tot : NaN, targetStd: Math.sqrt(tot / n), rows: n };
}

export interface ConformalIntervals {
  method: 'split' | 'cqr';
  alpha: number;
  /** q̂: the half-width added around ŷ (split) or around the model's band (CQR). */
  threshold: number;
  /** Share of held-out targets inside their interval. */
  coverage: number;
  meanWidth: number;
  /** CQR only: coverage and mean width of the model's own band before conformalisation. */
  rawCoverage?: number;
  rawMeanWidth?: number;
  calibrationRows: number[];
  testRows: number[];
}

export interface IntervalOptions {
  /** Miscoverage α (default 0.1: 90% intervals). */
  alpha?: number;
  /** Share of rows used to calibrate (default 0.5); the rest measure coverage. */
  calibrationFraction?: number;
  seed?: number;
}

function split(n: number, options: IntervalOptions, what: string) {
  const alpha = options.alpha ?? 0.1;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`${what}: alpha must be in (0, 1) (got ${alpha})`);
  const fraction = options.calibrationFraction ?? 0.5;
  const s = holdOutSplit(n, fraction, options.seed ?? 0);
  if (!s) throw new Error(`${what}: a calibration fraction of ${fraction} of ${n} rows leaves no calibration or no test rows; give more images`);
  return { alpha, calibrationRows: s.first, testRows: s.rest };
}

/** Share of targets in [lower, upper] and the mean width, over the given rows. */
function coverageOf(rows: readonly number[], lower: (i: number) => number, upper: (i: number) => number, targets: ArrayLike<number>): { coverage: number; meanWidth: number } {
  let covered = 0;
  let width = 0;
  for (const i of rows) {
    if (targets[i] >= lower(i) && targets[i] <= upper(i)) covered++;
    width += upper(i) - lower(i);
  }
  return { coverage: covered / rows.length, meanWidth: width / rows.length };
}

/** Split conformal intervals ŷ ± q̂ from absolute residuals on a seeded calibration half. */
export function splitConformalIntervals(predictions: ArrayLike<number>, targets: ArrayLike<number>, options: IntervalOptions = {}): ConformalIntervals {
  const n = checkRows('splitConformalIntervals', { targets, predictions });
  const { alpha, calibrationRows, testRows } = split(n, options, 'splitConformalIntervals');
  const q = conformalQuantile(calibrationRows.map((i) => Math.abs(targets[i] - predictions[i])), alpha);
  const c = coverageOf(testRows, (i) => predictions[i] - q, (i) => predictions[i] + q, targets);
  return { method: 'split', alpha, threshold: q, ...c, calibrationRows, testRows };
}

/** CQR intervals [lo − q̂, hi + q̂] from the model's lower and upper quantile outputs. */
export function conformalisedQuantileIntervals(lower: ArrayLike<number>, upper: ArrayLike<number>, targets: ArrayLike<number>, options: IntervalOptions = {}): ConformalIntervals {
  const n = checkRows('conformalisedQuantileIntervals', { targets, 'lower quantile': lower, 'upper quantile': upper });
  const { alpha, calibrationRows, testRows } = split(n, options, 'conformalisedQuantileIntervals');
  const q = conformalQuantile(calibrationRows.map((i) => Math.max(lower[i] - targets[i], targets[i] - upper[i])), alpha);
  const c = coverageOf(testRows, (i) => lower[i] - q, (i) => upper[i] + q, targets);
  const raw = coverageOf(testRows, (i) => lower[i], (i) => upper[i], targets);
  return { method: 'cqr', alpha, threshold: q, ...c, rawCoverage: raw.coverage, rawMeanWidth: raw.meanWidth, calibrationRows, testRows };
}

/**
 * The verdict rule: coverage below 1 − α by more than three standard errors means the calibration
 * half does not represent the test half. The error has two parts: the test half's binomial count,
 * (1 − α)α/n_test, and the calibration quantile's own spread — the coverage of a split-conformal
 * interval is Beta-distributed over calibration sets, variance ≈ (1 − α)α/(n_cal + 2). With the test
 * part alone (the classification conformal check's margin) exchangeable Gaussian data were flagged in
 * 1.9–3.6% of 2000 seeded runs (n = 40…1000); with both parts in 0.15–1.1%.
 */
export function coverageShortfall(coverage: number, alpha: number, testRows: number, calibrationRows: number): { standardError: number; belowTarget: boolean } {
  const target = 1 - alpha;
  const standardError = Math.sqrt(target * (1 - target) * (1 / Math.max(1, testRows) + 1 / (calibrationRows + 2)));
  return { standardError, belowTarget: coverage < target - 3 * standardError };
}
