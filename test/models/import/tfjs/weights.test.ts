/** Weights manifests: every stored and quantized dtype decodes to TF.js's values; bad shards are one line. */
import { describe, expect, it } from 'vitest';
import { decodeWeights, float16ToFloat32 } from '../../../../src/models/import/tfjs/weights.js';

const shardsOf = (files: Record<string, Uint8Array>) => async (p: string) => {
  const f = files[p];
  if (!f) throw new Error(`cannot read ${p}: no such file`);
  return f;
};

describe('decodeWeights', () => {
  it('float32, int32, bool; uint8/uint16 codes as q·scale + min (rounded for int32); float16; groups over several shards', async () => {
    const f32 = new Uint8Array(Float32Array.of(1.5, -2.25).buffer);
    const i32 = new Uint8Array(Int32Array.of(7, -3).buffer);
    const boolBytes = Uint8Array.of(1, 0, 1);
    const u8 = Uint8Array.of(0, 10, 255);
    const u16 = new Uint8Array(Uint16Array.of(0, 1000, 65535).buffer);
    const f16 = new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00).buffer); // 1, −2, 65504, 2^−24, +∞
    const u8int = Uint8Array.of(3, 4);
    const all = new Uint8Array([...f32, ...i32, ...boolBytes, ...u8, ...u16, ...f16, ...u8int]);
    // Split the group's bytes across two shard files at an arbitrary point, as the converter may.
    const files = { a: all.slice(0, 5), b: all.slice(5) };
    const manifest = [
      {
        paths: ['a', 'b'],
        weights: [
          { name: 'f', shape: [2], dtype: 'float32' },
          { name: 'i', shape: [2], dtype: 'int32' },
          { name: 'bool', shape: [3], dtype: 'bool' },
          { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -1 } },
          { name: 'q16', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: 2 } },
          { name: 'h', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } },
          { name: 'qi', shape: [2], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.5, min: 0.2 } },
        ],
      },
    ];
    const w = await decodeWeights(manifest, shardsOf(files), 'm.json');
    expect(Array.from(w.get('f')!.data)).toEqual([1.5, -2.25]);
    expect(Array.from(w.get('i')!.data)).toEqual([7, -3]);
    expect(Array.from(w.get('bool')!.data)).toEqual([1, 0, 1]);
    expect(Array.from(w.get('q8')!.data)).toEqual([Math.fround(-1), Math.fround(10 * 0.1 - 1), Math.fround(255 * 0.1 - 1)]);
    expect(Array.from(w.get('q16')!.data)).toEqual([2, Math.fround(1000 * 0.001 + 2), Math.fround(65535 * 0.001 + 2)]);
    expect(Array.from(w.get('h')!.data)).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(Array.from(w.get('qi')!.data)).toEqual([Math.round(3 * 0.5 + 0.2), Math.round(4 * 0.5 + 0.2)]);
    expect(float16ToFloat32(0x3555)).toBeCloseTo(1 / 3, 3);
    expect(float16ToFloat32(0xfc01)).toBeNaN();
  });

  it('a short or long shard, an unknown dtype or a missing file is one line naming the model', async () => {
    const spec = { paths: ['s'], weights: [{ name: 'w', shape: [4], dtype: 'float32' }] };
    await expect(decodeWeights([spec], shardsOf({ s: new Uint8Array(12) }), 'm.json')).rejects.toThrow("m.json: weight 'w' needs bytes 0..16 but the shards s hold 12");
    await expect(decodeWeights([spec], shardsOf({ s: new Uint8Array(20) }), 'm.json')).rejects.toThrow('m.json: the shards s hold 20 bytes but the manifest describes 16');
    await expect(decodeWeights([{ paths: ['s'], weights: [{ name: 'c', shape: [1], dtype: 'complex64' }] }], shardsOf({ s: new Uint8Array(8) }), 'm.json')).rejects.toThrow(/m\.json: weight 'c' is stored as 'complex64'/);
    await expect(decodeWeights([{ paths: ['s'], weights: [{ name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }] }], shardsOf({ s: new Uint8Array(1) }), 'm.json')).rejects.toThrow("m.json: weight 'q' is uint8-quantized without its scale and min");
    await expect(decodeWeights([spec], shardsOf({}), 'm.json')).rejects.toThrow('cannot read s: no such file');
  });
});
