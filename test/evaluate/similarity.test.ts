/** Map similarity against scipy's documented values, closed forms and brute-force references. */
import { describe, expect, it } from 'vitest';
import { averageRanks, compareMaps, hogBlocks, hogDistance, spearman, ssim } from '../../src/evaluate/similarity.js';
import { Random } from '../../src/tensor/random.js';

function randomMap(n: number, seed: number): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n }, () => rng.next());
}

describe('spearman', () => {
  it('averages tied ranks', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5, 20]))).toEqual([2, 4, 4, 1, 4]);
  });

  it("matches scipy.stats.spearmanr's documented example with a tie", () => {
    // scipy docs: spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) → 0.8207826816681233
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('equals 1 − 6Σd²/(n(n²−1)) without ties, and ignores monotone transforms', () => {
    const rng = new Random(3);
    const n = 40;
    const a = rng.permutation(n);
    const b = rng.permutation(n);
    const d2 = a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
    expect(spearman(a, b)).toBeCloseTo(1 - (6 * d2) / (n * (n * n - 1)), 12);
    expect(spearman(a, a.map((v) => Math.exp(v / 5)))).toBeCloseTo(1, 12);
    expect(spearman(a, a.map((v) => -v))).toBeCloseTo(-1, 12);
  });

  it('gives 0 against a constant map, 1 for two constant maps, and rejects bad input', () => {
    expect(spearman([1, 2, 3], [4, 4, 4])).toBe(0);
    expect(spearman([2, 2], [7, 7])).toBe(1);
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow(/2 and 3 values/);
    expect(() => spearman([1, NaN], [1, 2])).toThrow(/non-finite value at index 1/);
  });
});

/** SSIM written the slow, obvious way: 2-D window, mirrored copy of the image, per-pixel sums. */
function bruteSsim(a: Float64Array, b: Float64Array, h: number, w: number, range: number): number {
  const sigma = 1.5;
  const r = Math.min(5, Math.floor((Math.min(h, w) - 1) / 2));
  const mirror = (i: number, n: number) => {
    // index into ... c b a | a b c ... | c b a ... by unfolding one period at a time
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
  };
  const weights: number[][] = [];
  let total = 0;
  for (let dy = -r; dy <= r; dy++) {
    const row: number[] = [];
    for (let dx = -r; dx <= r; dx++) {
      const g = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      row.push(g);
      total += g;
    }
    weights.push(row);
  }
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  let sum = 0;
  let count = 0;
  for (let y = r; y < h - r; y++) {
    for (let x = r; x < w - r; x++) {
      let mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0; // prettier-ignore
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const g = weights[dy + r][dx + r] / total;
          const i = mirror(y + dy, h) * w + mirror(x + dx, w);
          mx += g * a[i];
          my += g * b[i];
          mxx += g * a[i] * a[i];
          myy += g * b[i] * b[i];
          mxy += g * a[i] * b[i];
        }
      }
      const vx = mxx - mx * mx;
      const vy = myy - my * my;
      const vxy = mxy - mx * my;
      sum += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      count++;
    }
  }
  return sum / count;
}

describe('ssim', () => {
  it('is 1 for identical maps and drops for unrelated ones', () => {
    const a = randomMap(32 * 32, 1);
    expect(ssim(a, a, 32, 32)).toBeCloseTo(1, 12);
    expect(ssim(a, randomMap(32 * 32, 2), 32, 32)).toBeLessThan(0.2);
  });

  it('matches a direct 2-D window computation (11×11 Gaussian, reflect border, interior mean)', () => {
    const a = randomMap(20 * 24, 5);
    const b = a.map((v, i) => 0.6 * v + 0.4 * ((i * 7919) % 13) / 13);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < a.length; i++) (lo = Math.min(lo, a[i], b[i])), (hi = Math.max(hi, a[i], b[i]));
    expect(ssim(a, b, 20, 24)).toBeCloseTo(bruteSsim(a, b, 20, 24, hi - lo), 10);
    // A map smaller than the window uses the largest window that fits (radius 2 on 6×6).
    const s = randomMap(36, 8);
    const t = randomMap(36, 9);
    const r = Math.max(...s, ...t) - Math.min(...s, ...t);
    expect(ssim(s, t, 6, 6)).toBeCloseTo(bruteSsim(s, t, 6, 6, r), 10);
  });

  it('reduces to the luminance term for two constant maps: (2μxμy + C1)/(μx² + μy² + C1)', () => {
    const a = new Float64Array(16 * 16).fill(0.2);
    const b = new Float64Array(16 * 16).fill(0.7);
    const c1 = (0.01 * 1) ** 2;
    expect(ssim(a, b, 16, 16, { dataRange: 1 })).toBeCloseTo((2 * 0.2 * 0.7 + c1) / (0.04 + 0.49 + c1), 12);
    expect(ssim(a, a, 16, 16)).toBe(1); // data range 0
  });
});

describe('hog distance', () => {
  const h = 32;
  const w = 32;
  const ramp = (horizontal: boolean) => Float64Array.from({ length: h * w }, (_, i) => (horizontal ? i % w : Math.floor(i / w)) / w);

  it('is 0 for the same map and for a rescaled copy (blocks are normalised)', () => {
    const a = randomMap(h * w, 4);
    expect(hogDistance(a, a, h, w)).toBe(0);
    expect(hogDistance(a, a.map((v) => 3 * v), h, w)).toBeLessThan(1e-6);
  });

  it('is √2 for a horizontal vs a vertical ramp (all gradient in orthogonal bins)', () => {
    const blocks = hogBlocks(ramp(true), h, w);
    // 8×8 cells of 4 px → 7×7 blocks of 2×2 cells × 9 bins; each block: 4 equal entries in bin 0.
    expect(blocks.length).toBe(49);
    expect(blocks[0][0]).toBeCloseTo(0.5, 6);
    expect(hogDistance(ramp(true), ramp(false), h, w)).toBeCloseTo(Math.SQRT2, 6);
  });

  it('compareMaps scales each map to max 1 for SSIM and HOG but not for Spearman', () => {
    const a = randomMap(h * w, 6);
    const s = compareMaps(a, a.map((v) => v / 100), h, w);
    expect(s.spearman).toBeCloseTo(1, 12);
    expect(s.ssim).toBeCloseTo(1, 9);
    expect(s.hogDistance).toBeLessThan(1e-6);
    expect(() => hogDistance(randomMap(9, 1), randomMap(9, 2), 3, 3)).toThrow(/fewer than 2×2 cells/);
    expect(compareMaps(randomMap(9, 1), randomMap(9, 2), 3, 3).hogDistance).toBeNull();
  });
});
