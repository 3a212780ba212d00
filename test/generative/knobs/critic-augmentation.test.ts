/**
 * The critic's augmentation: integer shifts with replicated edges, the 3×3 binomial blur mixed in
 * by t, pixel noise — each against its closed form — and the hook: identity when every amount is 0,
 * the same draws for the same seed, brightness kept.
 */
import { describe, expect, it } from 'vitest';
import { blurImage, criticAugment, shiftImage } from '../../../src/generative/knobs/critic-augmentation.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { randomTensor } from '../../helpers/models.js';

const side = 8;
const ramp = Float32Array.from({ length: side * side }, (_, i) => i);

describe('critic augmentation', () => {
  it('shifts by whole pixels, replicating the edge', () => {
    const out = shiftImage(ramp, side, 2, -1);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const [sx, sy] = [Math.max(0, x - 2), Math.min(side - 1, y + 1)];
        expect(out[y * side + x]).toBe(ramp[sy * side + sx]);
      }
    }
  });

  it('blurs with the binomial kernel: a point spreads as [1 2 1]ᵀ[1 2 1]/16 times t, a constant stays', () => {
    const point = new Float32Array(side * side);
    point[3 * side + 4] = 1;
    const out = blurImage(point, side, 0.5);
    expect(out[3 * side + 4]).toBeCloseTo(0.5 + 0.5 * (4 / 16), 6);
    expect(out[2 * side + 4]).toBeCloseTo(0.5 * (2 / 16), 6);
    expect(out[2 * side + 3]).toBeCloseTo(0.5 * (1 / 16), 6);
    expect(out[0]).toBe(0);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    for (const v of blurImage(new Float32Array(side * side).fill(0.3), side, 1)) expect(v).toBeCloseTo(0.3, 6);
  });

  it('is the identity with every amount 0, reproducible per seed, and keeps brightness', () => {
    const images = randomTensor([4, 1, 16, 16], 3, 0.2, 0.8);
    expect(Array.from(criticAugment({ shift: 0, blur: 0, noise: 0 })(images, [], new Random(1)).data)).toEqual(Array.from(images.data));
    const augment = criticAugment();
    const a = augment(images, [], new Random(5));
    const b = augment(images, [], new Random(5));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(images.data));
    const mean = (t: ArrayLike<number>) => Array.from(t).reduce((s, v) => s + v, 0) / t.length;
    expect(Math.abs(mean(a.data) - mean(images.data))).toBeLessThan(0.01);
    for (const v of a.data) expect(v >= 0 && v <= 1).toBe(true);
    expect(() => augment(tensor([1, 1, 2, 3], new Float32Array(6)), [], new Random(1))).toThrow(/square/);
  });
});
