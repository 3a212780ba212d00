/**
 * Calibration metrics against hand arithmetic, a perfectly calibrated sampler (ECE → 0), a
 * miscalibrated one (ECE far from 0) and a temperature that must come back from scaled logits.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { calibrationReport, fitTemperature, negativeLogLikelihood, probabilitiesFromLogits, scaleLogits, temperatureScaling } from '../../src/trust/calibration.js';

/** Logits of a two-class model whose class-1 probability is p: [0, log(p / (1 − p))]. */
function binaryLogits(ps: readonly number[]) {
  return tensor([ps.length, 2], ps.flatMap((p) => [0, Math.log(p / (1 - p))]));
}

/** Samples labels from softmax(z) of K-class logits z ~ N(0, spread²). */
function calibratedMulticlass(n: number, k: number, spread: number, seed: number) {
  const rng = new Random(seed);
  const z = Float32Array.from({ length: n * k }, () => rng.normal(0, spread));
  const logits = tensor([n, k], z);
  const p = probabilitiesFromLogits(logits);
  const labels = Array.from({ length: n }, (_, i) => {
    let u = rng.next();
    for (let j = 0; j < k; j++) if ((u -= p.data[i * k + j]) < 0) return j;
    return k - 1;
  });
  return { logits, labels };
}

describe('calibrationReport', () => {
  it('matches hand-computed ECE, MCE, Brier and NLL on four examples', () => {
    // class-1 probabilities 0.88, 0.78, 0.32, 0.58 → confidences 0.88, 0.78, 0.68, 0.58 (away from bin
    // edges, which float32 logits would blur); predictions 1, 1, 0, 1.
    const ps = [0.88, 0.78, 0.32, 0.58];
    const labels = [1, 0, 0, 0]; // correct, wrong, correct, wrong
    const r = calibrationReport(binaryLogits(ps), labels, { bins: 2 });
    // Two bins: (0, 0.5] is empty; (0.5, 1] holds all: conf 0.73, acc 0.5 → ECE = MCE = 0.23.
    expect(r.ece).toBeCloseTo(0.23, 6);
    expect(r.mce).toBeCloseTo(0.23, 6);
    expect(r.bins[0].count).toBe(0);
    // Ten bins, one row each: |0 − 0.58| + |1 − 0.68| + |0 − 0.78| + |1 − 0.88| = 1.8 → ECE 0.45; MCE 0.78.
    const r10 = calibrationReport(binaryLogits(ps), labels, { bins: 10 });
    expect(r10.ece).toBeCloseTo(0.45, 6);
    expect(r10.mce).toBeCloseTo(0.78, 6);
    expect(r10.bins.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 0]);
    // Brier: Σ_k (p_k − y_k)² per row = 2 (p1 − y)²: 2·(0.0144 + 0.6084 + 0.1024 + 0.3364) / 4 = 0.5308.
    expect(r.brier).toBeCloseTo(0.5308, 6);
    const nll = -(Math.log(0.88) + Math.log(0.22) + Math.log(0.68) + Math.log(0.42)) / 4;
    expect(r.nll).toBeCloseTo(nll, 6);
    expect(negativeLogLikelihood(binaryLogits(ps), labels)).toBeCloseTo(nll, 6);
    expect(r.accuracy).toBe(0.5);
    expect(r.meanConfidence).toBeCloseTo(0.73, 6);
  });

  it('reads a single logit column as a binary classifier', () => {
    const z = [2, -1, 0.5];
    const r1 = calibrationReport(tensor([3, 1], z), [1, 0, 0], { bins: 5 });
    const r2 = calibrationReport(tensor([3, 2], z.flatMap((v) => [0, v])), [1, 0, 0], { bins: 5 });
    expect(r1).toEqual(r2);
  });

  it('quantile bins hold equal counts (array_split sizes) and their ECE matches a direct computation', () => {
    const ps = [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99];
    const labels = [1, 0, 1, 1, 0, 1, 1, 1, 1, 1];
    const r = calibrationReport(binaryLogits(ps), labels, { bins: 3, binning: 'quantile' });
    expect(r.bins.map((b) => b.count)).toEqual([4, 3, 3]);
    // Bins: {.55,.6,.65,.7} acc 3/4; {.75,.8,.85} acc 2/3; {.9,.95,.99} acc 1.
    const gaps = [Math.abs(0.75 - 0.625) * 4, Math.abs(2 / 3 - 0.8) * 3, Math.abs(1 - (0.9 + 0.95 + 0.99) / 3) * 3];
    expect(r.ece).toBeCloseTo(gaps.reduce((a, b) => a + b) / 10, 6);
    expect(r.bins[0].lower).toBeCloseTo(0.55, 6);
    expect(r.bins[2].upper).toBeCloseTo(0.99, 6);
  });

  it('a perfectly calibrated sampler has ECE → 0; a miscalibrated one does not', () => {
    const rng = new Random(3);
    const n = 40_000;
    const ps = Array.from({ length: n }, () => rng.uniform(0.02, 0.98));
    const calibrated = ps.map((p) => (rng.next() < p ? 1 : 0));
    const overconfident = ps.map((p) => (rng.next() < 0.5 + (p - 0.5) * 0.6 ? 1 : 0));
    for (const binning of ['uniform', 'quantile'] as const) {
      expect(calibrationReport(binaryLogits(ps), calibrated, { binning }).ece).toBeLessThan(0.012);
      // True accuracy at confidence c is 0.5 + 0.6 (c − 0.5): mean gap 0.4 · E|p − 0.5| ≈ 0.4 · 0.24 ≈ 0.096.
      const ece = calibrationReport(binaryLogits(ps), overconfident, { binning }).ece;
      expect(ece).toBeGreaterThan(0.08);
      expect(ece).toBeLessThan(0.11);
    }
    const multi = calibratedMulticlass(20_000, 5, 1.5, 4);
    expect(calibrationReport(multi.logits, multi.labels).ece).toBeLessThan(0.015);
  });

  it('rejects bad input with one-line messages', () => {
    expect(() => calibrationReport(tensor([2, 2], [0, 1, 1, 0]), [0])).toThrow(/1 labels for 2 rows/);
    expect(() => calibrationReport(tensor([2, 2], [0, 1, 1, 0]), [0, 2])).toThrow(/label 2 at row 1/);
    expect(() => calibrationReport(tensor([1, 2], [0, NaN]), [0])).toThrow(/non-finite/);
    expect(() => calibrationReport(tensor([4], [0, 1, 1, 0]), [0])).toThrow(/\[N, K\]/);
    expect(() => calibrationReport(tensor([1, 2], [0, 1]), [0], { bins: 0 })).toThrow(/bins/);
  });
});

describe('temperature scaling', () => {
  it('recovers T ≈ 3 from calibrated logits multiplied by 3, and lowers the NLL', () => {
    const { logits, labels } = calibratedMulticlass(20_000, 5, 1.5, 7);
    const hot = scaleLogits(logits, 1 / 3);
    const fit = fitTemperature(hot, labels);
    expect(fit.temperature).toBeGreaterThan(2.85);
    expect(fit.temperature).toBeLessThan(3.15);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
    // The NLL at the fitted T is a minimum: nudging T either way does not lower it.
    for (const t of [fit.temperature * 0.98, fit.temperature * 1.02]) expect(negativeLogLikelihood(hot, labels, t)).toBeGreaterThan(fit.nllAfter);
    // Calibrated logits stay at T ≈ 1.
    expect(fitTemperature(logits, labels).temperature).toBeCloseTo(1, 1);
  });

  it('fits on one half and reports before/after ECE on the other', () => {
    const { logits, labels } = calibratedMulticlass(6000, 4, 1.2, 9);
    const r = temperatureScaling(scaleLogits(logits, 0.4), labels, { seed: 1 });
    expect(r.fitRows.length + r.evaluationRows.length).toBe(6000);
    expect(new Set([...r.fitRows, ...r.evaluationRows]).size).toBe(6000);
    expect(r.temperature).toBeGreaterThan(2.2);
    expect(r.temperature).toBeLessThan(2.8);
    expect(r.after.ece).toBeLessThan(r.before.ece / 3);
    expect(r.after.nll).toBeLessThan(r.before.nll);
    // Scaling keeps the argmax, so accuracy is unchanged.
    expect(r.after.accuracy).toBe(r.before.accuracy);
  });

  it('an uninformative model is pushed towards uniform probabilities (T at the bracket end)', () => {
    const rng = new Random(2);
    const logits = tensor([400, 3], Float32Array.from({ length: 1200 }, () => rng.normal(0, 2)));
    const labels = Array.from({ length: 400 }, () => rng.int(0, 3));
    const fit = fitTemperature(logits, labels);
    expect(fit.temperature).toBeGreaterThan(5);
    expect(fit.nllAfter).toBeLessThanOrEqual(Math.log(3) + 0.01);
  });
});
