/**
 * Logistic regression: the optimality conditions of the penalised log-likelihood checked in the
 * test's own float64 arithmetic, recovery of known coefficients, and one-vs-rest probabilities.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { LogisticRegression, fitBinaryLogistic, standardisation, standardise } from '../../src/tabular/logistic-regression.js';

function logisticData(n: number, w: number[], b: number, seed: number) {
  const rng = new Random(seed);
  const f = w.length;
  const x = tensor([n, f], Float32Array.from({ length: n * f }, () => rng.normal()));
  const y = Array.from({ length: n }, (_, i) => {
    const z = b + w.reduce((a, wj, j) => a + wj * x.data[i * f + j], 0);
    return rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  });
  return { x, y };
}

describe('logistic regression', () => {
  it('satisfies the optimality conditions Σ(p − y) = 0 and Xᵀ(p − y) + w/C = 0', () => {
    const { x, y } = logisticData(300, [1, -2, 0.5], 0.3, 1);
    for (const c of [0.05, 1, 100]) {
      const fit = fitBinaryLogistic(x, y, { c });
      const g = [0, 0, 0, 0];
      for (let i = 0; i < 300; i++) {
        let z = fit.intercept;
        for (let j = 0; j < 3; j++) z += fit.coef[j] * x.data[i * 3 + j];
        const r = 1 / (1 + Math.exp(-z)) - y[i];
        g[0] += r;
        for (let j = 0; j < 3; j++) g[j + 1] += r * x.data[i * 3 + j];
      }
      for (let j = 0; j < 3; j++) g[j + 1] += fit.coef[j] / c;
      for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-6);
    }
    // Stronger regularisation shrinks the coefficients.
    const norm = (c: number) => Math.hypot(...fitBinaryLogistic(x, y, { c }).coef);
    expect(norm(0.01)).toBeLessThan(norm(1));
  });

  it('recovers the generating coefficients from many samples', () => {
    const { x, y } = logisticData(20_000, [2, -1], 0.5, 2);
    const fit = fitBinaryLogistic(x, y, { c: 1e4 });
    // Standard errors at n = 20 000 are ≈ 0.02–0.03; allow ~3–4 of them.
    expect(Math.abs(fit.intercept - 0.5)).toBeLessThan(0.1);
    expect(Math.abs(fit.coef[0] - 2)).toBeLessThan(0.1);
    expect(Math.abs(fit.coef[1] + 1)).toBeLessThan(0.1);
  });

  it('stays finite on separable data and predicts it perfectly', async () => {
    const x = tensor([6, 1], [-3, -2, -1, 1, 2, 3]);
    const model = LogisticRegression.fit(x, [0, 0, 0, 1, 1, 1]);
    expect(Number.isFinite(model.fits[0].coef[0])).toBe(true);
    const p = await model.forward(x);
    expect(p.shape).toEqual([6, 2]);
    for (let i = 0; i < 6; i++) expect(p.data[i * 2 + 1] > 0.5).toBe(i >= 3);
  });

  it('fits more classes one-vs-rest with probabilities summing to 1', () => {
    const rng = new Random(3);
    const centres = [[0, 3], [3, -2], [-3, -2]];
    const labels = Array.from({ length: 300 }, (_, i) => i % 3);
    const x = tensor([300, 2], Float32Array.from(labels.flatMap((k) => centres[k].map((c) => c + rng.normal()))));
    const model = LogisticRegression.fit(x, labels);
    expect(model.fits.length).toBe(3);
    const p = model.predictProba(x);
    let right = 0;
    for (let i = 0; i < 300; i++) {
      const row = Array.from(p.data.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
      if (row.indexOf(Math.max(...row)) === labels[i]) right++;
    }
    expect(right / 300).toBeGreaterThan(0.9);
  });

  it('standardises columns to mean 0 and population std 1 (constant columns to 0)', () => {
    const x = tensor([4, 2], [1, 5, 2, 5, 3, 5, 4, 5]);
    const s = standardisation(x);
    expect(Array.from(s.mean)).toEqual([2.5, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 9);
    const z = standardise(x, s);
    expect(z.data[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 5);
    expect(z.data[1]).toBe(0);
  });

  it('rejects bad input', () => {
    expect(() => LogisticRegression.fit(tensor([2, 1], [0, 1]), [0])).toThrow(/1 labels for 2 rows/);
    expect(() => LogisticRegression.fit(tensor([2, 1], [0, 1]), [0, -1])).toThrow(/label -1/);
    expect(() => fitBinaryLogistic(tensor([2, 1], [0, 1]), [0, 1], { c: 0 })).toThrow(/C must be > 0/);
  });
});
