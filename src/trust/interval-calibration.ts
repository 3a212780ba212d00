/**
 * Calibration of a regressor's intervals across levels (Kuleshov, Fenner & Ermon 2018, "Accurate
 * uncertainties for deep learning using calibrated regression"): a forecaster is calibrated when, for
 * every level p, a share p of the targets falls at or below its predicted p-quantile — the regression
 * counterpart of a reliability diagram. Two sources of intervals:
 * - quantile outputs (`--quantiles`): observed P(y ≤ q̂_τ) against τ for each declared level, over
 *   every audited image (nothing is fitted, so nothing is held out);
 * - a point regressor: intervals ŷ ± q̂_p from the absolute residuals of a calibration half (the
 *   split-conformal quantile at each nominal level p), their coverage measured on the other half.
 * A level is miscalibrated when |observed − nominal| exceeds max(0.05, 3 binomial standard errors).
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
  /** |observed − nominal| allowed: max(0.05, 3·√(p(1 − p)/rows)). */
  tolerance: number;
  /** Point regressor: mean width of the intervals at this level. */
  meanWidth?: number;
}

export function calibrationTolerance(nominal: number, rows: number): number {
  return Math.max(CALIBRATION_FLOOR, 3 * Math.sqrt((nominal * (1 - nominal)) / Math.max(1, rows)));
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
    return { nominal: p, observed: inside / s.rest.length, rows: s.rest.length, tolerance: calibrationTolerance(p, s.rest.length), meanWidth: 2 * q };
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
