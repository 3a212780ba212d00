/**
 * Calibration of a regressor's intervals across levels (Kuleshov, Fenner & Ermon 2018, "Accurate
 * uncertainties for deep learning using calibrated regression"): a forecaster is calibrated when, for
 * every level p, a share p of the targets falls at or below its predicted p-quantile — the regression
 * counterpart of a reliability diagram. Two sources of intervals:
 * - quantile outputs (`--quantiles`): observed P(y ≤ q̂_τ) against τ for each declared level, over
 *   every audited image (nothing is fitted, so nothing is held out);
 * - a point regressor: intervals ŷ ± q̂_p from the absolute residuals of a calibration half (the
 *   split-conformal quantile at each nominal level p), their coverage measured on the other half.
 * A level is miscalibrated when |observed − nominal| exceeds max(0.05, 3 standard errors). For residual
 * intervals the error has two parts: the test half's binomial count, p(1 − p)/n_test, and the
 * calibration half's quantile, whose coverage is Beta-distributed with variance ≈ p(1 − p)/(n_cal + 2);
 * with the test part alone, exchangeable Gaussian data were flagged in 7–10% of 1000 seeded runs
 * (n = 40…1000), with both parts in 1–3%.
 */
import { conformalQuantile } from './conformal.js';
import { holdOutSplit } from './folds.js';

/** The nominal central-interval levels a point regressor is checked at. */
export const NOMINAL_LEVELS: readonly number[] = [0.5, 0.8, 0.9, 0.95];

/** Absolute floor of the tolerance: a 5-point miss is always allowed. */
export const CALIBRATION_FLOOR = 0.05;

export interface CalibrationPoint {
  nominal: number;
  observed: number;
  /** Rows the observed share is measured on. */
  rows: number;
  /** |observed − nominal| allowed: max(0.05, 3·SE), see the file comment. */
  tolerance: number;
  /** Point regressor: mean width of the intervals at this level. */
  meanWidth?: number;
}

/** max(0.05, 3·SE), SE² = p(1 − p)·(1/rows + 1/(calibrationRows + 2)) (no calibration part when nothing was fitted). */
export function calibrationTolerance(nominal: number, rows: number, calibrationRows?: number): number {
  const variance = nominal * (1 - nominal) * (1 / Math.max(1, rows) + (calibrationRows === undefined ? 0 : 1 / (calibrationRows + 2)));
  return Math.max(CALIBRATION_FLOOR, 3 * Math.sqrt(variance));
}

/** Coverage of ŷ ± q̂_p on a held-out half, q̂_p the conformal quantile of calibration residuals at level p. */
export function residualIntervalCalibration(predictions: ArrayLike<number>, targets: ArrayLike<number>, options: { levels?: readonly number[]; calibrationFraction?: number; seed?: number } = {}): CalibrationPoint[] {
  if (predictions.length !== targets.length) throw new Error(`interval calibration: ${predictions.length} predictions for ${targets.length} targets; give one per image`);
  const levels = options.levels ?? NOMINAL_LEVELS;
  const s = holdOutSplit(targets.length, options.calibrationFraction ?? 0.5, options.seed ?? 0);
  if (!s) throw new Error(`interval calibration: ${targets.length} rows cannot be split into a calibration and a test half; give more images`);
  const residuals = s.first.map((i) => Math.abs(targets[i] - predictions[i]));
  return levels.map((p) => {
    if (!(p > 0 && p < 1)) throw new Error(`interval calibration: levels must lie in (0, 1) (got ${p})`);
    const q = conformalQuantile(residuals, 1 - p);
    const inside = s.rest.filter((i) => Math.abs(targets[i] - predictions[i]) <= q).length;
    return { nominal: p, observed: inside / s.rest.length, rows: s.rest.length, tolerance: calibrationTolerance(p, s.rest.length, s.first.length), meanWidth: 2 * q };
  });
}

/** Observed P(y ≤ q̂_τ) for each quantile output of level τ. */
export function quantileCalibration(quantiles: readonly { level: number; values: ArrayLike<number> }[], targets: ArrayLike<number>): CalibrationPoint[] {
  return quantiles.map(({ level, values }) => {
    if (values.length !== targets.length) throw new Error(`interval calibration: the q${level} output has ${values.length} rows for ${targets.length} targets`);
    let below = 0;
    for (let i = 0; i < targets.length; i++) if (targets[i] <= values[i]) below++;
    return { nominal: level, observed: below / targets.length, rows: targets.length, tolerance: calibrationTolerance(level, targets.length) };
  });
}

/** The levels whose observed share misses the nominal one by more than the tolerance. */
export function miscalibrated(points: readonly CalibrationPoint[]): CalibrationPoint[] {
  return points.filter((p) => Math.abs(p.observed - p.nominal) > p.tolerance);
}
