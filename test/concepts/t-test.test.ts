import { describe, expect, it } from 'vitest';
import { regularisedIncompleteBeta, studentTwoSidedP, twoSampleTTest, predictionTTest } from '../../src/concepts/t-test.js';

// Reference values from scipy 1.10.1 (stats.ttest_ind, stats.t.sf, special.betainc), run offline.
describe('twoSampleTTest', () => {
  it('matches scipy.stats.ttest_ind on separated samples', () => {
    const a = [0.9, 0.85, 0.95, 0.8, 0.92, 0.88, 0.91, 0.87, 0.93, 0.86];
    const b = [0.5, 0.4, 0.6, 0.55, 0.45, 0.52, 0.48, 0.61, 0.39, 0.5];
    const r = twoSampleTTest(a, b);
    expect(r.t).toBeCloseTo(14.119741692317623, 10);
    expect(r.degreesOfFreedom).toBe(18);
    expect(r.pValue / 3.530304540935269e-11).toBeCloseTo(1, 6);
  });

  it('matches scipy on overlapping samples of unequal size', () => {
    const r = twoSampleTTest([0.52, 0.47, 0.55, 0.5, 0.49], [0.5, 0.53, 0.46, 0.51, 0.48, 0.5]);
    expect(r.t).toBeCloseTo(0.5668950632637224, 10);
    expect(r.pValue).toBeCloseTo(0.5846445881654423, 10);
  });

  it('gives p = 0 for constant samples with different means and NaN for equal ones', () => {
    expect(twoSampleTTest([1, 1, 1], [0, 0, 0]).pValue).toBe(0);
    expect(twoSampleTTest([1, 1], [1, 1]).pValue).toBeNaN();
  });

  it('refuses samples too small to have a variance', () => {
    expect(() => twoSampleTTest([1], [0, 1])).toThrow(/at least 2 values/);
  });
});

describe('predictionTTest', () => {
  it('matches t = (x − mean)/(s·√(1 + 1/n)) with scipy.stats.t (n − 1 degrees of freedom)', () => {
    const r = predictionTTest(0.9, [0.2, 0.5, 0.4, 0.7, 0.3]);
    expect(r.t).toBeCloseTo(2.2779791898059973, 12);
    expect(r.degreesOfFreedom).toBe(4);
    expect(r.pValue).toBeCloseTo(0.08497580055558158, 10);
  });
});

describe('Student t tail and incomplete beta', () => {
  it('match scipy', () => {
    expect(studentTwoSidedP(2.1, 7)).toBeCloseTo(0.0738711962129226, 12);
    expect(regularisedIncompleteBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.01892712407194565, 12);
  });
});
