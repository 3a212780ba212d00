/** Gaussian blur against the closed form: a constant stays constant, an impulse becomes the normalised kernel. */
import { describe, expect, it } from 'vitest';
import { gaussianBlur, gaussianKernel } from '../../src/evaluate/blur.js';
import { filled, tensor } from '../../src/tensor/tensor.js';
import { maxAbsDiff } from '../helpers/models.js';

describe('gaussian blur', () => {
  it('blur keeps a constant image and turns an impulse into the normalised Gaussian', () => {
    const flat = gaussianBlur(filled([1, 1, 9, 9], 0.7), 1.5);
    expect(maxAbsDiff(flat.data, new Float32Array(81).fill(0.7))).toBeLessThan(1e-6);
    const size = 21;
    const impulse = new Float32Array(size * size);
    impulse[10 * size + 10] = 1;
    const out = gaussianBlur(tensor([1, 1, size, size], impulse), 1.2);
    let z = 0;
    for (let t = -4; t <= 4; t++) z += Math.exp(-(t * t) / (2 * 1.44));
    for (const [y, xx] of [[10, 10], [11, 10], [12, 13], [14, 14]]) {
      const expected = Math.exp(-((y - 10) ** 2 + (xx - 10) ** 2) / (2 * 1.44)) / (z * z);
      expect(out.data[y * size + xx]).toBeCloseTo(expected, 6);
    }
    expect(gaussianKernel(1).length).toBe(7);
    expect(() => gaussianKernel(0)).toThrow(/positive number of pixels/);
  });

});
