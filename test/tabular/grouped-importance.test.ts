/**
 * Correlated descriptors and grouped importance: correlations against analytic values; a pair of
 * duplicated columns splits permutation importance and Shapley credit when taken one by one, and gets
 * the full importance as a group; grouped Shapley values against a brute-force Shapley value computed
 * from the permutation definition (average marginal contribution over every order of the players).
 */
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/tensor/random.js';
import { correlatedGroups, correlationMatrix } from '../../src/tabular/correlated-groups.js';
import { permutationImportance } from '../../src/tabular/permutation-importance.js';
import { shapleyValues } from '../../src/tabular/shapley.js';
import type { TabularModel } from '../../src/tabular/table.js';

function rowModel(f: (row: Float32Array) => number[]): TabularModel {
  return {
    async forward(x: Tensor) {
      const [n, d] = x.shape;
      const rows = Array.from({ length: n }, (_, i) => f(x.data.subarray(i * d, (i + 1) * d)));
      return tensor([n, rows[0].length], Float32Array.from(rows.flat()));
    },
  };
}

/** n rows: column 0 = a, column 1 = a again (a duplicate), column 2 independent noise. */
function duplicated(n: number, seed: number): Tensor {
  const rng = new Random(seed);
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    data.set([a, a, rng.normal()], i * 3);
  }
  return tensor([n, 3], data);
}

/** All orders of 0..k−1. */
function orders(k: number): number[][] {
  if (k === 1) return [[0]];
  return orders(k - 1).flatMap((o) => Array.from({ length: k }, (_, at) => [...o.slice(0, at), k - 1, ...o.slice(at)]));
}

describe('correlated descriptors', () => {
  it('correlations: ±1 for affine copies, 0 for a constant column; groups by single linkage', () => {
    const x = tensor([4, 4], Float32Array.from([1, 3, -1, 5, 2, 5, -2, 5, 3, 7, -3, 5, 4, 9, -4.5, 5]));
    const r = correlationMatrix(x);
    expect(r[0 * 4 + 1]).toBeCloseTo(1, 12);
    expect(r[0 * 4 + 3]).toBe(0);
    // Column 2 = −column 0 except its last value: ρ from the definition.
    const a = [1, 2, 3, 4];
    const c = [-1, -2, -3, -4.5];
    const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
    const cov = a.reduce((s, v, i) => s + (v - mean(a)) * (c[i] - mean(c)), 0);
    const rho = cov / Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) * c.reduce((s, v) => s + (v - mean(c)) ** 2, 0));
    expect(r[0 * 4 + 2]).toBeCloseTo(rho, 12);
    const g = correlatedGroups(x, 0.8);
    expect(g.groups).toEqual([[0, 1, 2], [3]]);
    expect(g.pairs.map((p) => [p.a, p.b])).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(correlatedGroups(duplicated(200, 1)).groups).toEqual([[0, 1], [2]]);
    expect(() => correlatedGroups(x, 0)).toThrow(/threshold/);
  });

  it('a duplicated pair splits permutation importance one by one and gets the full importance as a group', async () => {
    const x = duplicated(400, 2);
    const labels = Array.from({ length: 400 }, (_, i) => (x.data[i * 3] > 0 ? 1 : 0));
    // The model reads "a" through both copies: class 1 when a + a' > 0.
    const both = rowModel((r) => (r[0] + r[1] > 0 ? [0, 1] : [1, 0]));
    const one = rowModel((r) => (r[0] > 0 ? [0, 1] : [1, 0]));
    const single = await permutationImportance(both, x, labels, { repeats: 20, seed: 3 });
    const grouped = await permutationImportance(both, x, labels, { repeats: 20, seed: 3, groups: [[0, 1], [2]], names: ['a', 'a_copy', 'noise'] });
    const reference = await permutationImportance(one, x, labels, { repeats: 20, seed: 3 });
    expect(grouped.features).toEqual(['a+a_copy', 'noise']);
    // Shuffling the pair together is shuffling "a": exactly the one-column model's importance (same draws).
    expect(grouped.mean[0]).toBeCloseTo(reference.mean[0], 12);
    expect(grouped.mean[0]).toBeGreaterThan(0.4);
    for (const j of [0, 1]) expect(single.mean[j]).toBeLessThan(0.75 * grouped.mean[0]);
    expect(grouped.mean[1]).toBe(0);
  });

  it('grouped Shapley values equal the brute-force permutation definition over groups; a duplicated pair gets its full credit', async () => {
    const f = (r: ArrayLike<number>) => r[0] * r[1] + 2 * r[2] + r[0] - 0.5 * r[3] * r[2];
    const model = rowModel((r) => [f(r)]);
    const rng = new Random(5);
    const x = tensor([3, 4], Float32Array.from({ length: 12 }, () => rng.normal()));
    const background = tensor([5, 4], Float32Array.from({ length: 20 }, () => rng.normal()));
    const groups = [[0, 1], [2], [3]];
    const ours = await shapleyValues(model, x, background, { groups });
    expect(ours.phi.shape).toEqual([3, 3]);
    for (let i = 0; i < 3; i++) {
      const xi = x.data.subarray(i * 4, (i + 1) * 4);
      const v = (players: Set<number>) => {
        let s = 0;
        for (let b = 0; b < 5; b++) {
          const row = Array.from(background.data.subarray(b * 4, (b + 1) * 4));
          for (const p of players) for (const j of groups[p]) row[j] = xi[j];
          s += f(row) / 5;
        }
        return s;
      };
      const phi = [0, 0, 0];
      const all = orders(3);
      for (const order of all) {
        const before = new Set<number>();
        for (const p of order) {
          const without = v(before);
          before.add(p);
          phi[p] += (v(before) - without) / all.length;
        }
      }
      phi.forEach((value, p) => expect(ours.phi.data[i * 3 + p]).toBeCloseTo(value, 4));
    }
    // f = a + a' on duplicated columns: one by one each copy gets half; as a group the pair gets it all.
    const dup = duplicated(6, 7);
    const sum = rowModel((r) => [r[0] + r[1]]);
    const bg = duplicated(8, 8);
    const perColumn = await shapleyValues(sum, dup, bg);
    const pair = await shapleyValues(sum, dup, bg, { groups: [[0, 1], [2]] });
    for (let i = 0; i < 6; i++) {
      expect(pair.phi.data[i * 2]).toBeCloseTo(perColumn.phi.data[i * 3] + perColumn.phi.data[i * 3 + 1], 5);
      expect(perColumn.phi.data[i * 3]).toBeCloseTo(perColumn.phi.data[i * 3 + 1], 5);
    }
    await expect(shapleyValues(sum, dup, bg, { groups: [[0, 1], [1, 2]] })).rejects.toThrow(/exactly once/);
  });
});
