import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nmf, nmfTransform, reconstructionError } from '../../src/concepts/nmf.js';

interface Case { name: string; rows: number; cols: number; data: number[]; errors: Record<string, number> }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/concepts/sklearn-nmf.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('nmf against scikit-learn (bench/reference/make_nmf_fixture.py)', () => {
  for (const c of fixture.cases) {
    for (const [k, reference] of Object.entries(c.errors)) {
      it(`${c.name}, rank ${k}: Frobenius error within 3% of sklearn's`, () => {
        const r = nmf(c.data, c.rows, c.cols, { components: Number(k), seed: 1, maxIterations: 2000, tolerance: 1e-7 });
        expect(r.error).toBeCloseTo(reconstructionError(c.data, r.w, r.h, c.rows, c.cols, Number(k)), 9);
        expect(r.error / reference).toBeLessThan(1.03);
        expect(r.error / reference).toBeGreaterThan(0.9);
        expect(r.w.every((x) => x >= 0) && r.h.every((x) => x >= 0)).toBe(true);
      });
    }
  }
});

describe('nmf', () => {
  it('recovers an exact non-negative factorisation', () => {
    const w = [1, 0, 0, 2, 3, 1, 0.5, 0.5];
    const h = [1, 2, 0, 1, 0, 1, 3, 1];
    const v = Array.from({ length: 16 }, (_, x) => w[Math.floor(x / 4) * 2] * h[x % 4] + w[Math.floor(x / 4) * 2 + 1] * h[4 + (x % 4)]);
    const r = nmf(v, 4, 4, { components: 2, seed: 3, maxIterations: 3000, tolerance: 1e-10 });
    expect(r.error).toBeLessThan(1e-4);
    // Projecting V back on the fitted components gives the same weights (up to the fit's error).
    const w2 = nmfTransform(v, 4, r.h, 2, 4, 500);
    expect(reconstructionError(v, w2, r.h, 4, 4, 2)).toBeLessThan(1e-3);
  });

  it('is seeded', () => {
    const c = fixture.cases[0];
    const a = nmf(c.data, c.rows, c.cols, { components: 3, seed: 5 });
    const b = nmf(c.data, c.rows, c.cols, { components: 3, seed: 5 });
    expect(Array.from(a.w)).toEqual(Array.from(b.w));
  });

  it('refuses negative values with a hint', () => {
    expect(() => nmf([1, -1, 2, 3], 2, 2, { components: 1 })).toThrow(/non-negative.*ReLU/);
  });
});
