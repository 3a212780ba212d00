/**
 * The float32 TIFF stack writer, read back by trustscope's TIFF reader (itself checked against
 * tifffile on 43 fixtures): same shape, dtype and every value bit for bit, one page per image.
 */
import { describe, expect, it } from 'vitest';
import { encodeFloat32TiffStack } from '../../../src/data/formats/tiff-writer.js';
import { tiffReader } from '../../../src/data/formats/tiff.js';

const readArrayBytes = async (bytes: Uint8Array, source: string) => tiffReader.read(bytes, source);
import { tensor } from '../../../src/tensor/tensor.js';

describe('encodeFloat32TiffStack', () => {
  it('round-trips a stack through the TIFF reader exactly', async () => {
    const values = Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => Math.fround(Math.sin(i) * 1e3) / 7);
    values[4] = -0;
    values[9] = 3.4e38;
    const bytes = encodeFloat32TiffStack(tensor([3, 1, 5, 7], values));
    const back = await readArrayBytes(bytes, 'stack.tif');
    expect(back.format).toBe('tiff');
    expect(back.dtype).toBe('float32');
    expect(back.values.shape).toEqual([3, 1, 5, 7]);
    expect(Buffer.from(back.values.data.buffer, back.values.data.byteOffset, back.values.data.byteLength)).toEqual(Buffer.from(values.buffer));
    const single = await readArrayBytes(encodeFloat32TiffStack(tensor([1, 2, 3], [1, 2, 3, 4, 5, 6])), 'one.tif');
    expect(single.values.shape).toEqual([1, 2, 3]);
    expect(Array.from(single.values.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads back from a Node Buffer too (fs.readFile): pixel data at an offset that is not a multiple of 4', async () => {
    // The writer's first strip starts at byte 146; the reader once copied unaligned strips with
    // Buffer#slice, which is a view on a Buffer, and read every float from the wrong bytes.
    const values = Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i / 3);
    const bytes = encodeFloat32TiffStack(tensor([2, 4, 4], values));
    const pooled = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3);
    for (const input of [Buffer.from(bytes), pooled]) {
      const back = await readArrayBytes(input, 'stack.tif');
      expect(Array.from(back.values.data)).toEqual(Array.from(values));
    }
  });

  it('refuses what it cannot write as one-channel pages', () => {
    expect(() => encodeFloat32TiffStack(tensor([2, 3, 4, 4], new Float32Array(96)))).toThrow(/\[N, H, W\] or \[N, 1, H, W\]/);
    expect(() => encodeFloat32TiffStack(tensor([4, 4], new Float32Array(16)))).toThrow(/expected/);
  });
});
