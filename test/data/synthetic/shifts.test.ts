/** Distribution shifts: identity at severity 0, seeded, and each one's defining statistic. */
import { describe, expect, it } from 'vitest';
import { SHIFT_KINDS, applyShift, generateShiftSuite, generateShiftedSet } from '../../../src/data/synthetic/shifts.js';
import { generateEmDefects } from '../../../src/data/synthetic/em-defects.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor, type Tensor } from '../../../src/tensor/tensor.js';

const base = generateEmDefects({ count: 12, seed: 9 }).images;

function stats(x: ArrayLike<number>): { mean: number; std: number } {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i] / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2 / x.length;
  return { mean, std: Math.sqrt(v) };
}

const diff = (a: Tensor, b: Tensor) => Float64Array.from(a.data, (v, i) => v - b.data[i]);
/** Mid-grey tiles with weak texture: no shift here reaches the [0, 1] clamp. */
const grey = (() => {
  const rng = new Random(5);
  return tensor([8, 1, 32, 32], Array.from({ length: 8 * 1024 }, () => 0.5 + 0.05 * rng.normal()));
})();

describe('distribution shifts', () => {
  it('severity 0 leaves the tiles unchanged; the same seed repeats, another differs', () => {
    for (const kind of SHIFT_KINDS) {
      expect(Array.from(applyShift(base, kind, { severity: 0, seed: 1 }).data), kind).toEqual(Array.from(base.data));
      const a = applyShift(base, kind, { severity: 0.7, seed: 1 });
      expect(Array.from(applyShift(base, kind, { severity: 0.7, seed: 1 }).data), kind).toEqual(Array.from(a.data));
      const meanAbs = diff(a, base).reduce((t, v) => t + Math.abs(v), 0) / a.data.length;
      expect(meanAbs, `${kind} changes the tiles`).toBeGreaterThan(1e-3);
      expect(Math.min(...a.data) >= 0 && Math.max(...a.data) <= 1, `${kind} stays in [0, 1]`).toBe(true);
    }
    expect(Array.from(applyShift(base, 'dose-creep', { severity: 0.7, seed: 2 }).data)).not.toEqual(Array.from(applyShift(base, 'dose-creep', { severity: 0.7, seed: 1 }).data));
  });

  it('dose-creep adds noise of σ = 0.2·severity; drift-offset adds 0.3·severity', () => {
    expect(stats(diff(applyShift(grey, 'dose-creep', { severity: 0.5, seed: 3 }), grey)).std).toBeCloseTo(0.1, 2);
    const offset = diff(applyShift(grey, 'drift-offset', { severity: 0.5, seed: 3 }), grey);
    expect(Math.min(...offset)).toBeCloseTo(0.15, 5);
    expect(Math.max(...offset)).toBeCloseTo(0.15, 5);
  });

  it('contrast-loss scales each tile’s deviations by 1 − 0.85·severity and keeps its mean', () => {
    const out = applyShift(grey, 'contrast-loss', { severity: 0.8, seed: 0 });
    for (let n = 0; n < 8; n++) {
      const before = stats(grey.data.subarray(n * 1024, (n + 1) * 1024));
      const after = stats(out.data.subarray(n * 1024, (n + 1) * 1024));
      expect(after.std / before.std).toBeCloseTo(1 - 0.85 * 0.8, 4);
      expect(after.mean).toBeCloseTo(before.mean, 5);
    }
  });

  it('thickness darkens by 0.4·severity of the mean and keeps the read noise near 0.04', () => {
    const flat = tensor([4, 1, 32, 32], new Float32Array(4 * 1024).fill(0.5));
    const out = stats(applyShift(flat, 'thickness', { severity: 1, seed: 2 }).data);
    expect(out.mean).toBeCloseTo(0.3, 2);
    // A flat tile has no deviations to shrink: all that is left is the restored noise √(1 − c²)·0.04.
    expect(out.std).toBeCloseTo(0.04 * Math.sqrt(1 - 0.15 ** 2), 2);
  });

  it('drift-blur keeps a constant tile and shrinks pixel noise (Gaussian σ = 2.5 px at severity 1)', () => {
    const flat = tensor([1, 1, 32, 32], new Float32Array(1024).fill(0.4));
    expect(Array.from(applyShift(flat, 'drift-blur', { severity: 1, seed: 0 }).data).every((v) => Math.abs(v - 0.4) < 1e-6)).toBe(true);
    const noiseStd = stats(diff(grey, tensor(grey.shape, new Float32Array(grey.data.length).fill(0.5)))).std;
    const blurred = applyShift(grey, 'drift-blur', { severity: 1, seed: 0 });
    // White noise through a 2-D Gaussian of σ: std × 1/(2σ√π) ≈ 0.113 (edges add a little).
    expect(stats(blurred.data).std / noiseStd).toBeGreaterThan(0.09);
    expect(stats(blurred.data).std / noiseStd).toBeLessThan(0.16);
  });

  it('contamination changes a few compact spots; novel-morphology changes the whole tile', () => {
    const spots = diff(applyShift(grey, 'contamination', { severity: 0.5, seed: 4 }), grey);
    const changed = spots.filter((v) => Math.abs(v) > 1e-6).length / 8;
    // 1 + round(3.5) = 5 spots of radius ≤ 3.5 (area ≤ π·4² ≈ 50) per tile.
    expect(changed).toBeGreaterThan(10);
    expect(changed).toBeLessThan(5 * 51);
    const grains = diff(applyShift(grey, 'novel-morphology', { severity: 1, seed: 4 }), grey);
    expect(grains.filter((v) => Math.abs(v) > 1e-6).length / grains.length).toBeGreaterThan(0.9);
  });

  it('generated sets keep the generator’s labels; a suite has one set per shift', () => {
    const set = generateShiftedSet('dose-creep', { count: 10, seed: 3, severity: 1 });
    expect(set.labels).toEqual(generateEmDefects({ count: 10, seed: 3 }).labels);
    expect(set.images.shape).toEqual([10, 1, 32, 32]);
    expect(generateShiftSuite({ count: 4, seed: 1, severity: 0.5 }).map((s) => s.shift)).toEqual([...SHIFT_KINDS]);
  });

  it('bad severity, kind or shape: one-line errors', () => {
    expect(() => applyShift(base, 'dose-creep', { severity: 2, seed: 0 })).toThrow(/severity must be a number in \[0, 1\]/);
    expect(() => applyShift(base, 'fog' as never, { severity: 0.5, seed: 0 })).toThrow(/unknown shift 'fog'/);
    expect(() => applyShift(tensor([2, 4], new Float32Array(8)), 'thickness', { severity: 0.5, seed: 0 })).toThrow(/give \[N, C, H, W\]/);
  });
});
