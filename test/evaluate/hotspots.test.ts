/** Hotspots of maps built from blobs at known places. */
import { describe, expect, it } from 'vitest';
import { defaultHotspotRadius, findHotspots, survivingHotspots } from '../../src/evaluate/hotspots.js';

const H = 32;
const W = 32;

function blobs(spots: { y: number; x: number; height: number }[]): Float64Array {
  const m = new Float64Array(H * W);
  for (const s of spots) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] += s.height * Math.exp(-((y - s.y) ** 2 + (x - s.x) ** 2) / 2);
  return m;
}

describe('findHotspots', () => {
  it('finds the three blob centres, strongest first, and ignores the sign', () => {
    const m = blobs([{ y: 5, x: 6, height: 1 }, { y: 20, x: 25, height: 3 }, { y: 27, x: 4, height: 2 }, { y: 15, x: 15, height: 0.5 }]);
    const found = findHotspots(m.map((v, i) => (i % 2 ? -v : v)), H, W);
    expect(found.map((h) => [h.y, h.x])).toEqual([[20, 25], [27, 4], [5, 6]]);
    expect(found[0].strength).toBe(1);
    expect(found[2].strength).toBeLessThan(found[1].strength);
  });

  it('suppresses a disk of the radius around each peak and stops on a flat map', () => {
    expect(defaultHotspotRadius(32, 32)).toBe(4);
    // Two peaks 3 px apart are one hotspot at radius 4, two at radius 2.
    const m = blobs([{ y: 10, x: 10, height: 2 }, { y: 10, x: 13, height: 1.5 }]);
    expect(findHotspots(m, H, W, { count: 2, sigma: 0 }).map((h) => h.x)).not.toContain(13);
    expect(findHotspots(m, H, W, { count: 2, sigma: 0, radius: 2 }).map((h) => h.x)).toEqual([10, 13]);
    expect(findHotspots(new Float64Array(H * W), H, W)).toEqual([]);
  });
});

describe('survivingHotspots', () => {
  it('counts original hotspots with a hotspot of the other map within the radius', () => {
    const a = [{ y: 5, x: 5, strength: 1 }, { y: 20, x: 20, strength: 0.5 }, { y: 5, x: 25, strength: 0.3 }];
    const b = [{ y: 7, x: 6, strength: 1 }, { y: 25, x: 20, strength: 0.4 }];
    expect(survivingHotspots(a, b, 4)).toBe(1); // (5,5)→(7,6) is √5 away; (20,20)→(25,20) is 5 away
    expect(survivingHotspots(a, b, 5)).toBe(2);
  });
});
