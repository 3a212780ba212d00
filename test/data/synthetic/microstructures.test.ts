/** The explore reference scenario: deterministic in its seed, balanced, and each class is what it says. */
import { describe, expect, it } from 'vitest';
import { AMBIGUOUS_PAIRS, MICROSTRUCTURE_CLASSES, generateMicrostructures } from '../../../src/data/synthetic/microstructures.js';

const SIZE = 32;
const PLANE = SIZE * SIZE;
const set = generateMicrostructures({ count: 400, seed: 7 });

function pixels(i: number): Float32Array {
  return set.images.data.subarray(i * PLANE, (i + 1) * PLANE);
}

function mean(p: Float32Array): number {
  return p.reduce((s, v) => s + v, 0) / p.length;
}
/** Share of pixels brighter / darker than the image median by more than t. */
function tail(p: Float32Array, t: number, sign: 1 | -1): number {
  const median = [...p].sort((a, b) => a - b)[p.length >> 1];
  return p.filter((v) => sign * (v - median) > t).length / p.length;
}
/**
 * Dominant period in pixels: 32 / |f| at the strongest non-DC frequency of the image's 2-D DFT (mean
 * removed) — the orientation-energy descriptor of a striped texture.
 */
function dominantPeriod(p: Float32Array): number {
  const m = mean(p);
  let best = -1;
  let period = NaN;
  for (let v = 0; v <= SIZE / 2; v++)
    for (let u = -SIZE / 2 + 1; u <= SIZE / 2; u++) {
      if (u === 0 && v === 0) continue;
      let re = 0;
      let im = 0;
      for (let y = 0; y < SIZE; y++)
        for (let x = 0; x < SIZE; x++) {
          const phase = (-2 * Math.PI * (u * x + v * y)) / SIZE;
          re += (p[y * SIZE + x] - m) * Math.cos(phase);
          im += (p[y * SIZE + x] - m) * Math.sin(phase);
        }
      const power = re * re + im * im;
      if (power > best) [best, period] = [power, SIZE / Math.hypot(u, v)];
    }
  return period;
}

/** Mean squared difference of horizontally and vertically adjacent pixels: edges and noise. */
function neighbourEnergy(p: Float32Array): number {
  let s = 0;
  for (let y = 0; y < SIZE - 1; y++) for (let x = 0; x < SIZE - 1; x++) s += (p[y * SIZE + x + 1] - p[y * SIZE + x]) ** 2 + (p[(y + 1) * SIZE + x] - p[y * SIZE + x]) ** 2;
  return s / (2 * (SIZE - 1) * (SIZE - 1));
}

function classMean(k: number, f: (p: Float32Array, i: number) => number): number {
  const ids = set.labels.flatMap((y, i) => (y === k ? [i] : []));
  return ids.reduce((s, i) => s + f(pixels(i), i), 0) / ids.length;
}
const k = (name: (typeof MICROSTRUCTURE_CLASSES)[number]) => MICROSTRUCTURE_CLASSES.indexOf(name);

describe('generateMicrostructures', () => {
  it('is deterministic in its seed and differs between seeds', () => {
    const again = generateMicrostructures({ count: 400, seed: 7 });
    expect(again.labels).toEqual(set.labels);
    expect(again.images.data).toEqual(set.images.data);
    const other = generateMicrostructures({ count: 400, seed: 8 });
    expect(other.images.data).not.toEqual(set.images.data);
  });

  it('is balanced over ten classes, [N, 1, 32, 32]', () => {
    expect(set.images.shape).toEqual([400, 1, 32, 32]);
    for (let c = 0; c < 10; c++) expect(set.labels.filter((y) => y === c)).toHaveLength(40);
    expect(set.classNames).toEqual([...MICROSTRUCTURE_CLASSES]);
  });

  it('draws precipitates bright and voids dark, except the inverted-contrast share (the ambiguous pair)', () => {
    const bright = (i: number) => tail(pixels(i), 0.12, 1) > tail(pixels(i), 0.12, -1);
    for (const [name, expectBright] of [['precipitates', true], ['voids', false]] as const) {
      const ids = set.labels.flatMap((y, i) => (y === k(name) ? [i] : []));
      for (const i of ids) expect(bright(i)).toBe(set.inverted[i] ? !expectBright : expectBright);
      const share = ids.filter((i) => set.inverted[i]).length / ids.length;
      expect(share).toBeGreaterThan(0.05);
      expect(share).toBeLessThan(0.5);
    }
    expect(AMBIGUOUS_PAIRS).toContainEqual([k('precipitates'), k('voids')]);
  });

  it('overlaps the aspect ratios of equiaxed and elongated grains (the other ambiguous pair)', () => {
    const ratios = (name: (typeof MICROSTRUCTURE_CLASSES)[number]) => set.aspectRatios.filter((_, i) => set.labels[i] === k(name));
    const equiaxed = ratios('equiaxed grains');
    const elongated = ratios('elongated grains');
    expect(Math.min(...equiaxed)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...elongated)).toBeLessThanOrEqual(3);
    expect(Math.max(...equiaxed)).toBeGreaterThan(Math.min(...elongated));
    expect(equiaxed.reduce((a, b) => a + b) / equiaxed.length).toBeLessThan(elongated.reduce((a, b) => a + b) / elongated.length);
  });

  it('gives each textured class its signature: fine stripes, broad bands, smooth amorphous, one large inclusion', () => {
    // Lamellae are stripes of period 3–4.5 px, twins bands of period 9–14 px.
    const periods = (name: (typeof MICROSTRUCTURE_CLASSES)[number]) => set.labels.flatMap((y, i) => (y === k(name) ? [dominantPeriod(pixels(i))] : []));
    for (const t of periods('lamellae')) expect(t).toBeGreaterThan(2.5), expect(t).toBeLessThan(5.5);
    for (const t of periods('twins')) expect(t).toBeGreaterThan(7), expect(t).toBeLessThan(17);
    // Amorphous has no edges: its neighbour-difference energy is close to the noise floor 2σ² = 0.005.
    expect(classMean(k('amorphous'), neighbourEnergy)).toBeLessThan(0.0065);
    expect(classMean(k('lamellae'), neighbourEnergy)).toBeGreaterThan(0.008);
    // An inclusion is a large bright particle: more bright pixels than precipitates' small ones.
    const brightShare = (name: (typeof MICROSTRUCTURE_CLASSES)[number]) => classMean(k(name), (p) => tail(p, 0.15, 1));
    expect(brightShare('inclusions')).toBeGreaterThan(1.5 * brightShare('precipitates'));
    // Cracks, dislocations and grain boundaries are dark lines: more dark than bright outliers.
    for (const name of ['cracks', 'dislocations', 'equiaxed grains'] as const) expect(classMean(k(name), (p) => tail(p, 0.15, -1) - tail(p, 0.15, 1))).toBeGreaterThan(0.01);
    // Every tile sits near mid-grey.
    for (let c = 0; c < 10; c++) expect(Math.abs(classMean(c, mean) - 0.5)).toBeLessThan(0.12);
  });

  it('refuses a bad count, size or class list in one line', () => {
    expect(() => generateMicrostructures({ count: -1, seed: 1 })).toThrow(/count must be a non-negative integer/);
    expect(() => generateMicrostructures({ count: 1, seed: 1, size: 4 })).toThrow(/size must be an integer ≥ 8/);
    expect(() => generateMicrostructures({ count: 1, seed: 1, classes: [10] })).toThrow(/classes must be indices 0–9/);
  });
});
