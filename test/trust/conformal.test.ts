/**
 * Split conformal prediction: the finite-sample quantile by hand, scores by hand, coverage ≥ 1 − α
 * (and ≤ 1 − α + 1/(n+1) for tie-free scores) averaged over many independent seeded problems, and
 * set sizes that shrink as the model gets better.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { softmaxRows, tensor } from '../../src/tensor/tensor.js';
import type { ConformalScoreOptions } from '../../src/trust/conformal.js';
import {
  calibrateClassifier,
  calibrateRegressor,
  conformalQuantile,
  conformalScores,
  intervalCoverage,
  predictionIntervals,
  predictionSets,
  splitConformal,
  summariseSets,
} from '../../src/trust/conformal.js';

/**
 * A K-class problem: true logits z ~ N(0, 2²) per class, labels drawn from softmax(z). The model
 * sees z + noise·ε, so noise = 0 is the Bayes-optimal model and larger noise a worse one.
 */
function problem(n: number, k: number, noise: number, seed: number): { probs: Tensor; labels: number[] } {
  const rng = new Random(seed);
  const z = Float32Array.from({ length: n * k }, () => rng.normal(0, 2));
  const truth = softmaxRows(tensor([n, k], z));
  const labels = Array.from({ length: n }, (_, i) => {
    let u = rng.next();
    for (let j = 0; j < k; j++) if ((u -= truth.data[i * k + j]) < 0) return j;
    return k - 1;
  });
  const seen = tensor([n, k], z.map((v) => v + noise * rng.normal()));
  return { probs: softmaxRows(seen), labels };
}

describe('conformalQuantile', () => {
  it('is the ⌈(n+1)(1−α)⌉-th smallest score', () => {
    const scores = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 1.0, 0.4, 0.8, 0.6];
    // n = 10, α = 0.2: ⌈11 · 0.8⌉ = ⌈8.8⌉ = 9 → 0.9.
    expect(conformalQuantile(scores, 0.2)).toBe(0.9);
    // α = 0.1: ⌈9.9⌉ = 10 → 1.0;  α = 0.05: ⌈10.45⌉ = 11 > n → +∞ (every label).
    expect(conformalQuantile(scores, 0.1)).toBe(1.0);
    expect(conformalQuantile(scores, 0.05)).toBe(Infinity);
    // α = 0.5: ⌈5.5⌉ = 6 → 0.6.
    expect(conformalQuantile(scores, 0.5)).toBe(0.6);
    // n = 9, α = 0.7: (n+1)(1−α) is 3 but 3.0000000000000004 in float64; the rank must stay 3 → 0.3.
    expect(conformalQuantile(scores.slice(0, 9), 0.7)).toBe(0.3);
    expect(() => conformalQuantile(scores, 0)).toThrow(/alpha/);
    expect(() => conformalQuantile([], 0.1)).toThrow(/no calibration/);
  });
});

describe('conformal scores', () => {
  const probs = tensor([1, 4], [0.1, 0.5, 0.3, 0.1]);
  it('LAC, APS and RAPS match hand values', () => {
    // Ranking: class 1 (0.5), 2 (0.3), 0 (0.1), 3 (0.1; tie, higher index last).
    expect(conformalScores(probs, [2], { score: 'lac' })[0]).toBeCloseTo(0.7, 6);
    expect(conformalScores(probs, [2], { score: 'aps', randomised: false })[0]).toBeCloseTo(0.8, 6);
    expect(conformalScores(probs, [3], { score: 'aps', randomised: false })[0]).toBeCloseTo(1.0, 6);
    // RAPS λ = 0.5, k_reg = 1: class 0 has rank 3 → 0.9 + 0.5·(3 − 1) = 1.9.
    expect(conformalScores(probs, [0], { score: 'raps', randomised: false, lambda: 0.5, kReg: 1 })[0]).toBeCloseTo(1.9, 6);
    // Randomised APS: ρ + u·p with the seed's first u.
    const u = new Random(5).next();
    expect(conformalScores(probs, [2], { score: 'aps', seed: 5 })[0]).toBeCloseTo(0.5 + u * 0.3, 6);
  });

  it('sets are the ranked classes whose score is under the threshold', () => {
    const lac = { score: 'lac' as const, randomised: false, lambda: 0, kReg: 0, seed: 0, alpha: 0.1, calibrationSize: 1 };
    // LAC threshold 0.75 keeps p ≥ 0.25: classes 1 and 2.
    expect(predictionSets({ ...lac, threshold: 0.75 }, probs)).toEqual([[1, 2]]);
    // APS (u = 1) threshold 0.85: cumulative 0.5, 0.8, 0.9 → {1, 2}.
    expect(predictionSets({ ...lac, score: 'aps', threshold: 0.85 }, probs)).toEqual([[1, 2]]);
    expect(predictionSets({ ...lac, score: 'aps', threshold: Infinity }, probs)).toEqual([[1, 2, 0, 3]]);
  });

  it('rejects logits and bad labels with one-line messages', () => {
    expect(() => conformalScores(tensor([1, 2], [2, -1]), [0])).toThrow(/negative probability/);
    expect(() => conformalScores(tensor([1, 2], [0.2, 0.2]), [0])).toThrow(/sums to 0.4000/);
    expect(() => conformalScores(tensor([1, 2], [0.5, 0.5]), [2])).toThrow(/label 2/);
    expect(() => conformalScores(tensor([1, 2], [0.5, 0.5]), [0], { score: 'foo' as 'lac' })).toThrow(/score must be/);
  });
});

describe('split conformal classification', () => {
  const variants: [string, ConformalScoreOptions, boolean][] = [
    ['LAC', { score: 'lac' }, true],
    ['APS randomised', { score: 'aps' }, true],
    ['APS non-randomised', { score: 'aps', randomised: false }, false],
    ['RAPS', { score: 'raps', lambda: 0.05, kReg: 1 }, true],
  ];
  const alpha = 0.1;
  const nCal = 200;
  const splits = 120;
  it.each(variants)('%s covers ≥ 1 − α on average over many seeded problems', (_name, options, tight) => {
    let coverage = 0;
    for (let s = 0; s < splits; s++) {
      const { probs, labels } = problem(2 * nCal, 5, 1, 100 + s);
      coverage += splitConformal(probs, labels, { ...options, alpha, seed: s }).coverage / splits;
    }
    // Per split, coverage has sd ≈ √(α(1−α)/n_test + α(1−α)/(n_cal+2)) ≈ 0.03; over 120 independent
    // problems the mean has sd ≈ 0.0027. Allow 3 sd below 1 − α.
    expect(coverage).toBeGreaterThan(1 - alpha - 0.008);
    // Tie-free scores also cap it at 1 − α + 1/(n+1) (+ 3 sd); u = 1 APS is conservative.
    if (tight) expect(coverage).toBeLessThan(1 - alpha + 1 / (nCal + 1) + 0.008);
    else expect(coverage).toBeGreaterThan(1 - alpha);
  });

  it('set sizes shrink as the model improves', () => {
    for (const [, options] of variants) {
      const sizes = [0, 1, 3].map((noise) => {
        let size = 0;
        for (let s = 0; s < 10; s++) {
          const { probs, labels } = problem(1000, 5, noise, 500 + s);
          size += splitConformal(probs, labels, { ...options, alpha, seed: s }).meanSize / 10;
        }
        return size;
      });
      expect(sizes[0]).toBeLessThan(sizes[1]);
      expect(sizes[1]).toBeLessThan(sizes[2]);
    }
  });

  it('summarises coverage and the size histogram', () => {
    const s = summariseSets([[0], [1, 2], [], [2]], [0, 2, 1, 1], 3);
    expect(s).toEqual({ coverage: 0.5, meanSize: 1, sizeCounts: [1, 2, 1, 0] });
    const c = calibrateClassifier(tensor([2, 2], [0.9, 0.1, 0.4, 0.6]), [0, 0], 0.5, { score: 'lac' });
    // LAC scores 0.1 and 0.6; n = 2, α = 0.5: ⌈1.5⌉ = 2 → 0.6.
    expect(c.threshold).toBeCloseTo(0.6, 6);
  });
});

describe('conformal regression', () => {
  it('absolute-residual intervals cover ≥ 1 − α and approach ±1.645σ for Gaussian noise', () => {
    const alpha = 0.1;
    let coverage = 0;
    let width = 0;
    const runs = 100;
    for (let s = 0; s < runs; s++) {
      const rng = new Random(s);
      const draw = (n: number) => {
        const x = Array.from({ length: n }, () => rng.uniform(-2, 2));
        return { pred: x, y: x.map((v) => v + rng.normal()) };
      };
      const cal = draw(300);
      const test = draw(300);
      const reg = calibrateRegressor(cal.pred, cal.y, alpha);
      const r = intervalCoverage(predictionIntervals(reg, test.pred), test.y);
      coverage += r.coverage / runs;
      width += r.meanWidth / runs;
    }
    expect(coverage).toBeGreaterThan(1 - alpha - 0.008);
    expect(coverage).toBeLessThan(1 - alpha + 1 / 301 + 0.008);
    // The 0.9 quantile of |N(0, 1)| is 1.6449.
    expect(width / 2).toBeGreaterThan(1.6449 - 0.03);
    expect(width / 2).toBeLessThan(1.6449 + 0.05);
  });

  it('hand example and errors', () => {
    const reg = calibrateRegressor([0, 0, 0, 0], [1, -2, 3, 0.5], 0.4);
    // residuals 1, 2, 3, 0.5; ⌈5 · 0.6⌉ = 3 → 2.
    expect(reg.threshold).toBe(2);
    expect(predictionIntervals(reg, [10])).toEqual({ lower: Float64Array.of(8), upper: Float64Array.of(12) });
    expect(() => calibrateRegressor([0], [1, 2], 0.1)).toThrow(/1 predictions for 2 targets/);
  });
});
