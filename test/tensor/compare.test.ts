import { describe, expect, it } from 'vitest';
import { pearson, relativeL2 } from '../../src/tensor/compare.js';

describe('relativeL2', () => {
  it('is ‖a − b‖ / ‖b‖, and the absolute norm against zeros', () => {
    expect(relativeL2([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(relativeL2([3, 4], [0, 5])).toBeCloseTo(Math.sqrt(9 + 1) / 5, 12);
    expect(relativeL2([3, 4], [0, 0])).toBeCloseTo(5, 12);
    expect(() => relativeL2([1], [1, 2])).toThrow(/lengths differ/);
  });
});

describe('pearson', () => {
  it('is ±1 for exact linear relations and 0 for orthogonal centred data', () => {
    expect(pearson([1, 2, 3, 4], [10, 12, 14, 16])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, -1, 1, -1], [1, 1, -1, -1])).toBeCloseTo(0, 12);
    expect(pearson([1, 2, 3], [2, 2, 2])).toBeNaN();
  });

  it('matches the textbook formula on arbitrary data', () => {
    const a = [0.3, -1.2, 2.5, 0.9, -0.4];
    const b = [1.1, -0.7, 1.9, 0.2, 0.4];
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const [ma, mb] = [mean(a), mean(b)];
    const cov = a.reduce((s, x, i) => s + (x - ma) * (b[i] - mb), 0);
    const sa = Math.sqrt(a.reduce((s, x) => s + (x - ma) ** 2, 0));
    const sb = Math.sqrt(b.reduce((s, x) => s + (x - mb) ** 2, 0));
    expect(pearson(a, b)).toBeCloseTo(cov / (sa * sb), 12);
  });
});
