/** The seeded generator: reproducible streams and the right distributions (checked by moments over many draws). */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';

function draws(seed: number, n: number, f: (r: Random) => number = (r) => r.uint32()): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => f(r));
}

function moments(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('Random streams', () => {
  it('gives the same sequence for the same seed and different ones for different seeds', () => {
    const a = draws(42, 1000);
    expect(draws(42, 1000)).toEqual(a);
    for (const other of [0, 1, 43, 2 ** 31]) {
      const b = draws(other, 1000);
      // Two independent 32-bit streams share essentially no values at the same position.
      expect(b.filter((v, i) => v === a[i]).length).toBeLessThan(3);
    }
    // Neighbouring seeds (0 and 1) must not give shifted copies of each other either.
    const s0 = draws(0, 200);
    const s1 = new Set(draws(1, 200));
    expect(s0.filter((v) => s1.has(v)).length).toBeLessThan(3);
  });

  it('reads the seed as an unsigned 32-bit integer', () => {
    expect(draws(-1, 50)).toEqual(draws(2 ** 32 - 1, 50));
    expect(draws(2 ** 32 + 5, 50)).toEqual(draws(5, 50));
  });

  it('uint32 is an unsigned 32-bit integer whose bits are each set half of the time', () => {
    const xs = draws(7, 20000);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    for (let bit = 0; bit < 32; bit++) {
      const ones = xs.filter((x) => (x >>> bit) & 1).length / xs.length;
      // σ of a share over 20000 fair bits is 0.0035; 0.02 is > 5σ.
      expect(Math.abs(ones - 0.5)).toBeLessThan(0.02);
    }
  });

  it('fork() gives a reproducible stream that differs from its parent', () => {
    const p1 = new Random(9);
    const p2 = new Random(9);
    const c1 = p1.fork();
    const c2 = p2.fork();
    const a = Array.from({ length: 100 }, () => c1.uint32());
    expect(Array.from({ length: 100 }, () => c2.uint32())).toEqual(a);
    const parent = Array.from({ length: 100 }, () => p1.uint32());
    expect(parent.filter((v, i) => v === a[i]).length).toBeLessThan(3);
  });
});

describe('Random distributions', () => {
  it('next() is uniform in [0, 1): range, mean 1/2, variance 1/12, and even deciles', () => {
    const xs = draws(3, 100_000, (r) => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const { mean, std } = moments(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // σ_mean = 0.0009
    expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.005);
    const bins = new Array(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]++;
    // Chi-square with 9 degrees of freedom: the 99.9% quantile is 27.9.
    const chi2 = bins.reduce((s, b) => s + (b - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('uniform(low, high) stays in [low, high) with mean (low + high)/2', () => {
    const xs = draws(4, 50_000, (r) => r.uniform(-3, 5));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...xs)).toBeLessThan(5);
    const { mean, std } = moments(xs);
    expect(Math.abs(mean - 1)).toBeLessThan(0.05); // σ_mean = 8/√12/√50000 ≈ 0.01
    expect(Math.abs(std - 8 / Math.sqrt(12))).toBeLessThan(0.03);
  });

  it('int(low, high) hits every integer of [low, high) equally often and nothing else', () => {
    const xs = draws(5, 60_000, (r) => r.int(-2, 4));
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    // Chi-square, 5 degrees of freedom: 99.9% quantile 20.5.
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(20.5);
    expect(draws(6, 100, (r) => r.int(7, 8))).toEqual(new Array(100).fill(7));
  });

  it('addNormal adds seeded N(0, std²) noise: moments, shares within 1σ and 2σ, and determinism', () => {
    const out = new Float32Array(100_001).fill(5);
    new Random(21).addNormal(out, 0, out.length, 0.5);
    const z = Array.from(out, (v) => (v - 5) / 0.5);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    expect(Math.abs(z.filter((v) => Math.abs(v) < 1).length / z.length - 0.6827)).toBeLessThan(0.005);
    expect(Math.abs(z.filter((v) => Math.abs(v) < 2).length / z.length - 0.9545)).toBeLessThan(0.003);
    const again = new Float32Array(100_001).fill(5);
    new Random(21).addNormal(again, 0, again.length, 0.5);
    expect(again).toEqual(out);
    const part = new Float32Array(4);
    new Random(21).addNormal(part, 1, 3, 1);
    expect([part[0], part[3]]).toEqual([0, 0]);
  });

  it('addNormal (sfc32 inlined) adds exactly what the polar method over uint32() adds, and leaves the stream where uint32() would', () => {
    // The straightforward form: two uint32() calls per try, rejected outside the unit disc.
    const reference = (r: Random, out: Float32Array, start: number, end: number, std: number) => {
      for (let j = start; j < end; ) {
        const u = r.uint32() * (2 / 4294967296) - 1;
        const v = r.uint32() * (2 / 4294967296) - 1;
        const s2 = u * u + v * v;
        if (s2 >= 1 || s2 === 0) continue;
        const f = std * Math.sqrt((-2 * Math.log(s2)) / s2);
        out[j++] += u * f;
        if (j < end) out[j++] += v * f;
      }
    };
    const fast = new Random(77);
    const slow = new Random(77);
    const a = new Float32Array(10_001).fill(0.25);
    const b = new Float32Array(10_001).fill(0.25);
    // Odd lengths drop the spare value of the last pair; a second call continues the same stream.
    fast.addNormal(a, 3, 5_004, 0.7);
    reference(slow, b, 3, 5_004, 0.7);
    fast.addNormal(a, 5_004, 10_001, 2);
    reference(slow, b, 5_004, 10_001, 2);
    expect(a).toEqual(b);
    expect(draws(0, 5, () => fast.uint32())).toEqual(draws(0, 5, () => slow.uint32()));
  });

  it('normalAround writes centre + noise in one pass: the same numbers as copying the centre then addNormal', () => {
    const centre = Float32Array.from({ length: 9 + 7 }, (_, i) => Math.sin(i) * 3);
    // 5 copies of centre[9..16) (period 7, odd: pairs straddle the copies) from index 2 of out.
    const oneCall = new Float32Array(2 + 5 * 7 + 3).fill(-1);
    const copied = oneCall.slice();
    const fast = new Random(5);
    const slow = new Random(5);
    fast.normalAround(oneCall, 2, 2 + 35, 0.3, centre, 9, 7);
    for (let s = 0; s < 5; s++) copied.set(centre.subarray(9, 16), 2 + 7 * s);
    slow.addNormal(copied, 2, 2 + 35, 0.3);
    expect(oneCall).toEqual(copied);
    expect([oneCall[0], oneCall[1], oneCall[37]]).toEqual([-1, -1, -1]);
    expect(fast.uint32()).toBe(slow.uint32());
    expect(() => fast.normalAround(oneCall, 0, 4, 1, centre, 10, 7)).toThrow('normalAround: centre [10, 17) is not a range of the 16 values given');
  });

  it('normal() has mean 0 and std 1 over 1e5 draws, and honours mean and std', () => {
    const xs = draws(11, 100_000, (r) => r.normal());
    const { mean, std } = moments(xs);
    expect(Math.abs(mean)).toBeLessThan(0.015); // σ_mean = 0.0032
    expect(Math.abs(std - 1)).toBeLessThan(0.01); // σ_std ≈ 0.0022
    // Shape: the shares within 1σ and 2σ, and the fourth moment (3 for a normal).
    expect(Math.abs(xs.filter((x) => Math.abs(x) < 1).length / xs.length - 0.6827)).toBeLessThan(0.006);
    expect(Math.abs(xs.filter((x) => Math.abs(x) < 2).length / xs.length - 0.9545)).toBeLessThan(0.004);
    const kurtosis = xs.reduce((s, x) => s + (x - mean) ** 4, 0) / xs.length / std ** 4;
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.1);
    // Consecutive values (the cached Box–Muller pair) are uncorrelated.
    let corr = 0;
    for (let i = 0; i + 1 < xs.length; i += 2) corr += xs[i] * xs[i + 1];
    expect(Math.abs(corr / (xs.length / 2))).toBeLessThan(0.02);

    const ys = draws(12, 100_000, (r) => r.normal(5, 0.5));
    const m2 = moments(ys);
    expect(Math.abs(m2.mean - 5)).toBeLessThan(0.008);
    expect(Math.abs(m2.std - 0.5)).toBeLessThan(0.005);
  });

  it('poisson(λ) has mean and variance λ, small and large λ alike, and 0 for λ ≤ 0', () => {
    for (const lambda of [0.5, 3, 20, 100]) {
      const xs = draws(13, 40_000, (r) => r.poisson(lambda));
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      const { mean, std } = moments(xs);
      // σ_mean = √(λ/40000); allow 6σ.
      expect(Math.abs(mean - lambda)).toBeLessThan(6 * Math.sqrt(lambda / 40_000));
      expect(Math.abs(std ** 2 / lambda - 1)).toBeLessThan(0.05);
    }
    // P(0) for λ = 3 is e^-3 = 0.0498.
    const small = draws(14, 40_000, (r) => r.poisson(3));
    expect(Math.abs(small.filter((x) => x === 0).length / small.length - Math.exp(-3))).toBeLessThan(0.007);
    expect(draws(15, 10, (r) => r.poisson(0))).toEqual(new Array(10).fill(0));
    expect(draws(15, 10, (r) => r.poisson(-2))).toEqual(new Array(10).fill(0));
  });
});

describe('Random permutations', () => {
  it('permutation(n) is a permutation of 0..n-1, reproducible per seed', () => {
    for (const n of [0, 1, 2, 17, 1000]) {
      const p = new Random(n).permutation(n);
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(new Random(n).permutation(n)).toEqual(p);
    }
    expect(new Random(1).permutation(50)).not.toEqual(new Random(2).permutation(50));
  });

  it('shuffles in place, returning the same array with the same elements', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    const out = new Random(3).shuffle(items);
    expect(out).toBe(items);
    expect([...items].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('puts every element in every position equally often (all 6 orders of 3 items are equally likely)', () => {
    const rng = new Random(21);
    const counts = new Map<string, number>();
    const runs = 60_000;
    for (let i = 0; i < runs; i++) {
      const key = rng.permutation(3).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Chi-square, 5 degrees of freedom: 99.9% quantile 20.5.
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - runs / 6) ** 2 / (runs / 6), 0);
    expect(chi2).toBeLessThan(20.5);
  });
});

describe('keyed fork', () => {
  it('gives a stream per key that does not depend on other keys or on order, and does not advance the parent', () => {
    const a = new Random(7);
    const first = a.fork('ood').uint32();
    a.fork('leakage');
    expect(a.fork('ood').uint32()).toBe(first);
    expect(Random.forKey(7, 'ood').uint32()).toBe(first);
    expect(Random.forKey(7, 'leakage').uint32()).not.toBe(first);
    expect(Random.forKey(8, 'ood').uint32()).not.toBe(first);
    const b = new Random(7);
    b.fork('x');
    expect(b.uint32()).toBe(new Random(7).uint32());
  });
});
