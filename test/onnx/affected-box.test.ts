/**
 * Receptive-field arithmetic on hand cases (worked out on paper in the comments) and against a brute
 * force over every output position for random geometries.
 */
import { describe, expect, it } from 'vitest';
import { affectedOutputBox, inputRegion, type WindowGeometry } from '../../src/onnx/affected-box.js';
import { Random } from '../../src/tensor/random.js';

const geometry = (k: number, s: number, p: number, d = 1, pEnd = p): WindowGeometry => ({ kernel: [k, k], strides: [s, s], dilations: [d, d], pads: [p, p, pEnd, pEnd] });
const square = (a: number, b: number) => ({ y0: a, y1: b, x0: a, x1: b });
const outSize = (n: number, g: WindowGeometry) => Math.floor((n + g.pads[0] + g.pads[2] - ((g.kernel[0] - 1) * g.dilations[0] + 1)) / g.strides[0]) + 1;

describe('affected boxes by hand', () => {
  it('3×3 conv, stride 1, pad 1: a box grows by one on each side; its region adds the halo', () => {
    const g = geometry(3, 1, 1);
    expect(affectedOutputBox(square(4, 6), g, [10, 10])).toEqual(square(3, 7));
    expect(inputRegion(square(3, 7), g, [10, 10])).toEqual({ box: square(2, 8), pads: [0, 0, 0, 0] });
  });

  it('at the border the region is clipped and the clipped rows become pads', () => {
    const g = geometry(3, 1, 1);
    expect(affectedOutputBox(square(0, 2), g, [10, 10])).toEqual(square(0, 3));
    // outputs 0..2 read inputs −1..3: row −1 is the original padding
    expect(inputRegion(square(0, 3), g, [10, 10])).toEqual({ box: square(0, 4), pads: [1, 1, 0, 0] });
  });

  it('stride 2, pad 1 on 9 rows (5 outputs): input row 4 reaches output 2 only; the last output needs the bottom pad', () => {
    const g = geometry(3, 2, 1);
    expect(outSize(9, g)).toBe(5);
    // output o reads rows 2o−1 … 2o+1; row 4 lies in o = 2 only
    expect(affectedOutputBox(square(4, 5), g, [5, 5])).toEqual(square(2, 3));
    // output 4 reads rows 7, 8, 9; row 9 is padding
    expect(inputRegion(square(4, 5), g, [9, 9])).toEqual({ box: square(7, 9), pads: [0, 0, 1, 1] });
  });

  it('a 2×2 max-pool drops the odd last row of 7: occluding it changes nothing', () => {
    expect(affectedOutputBox(square(6, 7), geometry(2, 2, 0), [3, 3])).toBeNull();
  });

  it('dilation 2 (span 5), pad 2: input row 5 reaches outputs 3 … 7', () => {
    expect(affectedOutputBox(square(5, 6), geometry(3, 1, 2, 2), [10, 10])).toEqual(square(3, 8));
  });
});

describe('affected boxes against brute force', () => {
  it('random geometries: the affected outputs are exactly those whose window span meets the box, and the region recomputes exactly them', () => {
    const rng = new Random(5);
    const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform(0, 1) * (hi - lo + 1));
    for (let trial = 0; trial < 300; trial++) {
      const k = int(1, 5), s = int(1, 3), d = int(1, 2), pb = int(0, k - 1), pe = int(0, k - 1);
      const g = geometry(k, s, pb, d, pe);
      const n = int(k * d + 2, 20);
      const m = outSize(n, g);
      if (m < 1) continue;
      const a0 = int(0, n - 1), a1 = int(a0 + 1, n);
      const span = (k - 1) * d + 1;
      const hit: number[] = [];
      for (let o = 0; o < m; o++) if (o * s - pb < a1 && o * s - pb + span > a0) hit.push(o);
      const box = affectedOutputBox({ y0: a0, y1: a1, x0: 0, x1: 1 }, g, [m, 1]);
      if (hit.length === 0) {
        expect(box).toBeNull();
        continue;
      }
      expect([box!.y0, box!.y1]).toEqual([hit[0], hit[hit.length - 1] + 1]);
      // Running the op with the region's pads on the region gives exactly the wanted outputs.
      const region = inputRegion(box!, g, [n, 1]);
      const rows = region.box.y1 - region.box.y0;
      expect(Math.floor((rows + region.pads[0] + region.pads[2] - span) / s) + 1).toBe(box!.y1 - box!.y0);
      expect(region.pads[0]).toBeLessThanOrEqual(pb);
      expect(region.pads[2]).toBeLessThanOrEqual(pe);
      // and its first output sits where the original's output box.y0 does
      expect(region.box.y0 - region.pads[0]).toBe(box!.y0 * s - pb);
    }
  });
});
