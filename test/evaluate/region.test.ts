/** Region statistics on hand-made maps whose normalised inside/outside means are known. */
import { describe, expect, it } from 'vitest';
import { normalisedMaps, regionContrast } from '../../src/evaluate/region.js';
import { tensor } from '../../src/tensor/tensor.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const H = 3;
const W = 4;
const P = H * W;

/** [N, C, H, W] maps from per-image, per-channel pixel functions. */
function maps(fns: ((ch: number, p: number) => number)[], c = 2): Tensor {
  const data: number[] = [];
  for (const f of fns) for (let ch = 0; ch < c; ch++) for (let p = 0; p < P; p++) data.push(f(ch, p));
  return tensor([fns.length, c, H, W], data);
}
function masks(sets: number[][]): Tensor {
  const data = new Float32Array(sets.length * P);
  sets.forEach((s, i) => s.forEach((p) => (data[i * P + p] = 1)));
  return tensor([sets.length, H, W], data);
}

describe('normalisedMaps', () => {
  it('sums channels and divides each image by its own max |value|; an all-zero map stays zero', () => {
    const m = maps([(ch, p) => (p === 5 ? -4 : ch + p / 10), () => 0]);
    const [a, b] = normalisedMaps(m);
    // Channel sum: p === 5 → −8, else 1 + p/5; max |·| = 8.
    for (let p = 0; p < P; p++) expect(a[p]).toBeCloseTo(p === 5 ? -1 : (1 + p / 5) / 8, 6);
    expect(Array.from(b)).toEqual(new Array(P).fill(0));
    expect(() => normalisedMaps(tensor([2, P]))).toThrow(/must be \[N, C, H, W\]; got \[2, 12\]/);
  });
});

describe('regionContrast', () => {
  const region = [0, 1, 4, 5];

  it('averages per-image normalised means over images, skipping an image whose region is empty', () => {
    // Image 0: inside 2 (1 per channel), outside −1 → max 2 → inside 1, outside −0.5.
    // Image 1: inside 3, outside 6 → max 6 → inside 0.5, outside 1.
    // Image 2: empty region → skipped whatever its values.
    const m = maps([
      (_ch, p) => (region.includes(p) ? 1 : -0.5),
      (ch, p) => (region.includes(p) ? [1, 2][ch] : 3),
      () => 100,
    ]);
    const r = regionContrast(m, masks([region, region, []]));
    expect(r.inside).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(r.outside).toBeCloseTo((-0.5 + 1) / 2, 12);
    expect(r.ratio).toBeCloseTo(3, 12);
  });

  it('matches a hand computation and is invariant to scaling a map (the normalisation)', () => {
    const f = (ch: number, p: number) => Math.sin(p + ch) + (region.includes(p) ? 2 : 0);
    const a = regionContrast(maps([f]), masks([region]));
    const b = regionContrast(maps([(ch, p) => 37 * f(ch, p)]), masks([region]));
    expect(b.inside).toBeCloseTo(a.inside, 6);
    expect(b.outside).toBeCloseTo(a.outside, 6);
    // By hand: channel sums s_p = sin(p) + sin(p + 1) + 4·[p ∈ region].
    const s = Array.from({ length: P }, (_, p) => Math.sin(p) + Math.sin(p + 1) + (region.includes(p) ? 4 : 0));
    const max = Math.max(...s.map(Math.abs));
    const inside = region.reduce((t, p) => t + s[p], 0) / region.length / max;
    const outsideIdx = s.map((_, p) => p).filter((p) => !region.includes(p));
    const outside = outsideIdx.reduce((t, p) => t + s[p], 0) / outsideIdx.length / max;
    expect(a.inside).toBeCloseTo(inside, 6);
    expect(a.outside).toBeCloseTo(outside, 6);
    expect(a.ratio / (inside / outside)).toBeCloseTo(1, 5);
  });

  it('compares with an explicit comparison region (which may overlap), skipping images where it is empty', () => {
    // Values: pixel p has value p (one channel). Image 0: region {0,1} → mean 0.5; comparison {1,2,3} → mean 2; max 11.
    // Image 1: comparison empty → skipped.
    const m = maps([(_ch, p) => p, (_ch, p) => -p], 1);
    const r = regionContrast(m, masks([[0, 1], [0, 1]]), masks([[1, 2, 3], []]));
    expect(r.inside).toBeCloseTo(0.5 / 11, 12);
    expect(r.outside).toBeCloseTo(2 / 11, 12);
    expect(r.ratio).toBeCloseTo(0.25, 12);
  });

  it('reads a mask value as inside only above 0.5', () => {
    const m = maps([(_ch, p) => p], 1);
    const soft = tensor([1, H, W], Array.from({ length: P }, (_, p) => (p === 11 ? 0.51 : p === 10 ? 0.5 : 0)));
    const r = regionContrast(m, soft);
    expect(r.inside).toBeCloseTo(1, 12); // pixel 11 only, normalised by 11
    expect(r.outside).toBeCloseTo((55 / 11) / 11, 12); // pixels 0..10
  });

  it('rejects masks of the wrong shape and data where no image can be used', () => {
    const m = maps([() => 1, () => 1]);
    expect(() => regionContrast(m, tensor([2, W, H]))).toThrow('region mask has shape [2, 4, 3]; it must be [2, 3, 4] to match the maps');
    expect(() => regionContrast(m, tensor([1, H, W]))).toThrow(/region mask has shape \[1, 3, 4\]/);
    expect(() => regionContrast(m, masks([[0], [0]]), tensor([2, H * W]))).toThrow(/comparison mask has shape \[2, 12\]/);
    expect(() => regionContrast(m, masks([[], []]))).toThrow(/no image has both a non-empty region and a non-empty comparison region/);
    const all = Array.from({ length: P }, (_, p) => p);
    expect(() => regionContrast(m, masks([all, all]))).toThrow(/no image has both/);
  });
});
