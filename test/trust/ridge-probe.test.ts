/**
 * The closed-form probe: its least-squares scores against scikit-learn's RidgeClassifier
 * (bench/reference/make_ridge_probe_fixture.py), its nearest-class-mean scores against the direct
 * formula (class means, T inverted by Gaussian elimination), and the Cholesky solve against elimination.
 */
import { describe, expect, it } from 'vitest';
import { argmaxScores, centroidScores, foldSmoother, leastSquaresScores, outOfFoldPredictions } from '../../src/trust/ridge-probe.js';
import { choleskySolveColumns } from '../../src/tensor/cholesky.js';
import { solveLinear } from '../../src/tensor/linalg.js';

describe('ridge probe', () => {
  const n = 14;
  const d = 3;
  const x = Float64Array.from({ length: n * d }, (_, k) => {
    const i = Math.floor(k / d);
    const j = k % d;
    return Math.sin(1.3 * i + j) + (j === 0 ? 0.4 * (i % 3) : 0) + 0.1 * j * j;
  });
  const y = Array.from({ length: n }, (_, i) => i % 3);
  const train = y.map((_, i) => i).filter((i) => i % 4 !== 1);
  const test = y.map((_, i) => i).filter((i) => i % 4 === 1);

  it("gives scikit-learn's RidgeClassifier scores (its ±1 targets: 2·score − 1) and classes", () => {
    const sklearn = [
      [-0.3964791492, -0.3701368749, -0.2333839758],
      [-0.9937392127, 0.0942271297, -0.100487917],
      [0.3654719863, -0.0006397491, -1.3648322371],
      [-0.1334978457, -0.2906543311, -0.5758478232],
    ];
    const f = foldSmoother(x, d, train, test, 0.05);
    const scores = leastSquaresScores(f, y, 3);
    sklearn.flat().forEach((v, i) => expect(2 * scores[i] - 1).toBeCloseTo(v, 9));
    expect(argmaxScores(scores, 3)).toEqual([2, 1, 0, 0]);
  });

  it('nearest-class-mean scores equal 2·μ_cᵀT⁻¹x − μ_cᵀT⁻¹μ_c computed directly', () => {
    const ridge = 0.05;
    const f = foldSmoother(x, d, train, test, ridge);
    const scores = centroidScores(f, y, 3);
    // Direct: standardise on the train rows, T = X̃ᵀX̃/m + λI, class means, then the formula.
    const m = train.length;
    const mean = [0, 1, 2].map((j) => train.reduce((s, r) => s + x[r * d + j], 0) / m);
    const sd = [0, 1, 2].map((j) => Math.sqrt(train.reduce((s, r) => s + (x[r * d + j] - mean[j]) ** 2, 0) / m));
    const z = (r: number) => [0, 1, 2].map((j) => (x[r * d + j] - mean[j]) / sd[j]);
    const t = new Float64Array(d * d);
    for (const r of train) {
      const v = z(r);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) t[a * d + b] += (v[a] * v[b]) / m;
    }
    for (let a = 0; a < d; a++) t[a * d + a] += ridge;
    const tinv = (v: number[]) => Array.from(solveLinear(t, Float64Array.from(v), d));
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
    const means = [0, 1, 2].map((c) => {
      const rows = train.filter((r) => y[r] === c).map(z);
      return [0, 1, 2].map((j) => rows.reduce((s, v) => s + v[j], 0) / rows.length);
    });
    test.forEach((r, i) => {
      for (let c = 0; c < 3; c++) expect(scores[i * 3 + c]).toBeCloseTo(2 * dot(means[c], tinv(z(r))) - dot(means[c], tinv(means[c])), 10);
    });
    // Out-of-fold predictions place each fold's answers at its test rows.
    const predicted = outOfFoldPredictions([f], y, 3);
    const expected = argmaxScores(scores, 3);
    test.forEach((r, i) => expect(predicted[r]).toBe(expected[i]));
  });

  it('solves symmetric positive-definite systems like Gaussian elimination, many right-hand sides at once', () => {
    const a = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]);
    const b = Float64Array.from([1, 2, 3, 4, 5, 6]); // 3 × 2
    const x = choleskySolveColumns(a, b, 3, 2);
    for (const c of [0, 1]) {
      const col = solveLinear(a, Float64Array.from([b[c], b[2 + c], b[4 + c]]), 3);
      col.forEach((v, r) => expect(x[r * 2 + c]).toBeCloseTo(v, 12));
    }
    expect(() => choleskySolveColumns(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2, 1)).toThrow(/not positive definite/);
  });
});
