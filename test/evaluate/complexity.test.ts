/** Complexity metrics against closed forms (one-hot, uniform) and the pairwise form of the Gini index. */
import { describe, expect, it } from 'vitest';
import { complexity, effectiveCount, entropyOfFractions, gini } from '../../src/evaluate/complexity.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

describe('complexity metrics', () => {
  it('one pixel holding everything: Gini (n−1)/n, entropy 0, one effective pixel', () => {
    const n = 64;
    const oneHot = new Float64Array(n);
    oneHot[17] = -2.5;
    expect(gini(oneHot)).toBeCloseTo((n - 1) / n, 12);
    expect(entropyOfFractions(oneHot)).toBe(0);
    expect(effectiveCount(oneHot)).toBe(1);
  });

  it('a uniform map: Gini 0, entropy ln n, every pixel effective', () => {
    const uniform = new Float64Array(50).fill(0.3);
    expect(gini(uniform)).toBeCloseTo(0, 12);
    expect(entropyOfFractions(uniform)).toBeCloseTo(Math.log(50), 12);
    expect(effectiveCount(uniform)).toBe(50);
  });

  it('Gini equals the mean absolute difference form Σᵢⱼ|xᵢ − xⱼ| / (2n·Σx)', () => {
    const rng = new Random(2);
    const x = Float64Array.from({ length: 100 }, () => rng.normal());
    let pairs = 0;
    let total = 0;
    for (const a of x) {
      total += Math.abs(a);
      for (const b of x) pairs += Math.abs(Math.abs(a) - Math.abs(b));
    }
    expect(gini(x)).toBeCloseTo(pairs / (2 * x.length * total), 12);
  });

  it('effective complexity is relative to the map maximum', () => {
    expect(effectiveCount([1, 1e-6, 1e-4, 0], 1e-5)).toBe(2);
    expect(effectiveCount([1e6, 1, 100, 0], 1e-5)).toBe(2); // same map × 1e6
  });

  it('summarises per image on channel-summed |a|, with null for an all-zero map', () => {
    // Image 0: channels (+1, −1) at one pixel → |a| = 2 there; image 1: all zero.
    const data = new Float32Array(2 * 2 * 4);
    data[1] = 1;
    data[4 + 1] = -1;
    const r = complexity(tensor([2, 2, 2, 2], data));
    expect(r.pixels).toBe(4);
    expect(r.sparseness.perImage).toEqual([0.75, null]);
    expect(r.complexity.perImage).toEqual([0, null]);
    expect(r.effectiveComplexity.perImage).toEqual([1, 0]);
    expect(r.sparseness.mean).toBe(0.75);
    expect(() => complexity(tensor([4, 4]))).toThrow(/\[N, C, H, W\]/);
  });
});
