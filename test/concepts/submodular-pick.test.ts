import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';
import { coverage, sparsify, submodularPick } from '../../src/concepts/submodular-pick.js';

/** The best coverage over all subsets of size b (brute force). */
function bruteForce(mask: Uint8Array, n: number, d: number, importance: readonly number[], b: number): number {
  let best = 0;
  const rec = (start: number, set: number[]) => {
    if (set.length === b) {
      best = Math.max(best, coverage(mask, d, importance, set));
      return;
    }
    for (let i = start; i < n; i++) rec(i + 1, [...set, i]);
  };
  rec(0, []);
  return best;
}

describe('submodularPick (SP-LIME)', () => {
  it('picks the optimum of a hand case', () => {
    // Features f0..f4; explanation 1 covers f0, f1, explanation 3 covers f2..f4; explanation 0 is a
    // subset of 1, explanation 2 of 3. Coverage gains: row 3 √2 + 1 + 1 = 3.41 > row 1 √3 + √2 = 3.15,
    // so row 3 first, then row 1 (everything covered: the optimum).
    const w = [
      1, 0, 0, 0, 0,
      2, 2, 0, 0, 0,
      0, 0, 1, 0, 0,
      0, 0, 1, 1, 1,
    ];
    const r = submodularPick(w, 4, 5, 2);
    // I = √(Σ|W|): f0 √3, f1 √2, f2 √2, f3 1, f4 1.
    expect(r.importance[0]).toBeCloseTo(Math.sqrt(3), 12);
    expect(r.importance[2]).toBeCloseTo(Math.sqrt(2), 12);
    expect(r.picked).toEqual([3, 1]);
    expect(r.coverage.at(-1)).toBeCloseTo(r.totalImportance, 12);
    expect(r.coverage.at(-1)).toBeCloseTo(bruteForce(sparsify(w, 4, 5), 4, 5, r.importance, 2), 12);
  });

  it('is within 1 − 1/e of the brute-force optimum on random sparse matrices (and usually equal)', () => {
    const rng = new Random(9);
    let equal = 0;
    for (let trial = 0; trial < 40; trial++) {
      const n = 9;
      const d = 10;
      const w = Array.from({ length: n * d }, () => (rng.next() < 0.3 ? rng.normal() : 0));
      for (const b of [2, 3]) {
        const r = submodularPick(w, n, d, b);
        const opt = bruteForce(sparsify(w, n, d), n, d, r.importance, b);
        const greedy = r.coverage.at(-1)!;
        expect(greedy).toBeGreaterThanOrEqual((1 - 1 / Math.E) * opt - 1e-12);
        expect(greedy).toBeLessThanOrEqual(opt + 1e-12);
        if (Math.abs(greedy - opt) < 1e-12) equal++;
      }
    }
    expect(equal).toBeGreaterThan(40);
  });

  it('keeps each explanation\u2019s K largest features when asked', () => {
    const w = [3, -5, 1, 0, 0.5, 0.2, -0.1, 4];
    expect(Array.from(sparsify(w, 2, 4, 2))).toEqual([1, 1, 0, 0, 1, 0, 0, 1]);
    const r = submodularPick(w, 2, 4, 1, { featuresPerExplanation: 2 });
    // Row 0 keeps f0, f1 (I = √3, √5); row 1 keeps f0, f3 (I_f0 = √3.5, f3 √4): row 0 covers √3.5 + √5 > √3.5 + 2.
    expect(r.picked).toEqual([0]);
  });

  it('refuses a bad budget or matrix in one line', () => {
    expect(() => submodularPick([1, 2], 1, 2, 0)).toThrow(/budget must be a positive integer/);
    expect(() => submodularPick([1, 2, 3], 2, 2, 1)).toThrow(/not 2×2/);
  });
});
