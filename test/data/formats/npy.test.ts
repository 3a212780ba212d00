import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../../src/data/formats/npy.js';
import { writeFileAtomic } from '../../../src/io/atomic-write.js';
import { tensor } from '../../../src/tensor/tensor.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/npy/', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trustscope-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A .npy file built by hand: version, header text (padded here) and data bytes. */
function handMade(header: string, data: Uint8Array, major = 1): Uint8Array {
  const preamble = major === 1 ? 10 : 12;
  const total = Math.ceil((preamble + header.length + 1) / 64) * 64;
  const text = header.padEnd(total - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let k = 0; k < text.length; k++) out[preamble + k] = text.charCodeAt(k);
  out.set(data, total);
  return out;
}

describe('parseNpy on files written by numpy', () => {
  const cases: [string, string, string][] = [
    ['f4', '<f4', 'Float32Array'],
    ['f8', '<f8', 'Float64Array'],
    ['i8', '<i8', 'BigInt64Array'],
    ['i4', '<i4', 'Int32Array'],
    ['i2', '<i2', 'Int16Array'],
    ['u2', '<u2', 'Uint16Array'],
    ['u1', '|u1', 'Uint8Array'],
    ['b1', '|b1', 'Uint8Array'],
    ['scalar', '<f8', 'Float64Array'],
    ['empty', '<f4', 'Float32Array'],
  ];
  for (const [name, dtype, rawType] of cases) {
    it(`reads ${name}.npy (${dtype})`, async () => {
      const expected = JSON.parse(await readFile(join(FIXTURES, `${name}.json`), 'utf8')) as { shape: number[]; dtype: string; values: number[] };
      const a = parseNpy(await readFile(join(FIXTURES, `${name}.npy`)), `${name}.npy`);
      expect(a.shape).toEqual(expected.shape);
      expect(a.dtype).toBe(dtype);
      expect(a.raw.constructor.name).toBe(rawType);
      expect(a.data).toBeInstanceOf(Float32Array);
      expect(Array.from(a.data)).toEqual(Array.from(Float32Array.from(expected.values)));
    });
  }

  it('keeps the exact values in raw (int64 beyond float32 precision)', async () => {
    const a = parseNpy(await readFile(join(FIXTURES, 'i8.npy')));
    expect(a.raw).toBeInstanceOf(BigInt64Array);
    expect((a.raw as BigInt64Array)[11]).toBe(5000015n);
    const f8 = parseNpy(await readFile(join(FIXTURES, 'f8.npy')));
    const expected = JSON.parse(await readFile(join(FIXTURES, 'f8.json'), 'utf8')) as { values: number[] };
    expect(Array.from(f8.raw as Float64Array)).toEqual(expected.values);
  });

  it('shares the array between data and raw for <f4', async () => {
    const a = parseNpy(await readFile(join(FIXTURES, 'f4.npy')));
    expect(a.data).toBe(a.raw);
  });

  it('reads format versions 2.0 and 3.0', async () => {
    const v1 = parseNpy(await readFile(join(FIXTURES, 'f4.npy')));
    for (const v of ['f4-v2.npy', 'f4-v3.npy']) {
      const bytes = await readFile(join(FIXTURES, v));
      expect(bytes[6]).toBe(Number(v[4]));
      const a = parseNpy(bytes, v);
      expect(a.shape).toEqual([2, 3, 4]);
      expect(a.data).toEqual(v1.data);
    }
  });

  it('reads the Fortran-order and big-endian files it used to refuse', async () => {
    const fortran = parseNpy(await readFile(join(FIXTURES, 'fortran.npy')), 'fortran.npy');
    expect(fortran.shape).toEqual([3, 4]);
    expect(fortran.fortranOrder).toBe(true);
    const bigEndian = parseNpy(await readFile(join(FIXTURES, 'big-endian.npy')), 'big-endian.npy');
    expect(bigEndian.byteOrder).toBe('big');
    expect(bigEndian.dtype).toBe('<f4');
    expect(bigEndian.data.every((v) => Number.isFinite(v) && Math.abs(v) < 10)).toBe(true);
  });
});

describe('parseNpy errors', () => {
  const f4 = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);

  it('names the source and the problem', () => {
    expect(() => parseNpy(new TextEncoder().encode('PK\x03\x04 not numpy'), 'a.npy')).toThrow('a.npy is not a .npy file');
    expect(() => parseNpy(new Uint8Array(), 'empty.npy')).toThrow('empty.npy is not a .npy file');
    const truncated = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", f4);
    expect(() => parseNpy(truncated, 't.npy')).toThrow('t.npy is truncated: shape (3, 4) of <f4 needs 48 bytes of data but only 16 follow the header');
    const cutHeader = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4).subarray(0, 40);
    expect(() => parseNpy(cutHeader, 'h.npy')).toThrow(/^h\.npy is truncated: the header should have 118 bytes but only 30 follow$/);
    const v4 = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4);
    v4[6] = 4;
    expect(() => parseNpy(v4, 'v.npy')).toThrow('v.npy: .npy format version 4.0 is not supported (1.0, 2.0 and 3.0 are)');
    const complex = handMade("{'descr': '<U8', 'fortran_order': False, 'shape': (2,), }", f4);
    expect(() => parseNpy(complex, 'c.npy')).toThrow("c.npy: dtype '<U8' is not supported (supported: b1, i1, u1, i2, u2, i4, u4, i8, u8, f2, f4, f8, c8, c16, either byte order)");
    const structured = handMade("{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4);
    expect(() => parseNpy(structured, 's.npy')).toThrow(/^s\.npy: structured arrays .* are not supported/);
    const garbled = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4,) ", f4);
    expect(() => parseNpy(garbled, 'g.npy')).toThrow(/^g\.npy: malformed \.npy header/);
    const negative = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", f4);
    expect(() => parseNpy(negative, 'n.npy')).toThrow("n.npy: malformed .npy header ('shape' is [-1])");
    const missing = handMade("{'descr': '<f4', 'shape': (4,), }", f4);
    expect(() => parseNpy(missing, 'm.npy')).toThrow(/^m\.npy: malformed \.npy header \(needs 'descr', 'fortran_order' and 'shape'/);
    for (const bad of [truncated, cutHeader, v4, complex, structured, garbled, negative, missing]) {
      try {
        parseNpy(bad, 'x.npy');
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });

  it('accepts double quotes, Python 2 long suffixes, |i1 and data at an unaligned offset', () => {
    const header = '{"descr": "|i1", "fortran_order": False, "shape": (2L, 2L)}';
    const bytes = handMade(header, new Uint8Array([255, 1, 128, 127]));
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const a = parseNpy(shifted.subarray(3));
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe('|i1');
    expect(Array.from(a.data)).toEqual([-1, 1, -128, 127]);
    const f8 = handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(new Float64Array([0.5, -2]).buffer));
    const odd = new Uint8Array(f8.length + 1);
    odd.set(f8, 1);
    expect(Array.from(parseNpy(odd.subarray(1)).data)).toEqual([0.5, -2]);
  });

  it('accepts a version 2.0 header written by hand, ignoring trailing bytes as numpy does', () => {
    const bytes = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array([...f4, 9, 9]), 2);
    const a = parseNpy(bytes);
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4]);
  });
});

describe('encodeNpy', () => {
  it('writes a <f4 version 1.0 header padded to 64 bytes, ending in a newline', () => {
    for (const shape of [[], [5], [2, 3], [1, 3, 32, 32], [0, 4]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const bytes = encodeNpy(tensor(shape, Float32Array.from({ length: n }, (_, k) => k - 1.5)));
      const headerLength = bytes[8] + 256 * bytes[9];
      expect(bytes[6]).toBe(1);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes[10 + headerLength - 1]).toBe(0x0a);
      const text = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
      const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
      expect(text.trimEnd()).toBe(`{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`);
      expect(bytes.length).toBe(10 + headerLength + 4 * n);
    }
  });

  it('round-trips through parseNpy, including non-finite values and subarray views', () => {
    const values = Float32Array.from([0, -0, 1.5, NaN, Infinity, -Infinity, 3.4e38, 1e-45, -7, 0.1, 2, 3]);
    const view = values.subarray(2, 8);
    const a = parseNpy(encodeNpy(tensor([2, 3], view)));
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('<f4');
    expect(Array.from(a.data)).toEqual(Array.from(view));
    const zero = parseNpy(encodeNpy(tensor([2], Float32Array.from([-0, 0]))));
    expect(Object.is(zero.data[0], -0)).toBe(true);
  });

  it('writes the same data bytes numpy does', async () => {
    const bytes = await readFile(join(FIXTURES, 'f4.npy'));
    const a = parseNpy(bytes);
    const ours = encodeNpy(tensor(a.shape, a.data));
    const dataOf = (b: Uint8Array) => b.subarray(b.length - a.data.length * 4);
    expect(Buffer.from(dataOf(ours)).equals(Buffer.from(dataOf(bytes)))).toBe(true);
  });

  it('refuses a tensor whose data does not fit its shape', () => {
    expect(() => encodeNpy({ shape: [2, 2], data: new Float32Array(3) })).toThrow('encodeNpy: shape [2, 2] needs 4 values but the tensor has 3');
  });
});

describe('readNpy / writeNpy', () => {
  it('round-trips a tensor through a file, creating parent directories', async () => {
    const t = tensor([2, 1, 3, 2], Float32Array.from({ length: 12 }, (_, k) => Math.sin(k)));
    const path = join(dir, 'nested', 'deeper', 'a.npy');
    await writeNpy(path, t);
    const back = await readNpy(path);
    expect(back.shape).toEqual([2, 1, 3, 2]);
    expect(back.data).toEqual(t.data);
    await writeNpy(path, tensor([1], [42]));
    expect(Array.from((await readNpy(path)).data)).toEqual([42]);
    expect((await readdir(join(dir, 'nested', 'deeper'))).sort()).toEqual(['a.npy']);
  });

  it('reads numpy files into tensors', async () => {
    const t = await readNpy(join(FIXTURES, 'u1.npy'));
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.data[23]).toBe(230);
  });

  it('gives one-line errors naming the file', async () => {
    const missing = join(dir, 'nope.npy');
    await expect(readNpy(missing)).rejects.toThrow(`cannot read ${missing}: no such file`);
    await expect(readNpy(dir)).rejects.toThrow(`cannot read ${dir}: it is a directory`);
    const png = join(dir, 'image.npy');
    await writeFile(png, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    await expect(readNpy(png)).rejects.toThrow(`${png} is not a .npy file`);
    const cut = join(dir, 'cut.npy');
    const whole = encodeNpy(tensor([4, 4], new Float32Array(16)));
    await writeFile(cut, whole.subarray(0, whole.length - 10));
    await expect(readNpy(cut)).rejects.toThrow(`${cut} is truncated: shape (4, 4) of <f4 needs 64 bytes of data but only 54 follow the header`);
    await expect(writeNpy(join(dir, 'bad.npy'), { shape: [3], data: new Float32Array(2) })).rejects.toThrow(
      `cannot write ${join(dir, 'bad.npy')}: shape [3] needs 3 values but the tensor has 2`,
    );
  });
});

describe('writeFileAtomic', () => {
  it('writes strings and bytes, replaces existing files and leaves no temp files', async () => {
    const path = join(dir, 'atomic', 'out.txt');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new Uint8Array([0x73, 0x65, 0x63, 0x6f, 0x6e, 0x64]));
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'atomic'))).toEqual(['out.txt']);
  });

  it('fails in one line naming the file, keeping the old content and cleaning up', async () => {
    const target = join(dir, 'is-a-dir');
    await mkdir(join(target, 'child'), { recursive: true });
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(`cannot write ${target}: it is a directory`);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const blocker = join(dir, 'plain-file');
    await writeFile(blocker, 'keep');
    await expect(writeFileAtomic(join(blocker, 'x.npy'), 'x')).rejects.toThrow(`cannot write ${join(blocker, 'x.npy')}: ${blocker} is a file, not a directory`);
    expect(await readFile(blocker, 'utf8')).toBe('keep');
  });
});
