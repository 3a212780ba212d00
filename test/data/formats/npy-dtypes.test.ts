/**
 * Every numeric .npy dtype, both byte orders, C and Fortran order, against numpy: the fixtures are
 * written by np.save and their JSON is what np.load gives (bench/reference/make_npy_fixtures.py).
 * Values are compared exactly, in C order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeNpyArray, parseNpy } from '../../../src/data/formats/npy.js';
import { npyReader } from '../../../src/data/formats/npy-reader.js';
import { halfToNumber } from '../../../src/data/formats/raw-elements.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/npy/', import.meta.url));

interface Expected {
  file: string;
  descr: string;
  fortran_order: boolean;
  shape: number[];
  dtype: string;
  values: (number | string)[];
  float32: (number | string)[];
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Expected);
const num = (v: number | string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

describe('.npy files written by numpy read as numpy reads them', () => {
  it('covers every dtype in both byte orders and Fortran order', () => {
    const descrs = new Set(fixtures.map((e) => e.descr));
    for (const code of ['b1', 'i1', 'u1']) expect(descrs.has(`|${code}`)).toBe(true);
    for (const code of ['i2', 'u2', 'i4', 'u4', 'i8', 'u8', 'f2', 'f4', 'f8', 'c8', 'c16']) {
      expect(descrs.has(`<${code}`)).toBe(true);
      expect(descrs.has(`>${code}`)).toBe(true);
    }
    expect(fixtures.filter((e) => e.fortran_order).length).toBeGreaterThanOrEqual(9);
  });

  for (const e of fixtures) {
    it(`${e.file}: ${e.descr}${e.fortran_order ? ', Fortran order' : ''} [${e.shape}] → ${e.dtype}`, () => {
      const a = npyReader.read(new Uint8Array(readFileSync(join(FIXTURES, e.file))), e.file) as ReturnType<typeof npyReader.read> & { native: ArrayLike<number | bigint> };
      if (a instanceof Promise) throw new Error('npy reads synchronously');
      expect(a.dtype).toBe(e.dtype);
      expect(a.values.shape).toEqual(e.shape);
      expect(Array.from(a.values.data)).toEqual(e.float32.map((v) => Math.fround(num(v))));
      const native = a.native!;
      if (e.descr.endsWith('i8') || e.descr.endsWith('u8')) {
        // 64-bit integers exactly, beyond 2^53
        expect(Array.from(native as ArrayLike<bigint>, String)).toEqual(e.values);
      } else if (e.descr.endsWith('f2')) {
        expect(Array.from(native as Uint16Array, halfToNumber)).toEqual(e.values.map(num));
      } else {
        expect(Array.from(native as ArrayLike<number>)).toEqual(e.values.map(num));
      }
      expect(a.metadata).toEqual({ ...(e.descr.startsWith('>') ? { byteOrder: 'big' } : {}), ...(e.fortran_order ? { fortranOrder: true } : {}) });
    });
  }

  it('Fortran order is a transposition: column-major bytes of a 2×3×2 array come back row-major', () => {
    // Independent of numpy: element [i, j, k] sits at Fortran offset i + 2j + 6k; value = 100i + 10j + k.
    const shape = [2, 3, 2];
    const fortran = new Int16Array(12);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) fortran[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    const bytes = encodeNpyArray(fortran, shape);
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf("'fortran_order': False");
    bytes.set(new TextEncoder().encode("'fortran_order': True, "), at); // same length: 'False' + ', ' → 'True, ' + ' '
    const a = parseNpy(bytes, 'f.npy');
    expect(a.fortranOrder).toBe(true);
    expect(Array.from(a.raw as Int16Array)).toEqual([0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]);
  });
});
