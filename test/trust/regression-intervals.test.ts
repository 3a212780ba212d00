/**
 * Regression intervals against hand computations (the finite-sample quantile by sorting, coverage by
 * counting) and against analytic values: with y = ŷ + N(0, σ²) the 90% split-conformal half-width
 * tends to z₀.₉₅·σ = 1.6449σ; CQR on the true 5%/95% quantiles needs q̂ ≈ 0.
 */
import { describe, expect, it } from 'vitest';
import { conformalisedQuantileIntervals, coverageShortfall, regressionFit, splitConformalIntervals } from '../../src/trust/regression-intervals.js';
import { Random } from '../../src/tensor/random.js';

describe('regressionFit', () => {
  it('MAE, RMSE and R² by hand', () => {
    const y = [1, 2, 3, 4];
    const p = [1.5, 2, 2, 4];
    const r = regressionFit(p, y);
    expect(r.mae).toBeCloseTo((0.5 + 0 + 1 + 0) / 4, 12);
    expect(r.rmse).toBeCloseTo(Math.sqrt((0.25 + 1) / 4), 12);
    // SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
    expect(r.r2).toBeCloseTo(1 - 1.25 / 5, 12);
    expect(r.targetStd).toBeCloseTo(Math.sqrt(5 / 4), 12);
  });
  it('refuses mismatched or non-finite rows with one line', () => {
    expect(() => regressionFit([1, 2], [1])).toThrow(/predictions has 2 rows but targets has 1/);
    expect(() => regressionFit([1, NaN], [1, 2])).toThrow(/non-finite value at row 1/);
  });
});

describe('split conformal intervals', () => {
  it('q̂ is the ⌈(n+1)(1−α)⌉-th smallest calibration residual; coverage and width are counted on the test rows', () => {
    const rng = new Random(3);
    const y = Array.from({ length: 41 }, () => rng.uniform(-2, 2));
    const p = y.map((v, i) => v + (i % 7) * 0.1 - 0.3);
    const r = splitConformalIntervals(p, y, { alpha: 0.2, seed: 9 });
    const res = r.calibrationRows.map((i) => Math.abs(y[i] - p[i])).sort((a, b) => a - b);
    const rank = Math.ceil((res.length + 1) * 0.8);
    expect(r.threshold).toBe(res[rank - 1]);
    const inside = r.testRows.filter((i) => Math.abs(y[i] - p[i]) <= r.threshold).length;
    expect(r.coverage).toBe(inside / r.testRows.length);
    expect(r.meanWidth).toBeCloseTo(2 * r.threshold, 12);
    expect(new Set([...r.calibrationRows, ...r.testRows]).size).toBe(41);
  });

  it('Gaussian residuals: half-width → 1.645σ and coverage ≈ 90%', () => {
    const rng = new Random(5);
    const n = 4000;
    const p = Array.from({ length: n }, () => rng.uniform(0, 10));
    const y = p.map((v) => v + 0.5 * rng.normal());
    const r = splitConformalIntervals(p, y, { alpha: 0.1, seed: 1 });
    expect(r.threshold).toBeGreaterThan(0.5 * 1.6449 * 0.93);
    expect(r.threshold).toBeLessThan(0.5 * 1.6449 * 1.07);
    expect(Math.abs(r.coverage - 0.9)).toBeLessThan(3 * Math.sqrt(0.09 / 2000));
  });
});

describe('CQR', () => {
  it('scores max(lo − y, y − hi) and widens the band by q̂ (hand computation)', () => {
    const rng = new Random(11);
    const n = 30;
    const y = Array.from({ length: n }, () => rng.uniform(0, 1));
    const lo = y.map((v, i) => v - 0.2 + 0.03 * (i % 9));
    const hi = lo.map((v) => v + 0.25);
    const r = conformalisedQuantileIntervals(lo, hi, y, { alpha: 0.1, seed: 2 });
    const s = r.calibrationRows.map((i) => Math.max(lo[i] - y[i], y[i] - hi[i])).sort((a, b) => a - b);
    const rank = Math.ceil((s.length + 1) * 0.9);
    expect(r.threshold).toBe(rank > s.length ? Infinity : s[rank - 1]);
    const inside = r.testRows.filter((i) => y[i] >= lo[i] - r.threshold && y[i] <= hi[i] + r.threshold).length;
    expect(r.coverage).toBe(inside / r.testRows.length);
    expect(r.meanWidth).toBeCloseTo(0.25 + 2 * r.threshold, 12);
    expect(r.rawMeanWidth).toBeCloseTo(0.25, 12);
  });

  it('true heteroscedastic quantiles need almost no correction; a too-narrow band is widened to 90%', () => {
    const rng = new Random(7);
    const n = 4000;
    const x = Array.from({ length: n }, () => rng.uniform(0.1, 2));
    const y = x.map((v) => v * rng.normal());
    const z = 1.6449;
    const exact = conformalisedQuantileIntervals(x.map((v) => -z * v), x.map((v) => z * v), y, { alpha: 0.1, seed: 4 });
    expect(Math.abs(exact.threshold)).toBeLessThan(0.06);
    expect(Math.abs(exact.rawCoverage! - 0.9)).toBeLessThan(0.03);
    const narrow = conformalisedQuantileIntervals(x.map((v) => -0.5 * v), x.map((v) => 0.5 * v), y, { alpha: 0.1, seed: 4 });
    expect(narrow.rawCoverage!).toBeLessThan(0.5);
    expect(narrow.threshold).toBeGreaterThan(0);
    expect(Math.abs(narrow.coverage - 0.9)).toBeLessThan(0.03);
  });
});

describe('coverageShortfall', () => {
  it('flags coverage more than 3 standard errors (test count and calibration quantile) below 1 − α', () => {
    const se = Math.sqrt(0.09 * (1 / 100 + 1 / 100));
    expect(coverageShortfall(0.9 - 3 * se - 1e-9, 0.1, 100, 98).belowTarget).toBe(true);
    expect(coverageShortfall(0.9 - 3 * se + 1e-9, 0.1, 100, 98).belowTarget).toBe(false);
    expect(coverageShortfall(0.5, 0.1, 100, 98).standardError).toBeCloseTo(se, 12);
  });
});
