/** The tile grid: covers every pixel, last tile on the edge, overlaps at least the one asked for, deterministic. */
import { describe, expect, it } from 'vitest';
import { blendWeightSums, blendWindow, cropTiles, parseTileOverlap, sampleTiles, tileGrid, tileOrigin, tileStarts } from '../../src/data/tiling.js';
import { Random } from '../../src/tensor/random.js';
import { randomTensor } from '../helpers/models.js';

describe('tile grid', () => {
  it('spreads starts evenly from 0 to length − side with strides of at most side − overlap', () => {
    expect(tileStarts(64, 64, 16)).toEqual([0]);
    expect(tileStarts(112, 64, 16)).toEqual([0, 48]);
    // span 49 at most 48 apart → 3 tiles: 0, 24.5→25 (round half up), 49
    expect(tileStarts(113, 64, 16)).toEqual([0, 25, 49]);
    for (const [length, side, overlap] of [
      [4096, 64, 16],
      [4096, 224, 56],
      [1000, 64, 0],
      [777, 33, 32],
    ]) {
      const s = tileStarts(length, side, overlap);
      expect(s[0]).toBe(0);
      expect(s[s.length - 1]).toBe(length - side);
      for (let i = 1; i < s.length; i++) {
        expect(s[i] - s[i - 1]).toBeGreaterThan(0);
        expect(s[i] - s[i - 1]).toBeLessThanOrEqual(side - overlap);
      }
      // No more tiles than needed: one fewer could not keep strides ≤ side − overlap.
      if (s.length > 2) expect((length - side) / (s.length - 2)).toBeGreaterThan(side - overlap);
    }
  });

  it('4096² with 64² tiles and overlap 0.25: 85 × 85 tiles covering every pixel', () => {
    const g = tileGrid(4096, 4096, 64, 64, { fraction: 0.25 });
    expect(g.overlapY).toBe(16);
    expect(g.ys.length).toBe(85);
    expect(g.count).toBe(85 * 85);
    const covered = new Uint8Array(4096);
    for (const y of g.ys) covered.fill(1, y, y + 64);
    expect(covered.every((c) => c === 1)).toBe(true);
  });

  it('numbers tiles row-major', () => {
    const g = tileGrid(100, 150, 50, 50, { pixels: 0 });
    expect([g.ys, g.xs]).toEqual([
      [0, 50],
      [0, 50, 100],
    ]);
    expect(tileOrigin(g, 0)).toEqual({ row: 0, col: 0, y: 0, x: 0 });
    expect(tileOrigin(g, 2)).toEqual({ row: 0, col: 2, y: 0, x: 100 });
    expect(tileOrigin(g, 4)).toEqual({ row: 1, col: 1, y: 50, x: 50 });
  });

  it('refuses images smaller than a tile and overlaps that do not fit, in one line', () => {
    expect(() => tileGrid(32, 100, 64, 64)).toThrow(/32×100, smaller than the model's 64×64 input/);
    expect(() => tileGrid(100, 100, 64, 64, { pixels: 64 })).toThrow(/64 px does not fit a 64-px tile/);
  });

  it('parses overlaps as a fraction or pixels, and names both forms on a mistake', () => {
    expect(parseTileOverlap('0.25')).toEqual({ fraction: 0.25 });
    expect(parseTileOverlap('0')).toEqual({ fraction: 0 });
    expect(parseTileOverlap('16px')).toEqual({ pixels: 16 });
    for (const bad of ['1', '-0.1', '16', 'abc', '', '1.5px']) expect(() => parseTileOverlap(bad)).toThrow(/--tile-overlap must be a fraction .* or pixels such as 16px/);
  });
});

describe('blending window', () => {
  it('is sin²(π(i+½)/n): positive everywhere, symmetric, peak 1 in the middle', () => {
    const w = blendWindow(8);
    for (let i = 0; i < 8; i++) {
      expect(w[i]).toBeCloseTo(Math.sin((Math.PI * (i + 0.5)) / 8) ** 2, 6);
      expect(w[i]).toBeGreaterThan(0);
      expect(w[i]).toBeCloseTo(w[7 - i], 6);
    }
  });

  it('weight sums are the per-axis sums of the windows at each tile position', () => {
    const g = tileGrid(20, 12, 8, 8, { pixels: 4 });
    const { sumY, sumX } = blendWeightSums(g);
    const w = blendWindow(8);
    for (let y = 0; y < 20; y++) {
      let expected = 0;
      for (const s of g.ys) if (y >= s && y < s + 8) expected += w[y - s];
      expect(sumY[y]).toBeCloseTo(expected, 6);
    }
    expect(sumX.every((v) => v > 0)).toBe(true);
  });
});

describe('cropTiles and sampleTiles', () => {
  it('copies each tile of every channel from the right place', () => {
    const image = randomTensor([2, 10, 12], 4);
    const g = tileGrid(10, 12, 4, 5, { pixels: 1 });
    const tiles = cropTiles(image, g, [0, g.count - 1, 3]);
    expect(tiles.shape).toEqual([3, 2, 4, 5]);
    [0, g.count - 1, 3].forEach((t, i) => {
      const { y, x } = tileOrigin(g, t);
      for (let c = 0; c < 2; c++) for (let r = 0; r < 4; r++) for (let q = 0; q < 5; q++) expect(tiles.data[((i * 2 + c) * 4 + r) * 5 + q]).toBe(image.data[c * 120 + (y + r) * 12 + x + q]);
    });
  });

  it('samples a seeded, sorted subset without repeats, or every tile when there are few', () => {
    expect(sampleTiles(5, 10, new Random(1))).toEqual([0, 1, 2, 3, 4]);
    const a = sampleTiles(1000, 20, new Random(7));
    expect(a).toEqual(sampleTiles(1000, 20, new Random(7)));
    expect(a).not.toEqual(sampleTiles(1000, 20, new Random(8)));
    expect(new Set(a).size).toBe(20);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(() => sampleTiles(10, 0, new Random(1))).toThrow(/whole number ≥ 1/);
  });
});
