/** Records through JSON bit for bit: typed arrays by their bytes, non-finite numbers by name. */
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../src/scale/record-codec.js';

describe('record codec', () => {
  it('returns typed arrays, NaN and ±Infinity exactly, and plain JSON unchanged', () => {
    const f32 = Float32Array.from([0.1, -3.4e38, 1e-45, Number.NaN]);
    const f64 = Float64Array.from([0.1, Math.PI, -0]);
    const record = { figures: [{ kind: 'maps', images: { shape: [1, 2, 2], data: f32 } }], evidence: { ece: Number.NaN, hi: Infinity, lo: -Infinity, values: f64, list: [1, 'a', null] }, text: 'ok' };
    const back = decodeRecord(encodeRecord(record)) as typeof record;
    const images = back.figures[0].images.data;
    expect(images).toBeInstanceOf(Float32Array);
    expect(new Uint8Array(images.buffer)).toEqual(new Uint8Array(f32.buffer));
    expect(back.evidence.values).toBeInstanceOf(Float64Array);
    expect(Object.is(back.evidence.values[2], -0)).toBe(true);
    expect(Array.from(back.evidence.values)).toEqual(Array.from(f64));
    expect(back.evidence.ece).toBeNaN();
    expect(back.evidence.hi).toBe(Infinity);
    expect(back.evidence.lo).toBe(-Infinity);
    expect(back.evidence.list).toEqual([1, 'a', null]);
    expect(back.text).toBe('ok');
    // Plain JSON (no typed arrays, finite numbers) is ordinary JSON text.
    expect(encodeRecord({ a: [1, 2], b: 'x' })).toBe(JSON.stringify({ a: [1, 2], b: 'x' }));
  });

  it('refuses a typed array it cannot carry, in one line', () => {
    expect(() => encodeRecord({ x: new Int16Array(2) })).toThrow(/Int16Array, which the record codec does not carry/);
  });
});
