/**
 * Permutation importance against a brute-force re-computation with the same permutations, the
 * analytic expectation for a linear model (drop in MSE = 2 w_j² Var(x_j)), and exact zeros for a
 * column the model never reads.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { permutationImportance, score } from '../../src/tabular/permutation-importance.js';
import type { TabularModel } from '../../src/tabular/table.js';

/** A model computing each output row from one input row with plain JS. */
function rowModel(outputs: number, f: (row: Float32Array) => number[]): TabularModel {
  return {
    async forward(x: Tensor) {
      const [n, cols] = x.shape;
      const out = new Float32Array(n * outputs);
      for (let i = 0; i < n; i++) out.set(f(x.data.subarray(i * cols, (i + 1) * cols)), i * outputs);
      return tensor([n, outputs], out);
    },
  };
}

function randomTable(n: number, f: number, seed: number): Tensor {
  const rng = new Random(seed);
  return tensor([n, f], Float32Array.from({ length: n * f }, () => rng.normal()));
}

describe('permutationImportance', () => {
  it('gives exactly 0 (mean and std) to a column the model ignores', async () => {
    const x = randomTable(200, 3, 1);
    const model = rowModel(2, (r) => [r[0] + r[2], -r[0] + 0.5 * r[2]]);
    const labels = Array.from({ length: 200 }, (_, i) => (x.data[i * 3] > 0 ? 0 : 1));
    const r = await permutationImportance(model, x, labels, { repeats: 10, seed: 3 });
    expect(r.mean[1]).toBe(0);
    expect(r.std[1]).toBe(0);
    expect(r.importances[1]).toEqual(new Array(10).fill(0));
    expect(r.mean[0]).toBeGreaterThan(0.1);
    expect(r.features).toEqual(['f0', 'f1', 'f2']);
  });

  it('equals a brute-force recomputation with the same permutations (neg-mse, r2, accuracy)', async () => {
    const n = 50;
    const x = randomTable(n, 2, 2);
    const model = rowModel(1, (r) => [2 * r[0] - r[1] + r[0] * r[1]]);
    const rng = new Random(9);
    const y = Array.from({ length: n }, (_, i) => 2 * x.data[2 * i] - x.data[2 * i + 1] + 0.3 * rng.normal());
    const f = (a: number, b: number) => 2 * a - b + a * b;
    for (const scoring of ['neg-mse', 'r2'] as const) {
      const r = await permutationImportance(model, x, y, { repeats: 4, seed: 5, scoring });
      const mean = y.reduce((a, b) => a + b) / n;
      const tot = y.reduce((a, v) => a + (v - mean) ** 2, 0);
      const scoreOf = (pred: number[]) => {
        const res = pred.reduce((a, p, i) => a + (y[i] - p) ** 2, 0);
        return scoring === 'neg-mse' ? -res / n : 1 - res / tot;
      };
      const baseline = scoreOf(Array.from({ length: n }, (_, i) => Math.fround(f(x.data[2 * i], x.data[2 * i + 1]))));
      expect(r.baselineScore).toBeCloseTo(baseline, 5);
      for (let j = 0; j < 2; j++) {
        const perms = new Random(5); // scikit-learn's semantics: the same permutations for every column
        const drops = Array.from({ length: 4 }, () => {
          const p = perms.permutation(n);
          const pred = Array.from({ length: n }, (_, i) => {
            const a = j === 0 ? x.data[2 * p[i]] : x.data[2 * i];
            const b = j === 1 ? x.data[2 * p[i] + 1] : x.data[2 * i + 1];
            return Math.fround(f(a, b));
          });
          return baseline - scoreOf(pred);
        });
        const m = drops.reduce((a, b) => a + b) / 4;
        const sd = Math.sqrt(drops.reduce((a, d) => a + (d - m) ** 2, 0) / 4);
        r.importances[j].forEach((d, k) => expect(d).toBeCloseTo(drops[k], 5));
        expect(r.mean[j]).toBeCloseTo(m, 5);
        expect(r.std[j]).toBeCloseTo(sd, 5);
      }
    }
  });

  it('on a linear model the MSE drop approaches 2 w_j² Var(x_j)', async () => {
    const n = 4000;
    const x = randomTable(n, 3, 4);
    const w = [1.5, -0.5, 0];
    const model = rowModel(1, (r) => [w[0] * r[0] + w[1] * r[1] + w[2] * r[2]]);
    const y = Array.from({ length: n }, (_, i) => w[0] * x.data[3 * i] + w[1] * x.data[3 * i + 1]);
    const r = await permutationImportance(model, x, y, { repeats: 20, seed: 1, scoring: 'neg-mse' });
    expect(r.baselineScore).toBeCloseTo(0, 6);
    expect(r.mean[0]).toBeGreaterThan(2 * 2.25 * 0.93);
    expect(r.mean[0]).toBeLessThan(2 * 2.25 * 1.07);
    expect(r.mean[1]).toBeGreaterThan(2 * 0.25 * 0.93);
    expect(r.mean[1]).toBeLessThan(2 * 0.25 * 1.07);
    expect(r.mean[2]).toBe(0);
  });

  it('scores classifiers by argmax, or output > 0.5 for one column', () => {
    expect(score(tensor([3, 2], [0.2, 0.8, 0.9, 0.1, 0.5, 0.5]), [1, 0, 1], 'accuracy')).toBeCloseTo(2 / 3, 9);
    expect(score(tensor([3, 1], [0.7, 0.5, 0.2]), [1, 1, 0], 'accuracy')).toBeCloseTo(2 / 3, 9);
    // r2 of a perfect prediction of a constant target is 1, of an imperfect one 0 (force_finite).
    expect(score(tensor([2, 1], [3, 3]), [3, 3], 'r2')).toBe(1);
    expect(score(tensor([2, 1], [3, 4]), [3, 3], 'r2')).toBe(0);
    // Two outputs: r2 averaged uniformly; y = [[1, 0], [3, 2]], ŷ = [[1, 1], [3, 2]] → (1 + (1 − 1/2)) / 2.
    expect(score(tensor([2, 2], [1, 1, 3, 2]), [1, 0, 3, 2], 'r2')).toBeCloseTo(0.75, 9);
    expect(score(tensor([2, 2], [1, 1, 3, 2]), [1, 0, 3, 2], 'neg-mse')).toBeCloseTo(-0.25, 9);
  });

  it('rejects bad input with one-line messages', async () => {
    const model = rowModel(1, (r) => [r[0]]);
    await expect(permutationImportance(model, tensor([2, 1, 1], [1, 2]), [0, 1])).rejects.toThrow(/\[N, F\]/);
    await expect(permutationImportance(model, tensor([2, 1], [1, NaN]), [0, 1])).rejects.toThrow(/non-finite value .* row 1, column 0/);
    await expect(permutationImportance(model, tensor([2, 1], [1, 2]), [0])).rejects.toThrow(/1 labels for 2 rows/);
    await expect(permutationImportance(model, tensor([2, 1], [1, 2]), [0.5, 1])).rejects.toThrow(/integer class label/);
    await expect(permutationImportance(model, tensor([2, 1], [1, 2]), [0, 1], { repeats: 0 })).rejects.toThrow(/repeats/);
    await expect(permutationImportance(model, tensor([2, 1], [1, 2]), [0, 1], { names: ['a', 'b'] })).rejects.toThrow(/2 feature names for 1 columns/);
  });
});
