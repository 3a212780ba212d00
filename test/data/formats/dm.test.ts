import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dmVersion, parseDm } from '../../../src/data/formats/dm.js';
import { dmReader } from '../../../src/data/formats/dm-reader.js';
import { FormatError, type ImageArray } from '../../../src/data/formats/reader.js';
import { readArrayFile } from '../../../src/data/formats/registry.js';
import { fuzz } from '../../helpers/mutate.js';

/**
 * Fixtures: bench/reference/make_dm_fixtures.py builds each file byte by byte and stores, beside it,
 * what it wrote and what the field's reference reader (rosettasciio, or HyperSpy 1.7's DM plug-in it
 * was split from) reads from it.
 */
const DIR = fileURLToPath(new URL('../../fixtures/formats/dm/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => /\.dm[34]$/.test(f)).sort();

interface RefImage {
  shape: number[];
  dtype: string;
  sha256: string;
  values?: (number | string | number[])[];
  complex?: [number, number][];
  axes: { name: string | null; size: number; scale: number; offset: number; units: string }[];
  title: string;
  voltage: number | null;
}
interface Expected {
  written: {
    version: 3 | 4;
    byteOrder: 'little' | 'big';
    dataType: number;
    dtype: string;
    shape: number[];
    values: (number | number[])[];
    axes: { scale: number; offset: number; units: string }[];
    title: string;
    signal: string | null;
    format: string | null;
  };
  reference: { reader: string; error?: string; images: RefImage[] };
}

const expected = (file: string) => JSON.parse(readFileSync(join(DIR, `${file}.json`), 'utf8')) as Expected;
const read = (file: string): ImageArray => dmReader.read(readFileSync(join(DIR, file)), file) as ImageArray;

function nativeBytes(a: ImageArray): Buffer {
  const n = a.native!;
  return Buffer.from(n.buffer, n.byteOffset, n.byteLength);
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function byteSwapped(b: Uint8Array, width: number): Uint8Array {
  const out = Uint8Array.from(b);
  for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  return out;
}

/** The message a FormatError gives, or a failure naming what was thrown instead. */
function formatErrorOf(f: () => unknown): FormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw new Error(`expected a FormatError, got ${String(e)}`);
  }
  throw new Error('expected a FormatError, but the file read');
}

/** Byte offset of the n-th (0-based) tag named `name` (its header's name field) in a fixture. */
function tagAt(bytes: Uint8Array, name: string, n = 0): number {
  const needle = Buffer.from(name, 'latin1');
  let from = 0;
  for (let k = 0; ; k++) {
    const i = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(needle, from);
    if (i < 0) throw new Error(`no tag ${name} #${n}`);
    // A tag header: kind (20/21), name length (2 bytes, big-endian), name.
    if ((bytes[i - 3] === 20 || bytes[i - 3] === 21) && ((bytes[i - 2] << 8) | bytes[i - 1]) === needle.length) {
      if (k === n) return i - 3;
    } else k--;
    from = i + 1;
  }
}

/** Offset of the first info word of a data tag (after its name, [DM4 size], '%%%%', info count). */
function infoAt(bytes: Uint8Array, tag: number, version: 3 | 4): number {
  const nameLength = (bytes[tag + 1] << 8) | bytes[tag + 2];
  const w = version === 4 ? 8 : 4;
  return tag + 3 + nameLength + (version === 4 ? 8 : 0) + 4 + w;
}

function setWord(bytes: Uint8Array, at: number, version: 3 | 4, value: number): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (version === 4) v.setBigUint64(at, BigInt(value), false);
  else v.setUint32(at, value, false);
}

describe('DM3/DM4 fixtures read as the reference reader reads them', () => {
  it('has the fixtures the builder makes (13 dtypes × DM3/DM4, packed FFT, spectra, stacks, big-endian)', () => {
    expect(FILES.length).toBe(37);
    for (const f of FILES) expect(expected(f).reference.error).toBeUndefined();
  });

  for (const file of FILES) {
    it(file, () => {
      const { written, reference } = expected(file);
      const ref = reference.images[0];
      expect(reference.images).toHaveLength(1);
      const a = read(file);
      expect(a.format).toBe('dm');
      expect(a.dtype).toBe(written.dtype);
      const rgb = written.dtype === 'rgb8' || written.dtype === 'rgba8';
      const channels = written.dtype === 'rgb8' ? 3 : 4;
      const complex = written.dtype.startsWith('complex');
      const big = written.byteOrder === 'big';

      // Shape: the reference's (C order, x fastest in the file); RGB(A) values channel-first.
      expect(ref.shape).toEqual(written.shape);
      const spatial = rgb ? a.axes.filter((x) => x.name !== 'c').map((x) => x.size) : a.values.shape;
      expect(spatial).toEqual(ref.shape);
      if (rgb) {
        const split = Math.max(0, ref.shape.length - 2);
        expect(a.values.shape).toEqual([...ref.shape.slice(0, split), channels, ...ref.shape.slice(split)]);
        expect(a.axes.map((x) => x.name)).toEqual([...(ref.shape.length === 3 ? ['n'] : []), 'c', 'y', 'x'].slice(-a.values.shape.length));
      }

      // Native values: exactly what the builder wrote (interleaved complex, RGB(A) channels last).
      const n = a.native!;
      const flat = written.values.flat() as number[];
      if (complex) expect(Array.from(n as Float32Array)).toEqual(Array.from(written.dtype === 'complex64' ? Float32Array.from(flat) : Float64Array.from(flat)));
      else expect(Array.from(n as ArrayLike<number>)).toEqual(flat);

      // Against the reference reader: the same bytes (little-endian files) and the same float values.
      if (!big) {
        if (written.dtype === 'rgb8') {
          expect(ref.values!.map((p) => (p as number[]).slice(0, 3))).toEqual(written.values);
        } else {
          expect(sha256(nativeBytes(a))).toBe(ref.sha256);
        }
        if (complex) {
          ref.values!.forEach((m, i) => expect(a.values.data[i]).toBeCloseTo(m as number, 5));
        } else if (!rgb) {
          expect(Array.from(a.values.data)).toEqual(Array.from(Float32Array.from(ref.values as number[])));
        }
      } else if (!rgb && n.BYTES_PER_ELEMENT > 1) {
        // The reference reads image bytes in the machine's order, whatever the file's flag says: its
        // values are ours byte-swapped (tags, shape and calibrations it reads big-endian, as we do).
        expect(sha256(byteSwapped(nativeBytes(a), n.BYTES_PER_ELEMENT))).toBe(ref.sha256);
      } else if (!rgb) {
        expect(sha256(nativeBytes(a))).toBe(ref.sha256);
      }
      if (rgb) {
        // values[c] is channel c of every pixel.
        const plane = a.values.data.length / channels / (ref.shape.length === 3 ? ref.shape[0] : 1);
        const px = written.values as number[][];
        for (let c = 0; c < channels; c++) expect(a.values.data[c * plane]).toBe(px[0][c]);
        expect(a.values.data[plane - 1]).toBe(px[plane - 1][0]);
      } else if (!complex) {
        expect(Array.from(a.values.data)).toEqual(Array.from(Float32Array.from(flat)));
      }

      // Axes: sizes, scale, offset (= −origin·scale) and units exactly as the reference computes them.
      const axes = a.axes.filter((x) => x.name !== 'c');
      ref.axes.forEach((r, i) => {
        expect(axes[i].size).toBe(r.size);
        expect(axes[i].scale).toBe(r.scale);
        expect(axes[i].offset).toBe(r.offset + 0); // the reference's −0 (origin 0) is 0 here
        expect(axes[i].unit ?? '').toBe(r.units);
        expect(written.axes[i]).toEqual({ scale: r.scale, offset: r.offset + 0, units: r.units });
      });

      // Metadata: the real image (not the thumbnail) and its key fields.
      const md = a.metadata as Record<string, any>;
      expect(md.title).toBe(ref.title);
      expect(md.microscope).toMatchObject({ voltage: ref.voltage, magnification: 225000, name: 'Fixture TEM' });
      expect(md.exposure).toBe(0.5);
      expect(md.dm).toMatchObject({ version: written.version, byteOrder: written.byteOrder, image: 1, dataType: written.dataType });
      expect(md.dm.images).toEqual([
        { index: 0, thumbnail: true, dataType: 23 },
        { index: 1, thumbnail: false, dataType: written.dataType },
      ]);
    });
  }

  it('names axes: y, x for images; n for stacks; e for spectra and the energy axis of a spectrum image', () => {
    expect(read('uint16-2d.dm3').axes.map((x) => x.name)).toEqual(['y', 'x']);
    expect(read('stack-uint16-3d.dm4').axes.map((x) => x.name)).toEqual(['n', 'y', 'x']);
    expect(read('spectrum-float32-1d.dm3').axes).toEqual([{ name: 'e', size: 64, scale: 0.5, offset: -20, unit: 'eV' }]);
    expect(read('spectrum-uint32-1d.dm4').axes[0]).toMatchObject({ name: 'e', size: 48, unit: 'keV' });
    const si = read('si-float32-3d.dm4');
    expect(si.axes.map((x) => [x.name, x.size, x.unit])).toEqual([['e', 16, 'eV'], ['y', 2, 'µm'], ['x', 3, 'µm']]);
    expect(si.metadata).toMatchObject({ signal: 'EELS', signalFormat: 'Spectrum image' });
  });

  it('keeps the whole tag tree as metadata, long arrays summarised, every tag type decoded', () => {
    const md = read('float32-2d.dm4').metadata as Record<string, any>;
    const tags = md.tags;
    expect(tags.ImageList).toHaveLength(2);
    expect(tags.ImageList[0].Name).toBe('thumbnail');
    expect(tags.ImageList[1].ImageData.Data).toEqual({ array: 'float32', length: 20, offset: expect.any(Number) });
    expect(tags.ImageList[1].ImageData.Dimensions).toEqual([5, 4]);
    expect(tags.ImageList[1].ImageData.Calibrations.Dimension[0]).toEqual({ Origin: 2, Scale: 0.25, Units: 'nm' });
    expect(tags.ImageList[1].ImageTags['Microscope Info'].Voltage).toBe(200000);
    expect(tags.Thumbnails).toEqual([{ ImageIndex: 0, SourceSize_Pixels: [5, 4] }]);
    expect(tags['Fixture Extras']).toEqual({
      Colour: [-3, 0.5, true],
      'Legacy String': 'type-18 text',
      Points: [[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]],
      Labels: ['ab', 'cd', 'efgh'],
      'Big Signed': -(2 ** 40) - 7,
      'Big Unsigned': 2 ** 41 + 9,
      Char: -5,
      Octet: 200,
      'Long Curve': { array: 'float32', length: 100, offset: expect.any(Number) },
      'Short Curve': [1, 2, 3],
      Unicode: 'µm Å',
      '11': [7],
    });
    expect(md.intensity).toEqual({ scale: 1, origin: 0, unit: 'counts' });
    expect(md).toMatchObject({ acquisitionDate: '7/9/2014', acquisitionTime: '6:56:37 PM', microscope: { illuminationMode: 'STEM NANOPROBE', operationMode: 'SCANNING' } });
    expect(() => JSON.stringify(md)).not.toThrow();
  });

  it('parses big-endian tag values (the byte-order flag) in DM3 and DM4', () => {
    for (const f of ['float32-2d-be.dm3', 'int16-3d-be.dm4']) {
      const dm = parseDm(readFileSync(join(DIR, f)), f);
      expect(dm.littleEndian).toBe(false);
      const md = read(f).metadata as Record<string, any>;
      expect(md.tags['Fixture Extras'].Colour).toEqual([-3, 0.5, true]);
      expect(md.tags['Fixture Extras'].Unicode).toBe('µm Å');
    }
  });
});

describe('DM sniffing and the registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-dm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sniffs by the version word and the header around it', () => {
    expect(dmVersion(readFileSync(join(DIR, 'uint8-2d.dm3')))).toBe(3);
    expect(dmVersion(readFileSync(join(DIR, 'uint8-2d.dm4')))).toBe(4);
    expect(dmVersion(readFileSync(join(DIR, 'uint8-2d-be.dm4')))).toBe(4);
    const not = new Uint8Array(32);
    not[3] = 3;
    not[11] = 7; // byte-order flag 7: not DM
    expect(dmReader.sniff(not)).toBe(false);
    expect(dmReader.sniff(new Uint8Array([0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0]))).toBe(false);
    expect(dmReader.sniff(new Uint8Array([0, 0, 0, 3]))).toBe(false);
  });

  it('readArrayFile picks DM by content, whatever the extension', async () => {
    writeFileSync(join(dir, 'image.bin'), readFileSync(join(DIR, 'uint16-2d.dm4')));
    const a = await readArrayFile(join(dir, 'image.bin'));
    expect(a.format).toBe('dm');
    expect(a.values.shape).toEqual([4, 5]);
    writeFileSync(join(dir, 'fake.dm3'), 'not a dm file at all');
    await expect(readArrayFile(join(dir, 'fake.dm3'))).rejects.toThrow(/has the extension \.dm3 but does not start like a dm file/);
  });
});

describe('DM errors: one line, naming the tag path or byte offset', () => {
  const dm3 = readFileSync(join(DIR, 'uint16-2d.dm3'));
  const dm4 = readFileSync(join(DIR, 'float32-2d.dm4'));
  const fail = (bytes: Uint8Array, name = 'x.dm4') => formatErrorOf(() => dmReader.read(bytes, name));

  it('reports truncation inside the image data with the tag path and offset', () => {
    for (const [bytes, version] of [[dm3, 3], [dm4, 4]] as const) {
      const data = tagAt(bytes, 'Data', 1);
      const cut = bytes.subarray(0, infoAt(bytes, data, version) + 3 * (version === 4 ? 8 : 4) + 6);
      const e = fail(cut, 'cut.dm');
      expect(e.message).toMatch(/^cut\.dm: the header claims 20 elements \(\d+ bytes\) but only 6 bytes follow; the file is truncated or corrupt \(at ImageList\/1\/ImageData\/Data, byte \d+\)$/);
    }
  });

  it('reports truncation anywhere else as a truncated file at a tag path', () => {
    const lengths = [0, 3, 10, 17, 40, 200, 1000, dm4.length - 200, dm4.length - 9];
    for (const n of lengths) {
      const e = fail(dm4.subarray(0, n), 't.dm4');
      expect(e.message.split('\n')).toHaveLength(1);
      expect(e.message).toMatch(/^t\.dm4: /);
      expect(e.message).toMatch(/truncated|not a DigitalMicrograph file/);
      expect(e.where).toMatch(/(^|, )byte \d+$/);
    }
  });

  it('names the corrupt tag: bad marker, unknown kind, unknown type code, unsupported DataType', () => {
    const marker = Uint8Array.from(dm4);
    const pixelDepth = tagAt(marker, 'PixelDepth', 1);
    marker[pixelDepth + 3 + 10 + 8] = 0x41;
    expect(fail(marker).message).toMatch(/a data tag does not start with '%%%%' \(at ImageList\/1\/ImageData\/PixelDepth, byte \d+\)$/);

    const kind = Uint8Array.from(dm3);
    kind[tagAt(kind, 'ImageTags', 1)] = 7;
    expect(fail(kind).message).toMatch(/unknown tag kind 7 \(expected 20 for a group or 21 for data\) \(at ImageList\/1, byte \d+\)$/);

    const code = Uint8Array.from(dm3);
    setWord(code, infoAt(code, tagAt(code, 'PixelDepth', 1), 3), 3, 99);
    expect(fail(code).message).toMatch(/unknown type code 99 in the type description \(at ImageList\/1\/ImageData\/PixelDepth, byte \d+\)$/);

    const dataType = Uint8Array.from(dm3);
    const dt = tagAt(dataType, 'DataType', 1);
    new DataView(dataType.buffer).setInt32(infoAt(dataType, dt, 3) + 4, 5, true);
    expect(fail(dataType).message).toMatch(/image DataType 5 \(old-style packed complex \(FFT\)\) is not supported \(at ImageList\/1\/ImageData\/DataType\)$/);
    new DataView(dataType.buffer).setInt32(infoAt(dataType, dt, 3) + 4, 99, true);
    expect(fail(dataType).message).toMatch(/image DataType 99 is not supported/);
  });

  it('refuses Dimensions that need more bytes than ImageData/Data holds, before allocating', () => {
    const dims = Uint8Array.from(dm4);
    const group = tagAt(dims, 'Dimensions', 1);
    // The first unnamed entry of Dimensions: kind, name length 0, size (8), '%%%%', count, info, value.
    const first = group + 3 + 10 + 8 + 2 + 8;
    new DataView(dims.buffer).setUint32(first + 3 + 8 + 4 + 8 + 8, 0x40000000, true);
    expect(fail(dims).message).toMatch(/Dimensions \[1073741824, 4\] of float32 need 17179869184 bytes but ImageData\/Data holds 80 \(at ImageList\/1\/ImageData\/Data, byte \d+\)$/);
    new DataView(dims.buffer).setUint32(first + 3 + 8 + 4 + 8 + 8, 0, true);
    expect(fail(dims).message).toMatch(/dimension 0 is 0, not a positive integer \(at ImageList\/1\/ImageData\/Dimensions\/0\)$/);
  });

  it('refuses a tag claiming 2^40 elements without allocating them', () => {
    const huge = Uint8Array.from(dm4);
    const data = tagAt(huge, 'Data', 1);
    setWord(huge, infoAt(huge, data, 4) + 2 * 8, 4, 2 ** 40);
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const e = fail(huge);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    expect(e.message).toMatch(/the header claims 1099511627776 elements \(4398046511104 bytes\) but only \d+ bytes follow.*\(at ImageList\/1\/ImageData\/Data, byte \d+\)$/);

    const count = Uint8Array.from(dm4);
    setWord(count, 16 + 2, 4, 2 ** 40); // the root group's tag count
    expect(fail(count).message).toMatch(/the group claims 1099511627776 tags but only \d+ bytes are left \(at root, byte 18\)$/);

    const info = Uint8Array.from(dm3);
    setWord(info, infoAt(info, tagAt(info, 'Data', 1), 3) - 4, 3, 0xffffffff);
    expect(fail(info).message).toMatch(/impossible type description length 4294967295 \(at ImageList\/1\/ImageData\/Data, byte \d+\)$/);
  });

  it('refuses files with no image or an unknown version; the Thumbnails group decides what is skipped', () => {
    const v5 = Uint8Array.from(dm3);
    v5[3] = 5;
    expect(fail(v5).message).toBe('x.dm4: DigitalMicrograph version 5 is not supported (DM3 and DM4 are) (at byte 0)');
    const renamed = Uint8Array.from(dm3);
    renamed.set(Buffer.from('ImageLisX'), tagAt(renamed, 'ImageList') + 3);
    expect(fail(renamed).message).toMatch(/the file holds no ImageList tag group, so no image \(at ImageList\)$/);
    const swapped = Uint8Array.from(dm3);
    // Point the Thumbnails entry at image 1: image 0 (the 8×8 RGBA preview) is then the one read.
    new DataView(swapped.buffer).setUint32(infoAt(swapped, tagAt(swapped, 'ImageIndex'), 3) + 4, 1, true);
    const r = dmReader.read(swapped, 'x.dm3') as ImageArray;
    expect((r.metadata as Record<string, any>).dm.image).toBe(0);
    expect(r.dtype).toBe('rgba8');
    expect(r.values.shape).toEqual([4, 8, 8]);
  });

  it('bounds nesting depth', () => {
    // A root whose single group holds a group holding a group… 100 deep.
    const parts: number[] = [0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1];
    for (let d = 0; d < 100; d++) parts.push(20, 0, 1, 0x47, 0, 1, 0, 0, 0, 1);
    const e = fail(Uint8Array.from(parts), 'deep.dm3');
    expect(e.message).toMatch(/^deep\.dm3: tag groups are nested more than 64 deep \(at (G\/){64}G, byte \d+\)$/);
  });
});

describe('DM fuzz smoke', () => {
  it('3000+ mutants of the fixtures: only FormatError, one line, no hang', async () => {
    const seeds = ['uint16-2d.dm3', 'complex64-2d.dm4', 'rgba8-2d-be.dm3', 'si-float32-3d.dm4', 'spectrum-float32-1d.dm3', 'int16-3d-be.dm4'].map((f) => new Uint8Array(readFileSync(join(DIR, f))));
    let slowest = 0;
    const t0 = performance.now();
    const result = await fuzz(
      seeds,
      3600,
      (bytes) => {
        const t = performance.now();
        try {
          dmReader.read(bytes, 'fuzz.dm');
        } finally {
          slowest = Math.max(slowest, performance.now() - t);
        }
      },
      (e) => e instanceof FormatError && !e.message.includes('\n'),
      12,
    );
    const total = performance.now() - t0;
    expect(result.inputs).toBe(3600);
    expect(result.failures.map((f) => String(f.error)).slice(0, 5)).toEqual([]);
    expect(total).toBeLessThan(30_000);
    expect(slowest).toBeLessThan(1_000);
  });
});
