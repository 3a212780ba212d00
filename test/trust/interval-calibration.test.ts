/**
 * Interval calibration against analytic values: Gaussian residuals give ŷ ± q̂_p covering p of the
 * held-out targets with width → 2·z_{(1+p)/2}·σ; quantile outputs at the true quantiles are calibrated,
 * outputs at half the true spread are not (P(y ≤ 0.5·z_τ·σ) = Φ(0.5·z_τ)).
 */
import { describe, expect, it } from 'vitest';
import { calibrationTolerance, miscalibrated, quantileCalibration, residualIntervalCalibration } from '../../src/trust/interval-calibration.js';
import { Random } from '../../src/tensor/random.js';

const Z: Record<number, number> = { 0.05: -1.6449, 0.25: -0.6745, 0.75: 0.6745, 0.95: 1.6449 };
/** Φ by the Abramowitz–Stegun 7.1.26 erf approximation (|error| < 1.5e-7). */
function phi(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

describe('interval calibration', () => {
  const rng = new Random(12);
  const n = 4000;
  const pred = Array.from({ length: n }, () => rng.uniform(0, 5));
  const y = pred.map((p) => p + rng.normal());

  it('residual intervals: coverage ≈ nominal at 50/80/90/95%, widths ≈ 2·z·σ, nothing flagged', () => {
    const points = residualIntervalCalibration(pred, y, { seed: 3 });
    const z = [0.6745, 1.2816, 1.6449, 1.96];
    points.forEach((p, i) => {
      expect(Math.abs(p.observed - p.nominal)).toBeLessThan(0.03);
      expect(p.meanWidth! / (2 * z[i])).toBeGreaterThan(0.94);
      expect(p.meanWidth! / (2 * z[i])).toBeLessThan(1.06);
    });
    expect(miscalibrated(points)).toEqual([]);
  });

  it('quantile outputs: true quantiles are calibrated, half-spread quantiles miss by Φ(z/2) − τ', () => {
    const levels = [0.05, 0.25, 0.75, 0.95];
    const truth = quantileCalibration(levels.map((level) => ({ level, values: pred.map((p) => p + Z[level]) })), y);
    expect(miscalibrated(truth)).toEqual([]);
    const narrow = quantileCalibration(levels.map((level) => ({ level, values: pred.map((p) => p + 0.5 * Z[level]) })), y);
    narrow.forEach((p) => expect(Math.abs(p.observed - phi(0.5 * Z[p.nominal]))).toBeLessThan(0.025));
    expect(miscalibrated(narrow).map((p) => p.nominal)).toEqual([0.05, 0.25, 0.75, 0.95]);
  });

  it('tolerance is max(0.05, 3 SEs), the calibration half adding its own variance', () => {
    expect(calibrationTolerance(0.5, 10000)).toBe(0.05);
    expect(calibrationTolerance(0.5, 25)).toBeCloseTo(0.3, 12);
    expect(calibrationTolerance(0.5, 25, 23)).toBeCloseTo(3 * Math.sqrt(0.25 * (1 / 25 + 1 / 25)), 12);
  });
});
