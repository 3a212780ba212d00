import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.js';
import { pca } from '../../src/concepts/pca.js';
import { symmetricEigen } from '../../src/tensor/symmetric-eigen.js';

interface Case { name: string; shape: number[]; data: number[]; components: number[][]; explainedVariance: number[]; explainedVarianceRatio: number[]; totalVariance: number }
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'concepts', 'numpy-pca.json'), 'utf8')) as { cases: Case[] };

describe('pca against numpy SVD (bench/reference/make_pca_fixture.py)', () => {
  for (const c of fixture.cases) {
    it(`${c.name} path: explained variance, ratios and eigenimages`, () => {
      const r = pca(tensor(c.shape, c.data), 4);
      const d = c.shape.slice(1).reduce((a, b) => a * b, 1);
      expect(r.components.shape).toEqual([4, ...c.shape.slice(1)]);
      expect(r.totalVariance).toBeCloseTo(c.totalVariance, 5);
      r.explainedVariance.forEach((v, k) => expect(v / c.explainedVariance[k]).toBeCloseTo(1, 6));
      r.explainedVarianceRatio.forEach((v, k) => expect(v).toBeCloseTo(c.explainedVarianceRatio[k], 6));
      for (let k = 0; k < 4; k++) {
        // Same direction up to sign (numpy's SVD sign is arbitrary).
        let dot = 0;
        for (let j = 0; j < d; j++) dot += r.components.data[k * d + j] * c.components[k][j];
        expect(Math.abs(dot)).toBeCloseTo(1, 5);
      }
    });
  }

  it('refuses fewer than two images', () => {
    expect(() => pca(tensor([1, 3], [1, 2, 3]), 2)).toThrow(/at least 2 images/);
  });
});

describe('symmetricEigen', () => {
  it('diagonalises a known 2×2 matrix', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 and 1, eigenvectors (1, 1)/√2 and (1, −1)/√2.
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(e.vectors[0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(e.vectors[0] * e.vectors[1]).toBeCloseTo(0.5, 12);
  });
});
