/** Synthetic polycrystals: seeded, labelled by grain count, boundary masks that match the Voronoi edges. */
import { describe, expect, it } from 'vitest';
import { generateGrains, type GrainPoint } from '../../../src/data/synthetic/grains.js';

/** Nearest seed by brute force (the test's own, independent of voronoiCell). */
function nearest(px: number, py: number, seeds: readonly GrainPoint[]): number {
  let best = 0;
  for (let i = 1; i < seeds.length; i++) {
    if (Math.hypot(px - seeds[i].x, py - seeds[i].y) < Math.hypot(px - seeds[best].x, py - seeds[best].y)) best = i;
  }
  return best;
}

describe('generateGrains', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = generateGrains({ count: 6, seed: 3 });
    const b = generateGrains({ count: 6, seed: 3 });
    const c = generateGrains({ count: 6, seed: 4 });
    expect(a.images.data).toEqual(b.images.data);
    expect(a.masks.boundary.data).toEqual(b.masks.boundary.data);
    expect(a.labels).toEqual(b.labels);
    expect(a.images.data).not.toEqual(c.images.data);
    expect(a.images.shape).toEqual([6, 1, 32, 32]);
    expect(a.masks.boundary.shape).toEqual([6, 32, 32]);
  });

  it('labels follow the grain counts: few large grains → 0, many small → 1, both classes present', () => {
    const set = generateGrains({ count: 200, seed: 1, size: 16 });
    set.labels.forEach((label, i) => {
      const k = set.grainCounts[i];
      expect(set.seeds[i]).toHaveLength(k);
      if (label === 0) expect(k >= 3 && k <= 6).toBe(true);
      else expect(k >= 14 && k <= 22).toBe(true);
    });
    const ones = set.labels.filter((l) => l === 1).length;
    expect(ones).toBeGreaterThan(70);
    expect(ones).toBeLessThan(130);
  });

  it('the boundary mask is exactly the pixels within boundaryWidth of another grain (brute-force sampling)', () => {
    const width = 0.75;
    const set = generateGrains({ count: 6, seed: 7, boundaryWidth: width });
    const steps = 12;
    let agree = 0;
    let total = 0;
    let onBoundary = 0;
    for (let n = 0; n < 6; n++) {
      const seeds = set.seeds[n];
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const [px, py] = [x + 0.5, y + 0.5];
          const own = nearest(px, py, seeds);
          // Is any point of the disc of radius `width` around the centre in another grain?
          let other = false;
          for (let i = 0; i <= steps && !other; i++)
            for (let j = 0; j <= steps && !other; j++) {
              const [dx, dy] = [((2 * i) / steps - 1) * width, ((2 * j) / steps - 1) * width];
              if (dx * dx + dy * dy < width * width && nearest(px + dx, py + dy, seeds) !== own) other = true;
            }
          const mask = set.masks.boundary.data[n * 1024 + y * 32 + x] === 1;
          if (mask === other) agree++;
          if (mask) onBoundary++;
          total++;
        }
    }
    // Sampling can only miss pixels whose edge distance is within a sample spacing of `width`.
    expect(agree / total).toBeGreaterThan(0.99);
    expect(onBoundary / total).toBeGreaterThan(0.05);
  });

  it('boundaries are dark grooves, and small-grain images have more of them', () => {
    const set = generateGrains({ count: 40, seed: 2 });
    let [inSum, inCount, outSum, outCount] = [0, 0, 0, 0];
    const fraction = [0, 0];
    const perClass = [0, 0];
    set.labels.forEach((label, n) => {
      let m = 0;
      for (let p = 0; p < 1024; p++) {
        const v = set.images.data[n * 1024 + p];
        if (set.masks.boundary.data[n * 1024 + p] === 1) [inSum, inCount, m] = [inSum + v, inCount + 1, m + 1];
        else [outSum, outCount] = [outSum + v, outCount + 1];
      }
      fraction[label] += m / 1024;
      perClass[label]++;
    });
    expect(outSum / outCount - inSum / inCount).toBeGreaterThan(0.1);
    expect(fraction[1] / perClass[1]).toBeGreaterThan(1.5 * (fraction[0] / perClass[0]));
  });

  it('rejects bad options with a message naming the fix', () => {
    expect(() => generateGrains({ count: 2, seed: 0, grainsPerClass: [[3, 10], [8, 12]] })).toThrow(/ranges overlap/);
    expect(() => generateGrains({ count: -1, seed: 0 })).toThrow(/count must be a non-negative integer/);
    expect(() => generateGrains({ count: 1, seed: 0, boundaryWidth: 0 })).toThrow(/boundaryWidth must be > 0/);
  });
});
