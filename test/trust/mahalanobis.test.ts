/** Mahalanobis distance against brute force (Gauss–Jordan inverse) and the analytic Gaussian distance. */
import { describe, expect, it } from 'vitest';
import { fitMahalanobis, mahalanobisScores } from '../../src/trust/mahalanobis.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

function invert(a: number[][]): number[][] {
  const d = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: d }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const pivot = m[c][c];
    for (let j = 0; j < 2 * d; j++) m[c][j] /= pivot;
    for (let r = 0; r < d; r++) if (r !== c) {
      const f = m[r][c];
      for (let j = 0; j < 2 * d; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(d));
}

function quadForm(x: number[], mu: number[], inv: number[][]): number {
  const v = x.map((xi, i) => xi - mu[i]);
  return v.reduce((s, vi, i) => s + vi * v.reduce((t, vj, j) => t + inv[i][j] * vj, 0), 0);
}

// A correlated 3-D Gaussian: x = A z + μ_c, Σ = A Aᵀ.
const A = [[1, 0, 0], [0.8, 0.6, 0], [-0.3, 0.5, 0.4]];
const MEANS = [[0, 0, 0], [3, -1, 2]];
const SIGMA = A.map((r) => A.map((s) => r.reduce((t, v, k) => t + v * s[k], 0)));

function sample(n: number, seed: number): { x: number[][]; labels: number[] } {
  const rng = new Random(seed);
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const z = [rng.normal(), rng.normal(), rng.normal()];
    x.push(A.map((row, r) => row.reduce((s, v, k) => s + v * z[k], 0) + MEANS[c][r]));
    labels.push(c);
  }
  return { x, labels };
}

describe('Mahalanobis', () => {
  it('equals a brute-force computation with the pooled MLE covariance (empirical, ridge 0)', () => {
    const { x, labels } = sample(60, 1);
    const fit = fitMahalanobis(tensor([60, 3], x.flat()), labels, { ridge: 0, covariance: 'empirical' });
    const mu = [0, 1].map((c) => [0, 1, 2].map((j) => x.filter((_, i) => labels[i] === c).reduce((s, r) => s + r[j], 0) / 30));
    const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => x.reduce((s, r, i) => s + (r[a] - mu[labels[i]][a]) * (r[b] - mu[labels[i]][b]), 0) / 60));
    const inv = invert(cov);
    const probes = [[0.5, 0.5, 0.5], [3, 0, 1], [-2, 4, 1]];
    const got = mahalanobisScores(fit, tensor([3, 3], probes.flat()));
    probes.forEach((p, i) => expect(got[i]).toBeCloseTo(Math.sqrt(Math.min(quadForm(p, mu[0], inv), quadForm(p, mu[1], inv))), 4));
  });

  it('on many Gaussian samples approaches the analytic distance with the true μ and Σ', () => {
    const { x, labels } = sample(20000, 2);
    const fit = fitMahalanobis(tensor([20000, 3], x.flat()), labels, { ridge: 0 });
    const inv = invert(SIGMA);
    const probes = [[1, 1, 1], [3, -1, 4], [-1, 2, -2]];
    const got = mahalanobisScores(fit, tensor([3, 3], probes.flat()));
    probes.forEach((p, i) => {
      const exact = Math.sqrt(Math.min(quadForm(p, MEANS[0], inv), quadForm(p, MEANS[1], inv)));
      expect(Math.abs(got[i] - exact) / exact).toBeLessThan(0.03);
    });
  });

  it('a dead (constant) feature: the empirical estimator with ridge 0 refuses with a message; the default ridge, or Ledoit–Wolf alone, fits', () => {
    const rng = new Random(4);
    const data = Array.from({ length: 40 }, () => [rng.normal(), 0]).flat();
    const labels = Array.from({ length: 40 }, (_, i) => i % 2);
    expect(() => fitMahalanobis(tensor([40, 2], data), labels, { ridge: 0, covariance: 'empirical' })).toThrow(/singular; raise the ridge/);
    // A step along the dead feature stays far more unusual than a one-SD step along the live one.
    for (const options of [{ covariance: 'empirical' as const }, {}, { ridge: 0 }]) {
      const [dead, live] = mahalanobisScores(fitMahalanobis(tensor([40, 2], data), labels, options), tensor([2, 2], [0, 1, 1, 0]));
      expect(dead).toBeGreaterThan(3 * live);
    }
  });

  it('names wrong shapes and label counts', () => {
    expect(() => fitMahalanobis(tensor([2, 2], [1, 2, 3, 4]), [0])).toThrow(/2 feature rows but 1 labels/);
    const fit = fitMahalanobis(tensor([4, 2], [1, 2, 3, 4, 0, 1, 2, 2]), [0, 0, 1, 1]);
    expect(() => mahalanobisScores(fit, tensor([1, 3], [1, 2, 3]))).toThrow(/3 columns but the fit has 2/);
  });
});
