/**
 * The 16-bit PNG writer, read back by trustscope's PNG reader (checked against fast-png's decoder):
 * the values equal quantise16 of the input bit for bit, so a .npy of quantise16(x) feeds a model
 * exactly what the PNG does.
 */
import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { encodeGrey16Png, quantise16 } from '../../../src/data/formats/png-writer.js';
import { decodePngBytes } from '../../../src/data/formats/png.js';
import { tensor } from '../../../src/tensor/tensor.js';

describe('encodeGrey16Png', () => {
  it('writes round(v × 65535) and reads back as quantise16 exactly', () => {
    const n = 9 * 11;
    const x = tensor([1, 9, 11], Float32Array.from({ length: n }, (_, i) => (i === 0 ? 0 : i === n - 1 ? 1 : (i * 0.6180339887) % 1)));
    const bytes = encodeGrey16Png(x);
    const raw = decode(bytes);
    expect([raw.width, raw.height, raw.depth, raw.channels]).toEqual([11, 9, 16, 1]);
    expect(Array.from(raw.data)).toEqual(Array.from(x.data, (v) => Math.round(v * 65535)));
    const back = decodePngBytes(bytes, 'x.png');
    const q = quantise16(x);
    expect(back.shape).toEqual([1, 9, 11]);
    expect(Array.from(back.data)).toEqual(Array.from(q.data));
    // Quantisation error is at most half a level.
    for (let i = 0; i < n; i++) expect(Math.abs(q.data[i] - x.data[i])).toBeLessThanOrEqual(0.5 / 65535 + 1e-7);
  });

  it('refuses values outside [0, 1] and colour images, naming the pixel', () => {
    expect(() => encodeGrey16Png(tensor([2, 2], [0, 0.5, 1.5, 1]))).toThrow(/pixel \(1, 0\) is 1.5; a 16-bit PNG holds values in \[0, 1\]/);
    expect(() => encodeGrey16Png(tensor([3, 2, 2], new Float32Array(12)))).toThrow(/\[H, W\] or \[1, H, W\]/);
    expect(() => quantise16(tensor([1], [NaN]))).toThrow(/value 0 is NaN/);
  });
});
