/**
 * SLIC superpixels: every pixel labelled, every segment 4-connected (checked by flood fill here),
 * segments that follow a synthetic edge (a vertical step and a disk), a count near K; then
 * KernelSHAP (exact) and LIME on the segments of a linear model, where the Shapley value and the
 * surrogate coefficient of a segment are both Σ_{pixels in it} w·x (zero baseline).
 */
import { describe, expect, it } from 'vitest';
import { kernelShap } from '../../../src/attribution/kernel-shap.js';
import { lime } from '../../../src/attribution/lime.js';
import { imageFeatureMasks } from '../../../src/attribution/segmentation/feature-masks.js';
import { enforceConnectivity, slic, slicBatch } from '../../../src/attribution/segmentation/slic.js';
import type { Segmentation } from '../../../src/attribution/segmentation/slic.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, uniformValues } from '../../helpers/models.js';
import { Random } from '../../../src/tensor/random.js';

/** Number of 4-connected pieces of each label, by an independent flood fill. */
function piecesPerLabel(seg: Segmentation): number[] {
  const { labels, height: h, width: w } = seg;
  const seen = new Uint8Array(h * w);
  const pieces = new Array<number>(seg.count).fill(0);
  for (let p = 0; p < h * w; p++) {
    if (seen[p]) continue;
    pieces[labels[p]]++;
    const stack = [p];
    seen[p] = 1;
    while (stack.length) {
      const q = stack.pop()!;
      const [y, x] = [Math.floor(q / w), q % w];
      for (const [yy, xx] of [[y - 1, x], [y + 1, x], [y, x - 1], [y, x + 1]]) {
        const r = yy * w + xx;
        if (yy >= 0 && xx >= 0 && yy < h && xx < w && !seen[r] && labels[r] === labels[q]) {
          seen[r] = 1;
          stack.push(r);
        }
      }
    }
  }
  return pieces;
}

/** Fraction of pixels whose segment's majority side (inside/outside) is their own side. */
function purity(seg: Segmentation, inside: (y: number, x: number) => boolean): number {
  const votes = Array.from({ length: seg.count }, () => [0, 0]);
  for (let p = 0; p < seg.labels.length; p++) votes[seg.labels[p]][inside(Math.floor(p / seg.width), p % seg.width) ? 1 : 0]++;
  return votes.reduce((s, [a, b]) => s + Math.max(a, b), 0) / seg.labels.length;
}

function image(h: number, w: number, f: (y: number, x: number) => number, noise = 0.02, seed = 1): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: h * w }, (_, p) => f(Math.floor(p / w), p % w) + rng.uniform(-noise, noise));
}

describe('SLIC', () => {
  const stepEdge = (y: number, x: number) => x >= 13;
  const disk = (y: number, x: number) => (y - 20) ** 2 + (x - 17) ** 2 < 11 ** 2;

  it('labels every pixel, with every label used, every segment connected, and a count near K', () => {
    const ramp = (y: number, x: number) => x / 36;
    for (const [f, k] of [[(y: number, x: number) => (stepEdge(y, x) ? 0.9 : 0.1), 16], [(y: number, x: number) => (disk(y, x) ? 0.9 : 0.1), 30], [ramp, 25]] as const) {
      const seg = slic(image(40, 36, f, f === ramp ? 0 : 0.02), 1, 40, 36, { nSegments: k });
      const used = new Set(seg.labels);
      expect(used.size).toBe(seg.count);
      expect(Math.min(...seg.labels)).toBe(0);
      expect(Math.max(...seg.labels)).toBe(seg.count - 1);
      expect(piecesPerLabel(seg).every((p) => p === 1)).toBe(true);
      expect(seg.count).toBeGreaterThanOrEqual(k / 2);
      expect(seg.count).toBeLessThanOrEqual(2 * k);
    }
  });

  it('follows a vertical step exactly and a disk almost exactly; patches of the same count do not', () => {
    const step = slic(image(40, 36, (y, x) => (stepEdge(y, x) ? 0.9 : 0.1)), 1, 40, 36, { nSegments: 16 });
    expect(purity(step, stepEdge)).toBe(1);
    const round = slic(image(40, 36, (y, x) => (disk(y, x) ? 0.9 : 0.1)), 1, 40, 36, { nSegments: 30 });
    expect(purity(round, disk)).toBeGreaterThan(0.98);
    // A 7-pixel patch grid (≈ 30 patches) cuts through the disk's boundary.
    const patches = imageFeatureMasks(tensor([1, 1, 40, 36]), { patch: 7 }, 'test')[0];
    expect(purity({ labels: patches.featureOf, count: patches.count, height: 40, width: 36 }, disk)).toBeLessThan(0.95);
    // Very compact segments ignore the intensity and become grid cells that cut the disk too.
    const square = slic(image(40, 36, (y, x) => (disk(y, x) ? 0.9 : 0.1)), 1, 40, 36, { nSegments: 30, compactness: 100 });
    expect(purity(square, disk)).toBeLessThan(purity(round, disk));
  });

  it('merges pieces below the minimum size into the segment they touch', () => {
    // Raw clusters: a 1-pixel island of 1 inside 0s, and a large 2-region.
    const raw = Int32Array.from([0, 0, 0, 2, 0, 1, 0, 2, 0, 0, 0, 2]);
    const seg = enforceConnectivity(raw, 3, 4, 2);
    expect(Array.from(seg.labels)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(seg.count).toBe(2);
  });

  it('is deterministic, works per image of a batch, and rejects bad options in one line', () => {
    const data = new Float32Array([...image(16, 16, (y, x) => (x > 7 ? 1 : 0)), ...image(16, 16, (y) => (y > 7 ? 1 : 0))]);
    const [a, b] = slicBatch(tensor([2, 1, 16, 16], data), { nSegments: 4 });
    expect(Array.from(a.labels)).toEqual(Array.from(slic(data, 1, 16, 16, { nSegments: 4 }).labels));
    expect(purity(b, (y) => y > 7)).toBe(1);
    expect(() => slic(data, 1, 16, 16, { nSegments: 0 })).toThrow(/nSegments must be an integer ≥ 1/);
    expect(() => slic(data, 1, 16, 16, { compactness: -1 })).toThrow(/compactness must be a positive/);
    expect(() => slic(new Float32Array([NaN, 0, 0, 0]), 1, 2, 2)).toThrow(/non-finite/);
    expect(() => imageFeatureMasks(tensor([1, 4]), { segments: 'slic' }, 'lime')).toThrow(/slic segments need image inputs/);
  });

  it('KernelSHAP (exact) and LIME on SLIC segments give each segment Σ w·x on a linear model', async () => {
    const [h, w] = [12, 12];
    const data = new Float32Array([
      ...image(h, w, (y, x) => ((y - 6) ** 2 + (x - 5) ** 2 < 16 ? 0.9 : 0.1)),
      ...image(h, w, (y, x) => (x + y > 12 ? 0.8 : 0.2), 0.02, 2),
    ]);
    const x = tensor([2, 1, h, w], data);
    const weights = uniformValues(2 * h * w, 3);
    const model = new OnnxModel(linearModel([1, h, w], weights, [0.1, -0.2]));
    const opts = { segments: 'slic' as const, nSegments: 6, target: 1 };
    const masks = imageFeatureMasks(x, opts, 'test');
    const expected = masks.map((mask, i) => {
      const sums = new Float64Array(mask.count);
      for (let e = 0; e < h * w; e++) sums[mask.featureOf[e]] += weights[h * w + e] * data[i * h * w + e];
      return sums;
    });
    const shap = await kernelShap.attribute(model, x, { ...opts, exact: true });
    const surrogate = await lime.attribute(model, x, { ...opts, alpha: 0, samples: 200 });
    for (const [i, mask] of masks.entries()) {
      for (const result of [shap, surrogate]) {
        const perPixel = Array.from({ length: h * w }, (_, e) => expected[i][mask.featureOf[e]]);
        expect(maxAbsDiff(result.values.data.subarray(i * h * w, (i + 1) * h * w), perPixel)).toBeLessThan(1e-4);
      }
    }
    expect(masks[0].count).toBeLessThanOrEqual(12);
  });
});
