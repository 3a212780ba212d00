/**
 * The CUSUM change-point test: its statistic against a brute-force two-sample z over every split and
 * the analytic √n of a perfect 0/1 step; its permutation p-value against the exact p-value from all
 * 8! orders of a small series; its size under no drift; and binary segmentation of two changes.
 */
import { describe, expect, it } from 'vitest';
import { changePointTest, segmentSeries } from '../../src/trust/change-point.js';
import { Random } from '../../src/tensor/random.js';

/** max over splits k of √(k(n−k)/n)·|mean₁ − mean₂|/σ, computed segment by segment. */
function bruteForce(x: readonly number[], minSegment: number): { k: number; z: number } {
  const n = x.length;
  const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const m = mean(x);
  const sd = Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / n);
  let best = { k: -1, z: -Infinity };
  for (let k = minSegment; k <= n - minSegment; k++) {
    const z = (Math.sqrt((k * (n - k)) / n) * Math.abs(mean(x.slice(0, k)) - mean(x.slice(k)))) / sd;
    if (z > best.z) best = { k, z };
  }
  return best;
}

function* permutations(items: number[]): Generator<number[]> {
  if (items.length <= 1) {
    yield items;
    return;
  }
  for (let i = 0; i < items.length; i++) for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [items[i], ...rest];
}

describe('change point test', () => {
  it('finds the split with the largest standardised mean difference (brute force), √n for a perfect 0/1 step', () => {
    const rng = new Random(4);
    const x = Array.from({ length: 60 }, (_, i) => rng.normal() + (i >= 37 ? 1.2 : 0));
    const c = changePointTest(x, { seed: 1, minSegment: 5 })!;
    const b = bruteForce(x, 5);
    expect(c.index).toBe(b.k);
    expect(c.statistic).toBeCloseTo(b.z, 10);
    const step = Array.from({ length: 50 }, (_, i) => (i < 20 ? 0 : 1));
    const s = changePointTest(step, { seed: 1 })!;
    expect(s.index).toBe(20);
    expect(s.statistic).toBeCloseTo(Math.sqrt(50), 10);
    expect([s.before, s.after]).toEqual([0, 1]);
    expect(s.pValue).toBe(1 / 200);
  });

  it('its permutation p-value estimates the exact p-value over all 8! orders', () => {
    const x = [0.1, 0.5, 0.2, 0.4, 1.1, 0.7, 1.3, 0.9];
    const observed = bruteForce(x, 2).z;
    let atLeast = 0;
    let total = 0;
    for (const p of permutations(x.map((_, i) => i))) {
      total++;
      if (bruteForce(p.map((i) => x[i]), 2).z >= observed * (1 - 1e-12)) atLeast++;
    }
    const exact = atLeast / total;
    const c = changePointTest(x, { seed: 7, minSegment: 2, permutations: 19999 })!;
    // Monte Carlo error of 20 000 shuffles: sd ≈ √(p(1−p)/20000) < 0.0035.
    expect(Math.abs(c.pValue - exact)).toBeLessThan(0.012);
    expect(exact).toBeGreaterThan(0.01);
    expect(exact).toBeLessThan(0.2);
  });

  it('without drift rejects at about its level (size over 300 noise series)', () => {
    const rng = new Random(11);
    let rejected = 0;
    for (let t = 0; t < 300; t++) {
      const x = Array.from({ length: 80 }, () => (rng.next() < 0.9 ? 1 : 0));
      if (changePointTest(x, { seed: t, permutations: 99 })!.pValue < 0.05) rejected++;
    }
    // Binomial(300, ≤ 0.05): mean 15, sd 3.8.
    expect(rejected).toBeLessThan(28);
  });

  it('segments two level changes, honours the allowed splits, and is reproducible from its seed', () => {
    const rng = new Random(2);
    const x = Array.from({ length: 300 }, (_, i) => rng.normal() * 0.5 + (i >= 100 && i < 200 ? 1 : 0));
    const s = segmentSeries(x, { seed: 3, alpha: 0.01 });
    // Noise moves a change by a few images at most.
    expect(s.changes).toHaveLength(2);
    [100, 200].forEach((at, i) => expect(Math.abs(s.changes[i].index - at)).toBeLessThanOrEqual(3));
    expect(s.segments).toHaveLength(3);
    expect(s.segments[1].mean).toBeGreaterThan(s.segments[0].mean + 0.7);
    expect(segmentSeries(x, { seed: 3, alpha: 0.01 })).toEqual(s);
    // Splits only every 30 items (images sharing a time): the change lands on an allowed boundary.
    const coarse = changePointTest(x, { seed: 3, splits: [30, 60, 90, 120, 150, 180, 210, 240, 270] })!;
    expect(coarse.index % 30).toBe(0);
    const flat = segmentSeries(Array.from({ length: 300 }, () => rng.normal()), { seed: 3, alpha: 0.01 });
    expect(flat.changes).toEqual([]);
    expect(() => changePointTest(x, { seed: 1, permutations: 5 })).toThrow(/≥ 19/);
  });
});
