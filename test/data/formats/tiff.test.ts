import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, type ImageArray, type NativeArray } from '../../../src/data/formats/reader.js';
import { readArrayFile, readerFor } from '../../../src/data/formats/registry.js';
import { readTiff, tiffReader } from '../../../src/data/formats/tiff.js';
import { parseTiff, TAG } from '../../../src/data/formats/tiff-ifd.js';
import { fuzz } from '../../helpers/mutate.js';

/** What tifffile (bench/reference/make_tiff_fixtures.py) says each fixture holds. */
interface Expected {
  file: string;
  shape: number[];
  dtype: string;
  pages: number;
  planarconfig: number;
  sum: number;
  sha256: string;
  first: number[];
  last: number[];
  values?: number[];
  calibration?: { source: string } & Record<string, { scale: number; unit: string; offset?: number } | string>;
  instrument?: Record<string, unknown>;
}

const DIR = 'test/fixtures/formats/tiff';
const fixtures: Expected[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Expected);
const bytesOf = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));

/** Our [N?, C, H, W] native array in tifffile's layout (chunky samples trailing) and shape. */
function asTifffile(a: ImageArray, planarconfig: number): { shape: number[]; data: NativeArray } {
  const hasN = a.axes[0].name === 'n';
  const [N, C, H, W] = hasN ? a.values.shape : [1, ...a.values.shape];
  const chunky = C > 1 && planarconfig === 1;
  const shape = [...(hasN ? [N] : []), ...(C > 1 && !chunky ? [C] : []), H, W, ...(chunky ? [C] : [])];
  const nat = a.native!;
  if (!chunky) return { shape, data: nat };
  const out = new (nat.constructor as new (n: number) => NativeArray)(nat.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) out[(n * H * W + i) * C + c] = nat[(n * C + c) * H * W + i];
  return { shape, data: out };
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return (e as Error).message;
  }
  throw new Error('expected a FormatError');
}

describe('TIFF fixtures read exactly as tifffile reads them', () => {
  it('has the fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(40));

  for (const e of fixtures) {
    it(e.file, () => {
      const a = readTiff(bytesOf(e.file), e.file);
      expect(a.format).toBe('tiff');
      expect(a.dtype).toBe(e.dtype);
      const { shape, data } = asTifffile(a, e.planarconfig);
      expect(shape).toEqual(e.shape);
      expect(a.axes.map((x) => x.size)).toEqual(a.values.shape);
      expect(a.axes.map((x) => x.name)).toEqual(a.values.shape.length === 4 ? ['n', 'c', 'y', 'x'] : ['c', 'y', 'x']);
      // every value: the array's bytes hash to tifffile's, and small arrays are compared one by one
      expect(createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex')).toBe(e.sha256);
      const flat = Array.from(data as ArrayLike<number>);
      if (e.values) expect(flat).toEqual(e.values);
      expect(flat.slice(0, 5)).toEqual(e.first);
      expect(flat.slice(-5)).toEqual(e.last);
      // the sum, to the rounding that summation order allows (float fixtures hold ±max and cancel)
      let sum = 0;
      let sumAbs = 0;
      for (const v of flat) {
        sum += v;
        sumAbs += Math.abs(v);
      }
      expect(Math.abs(sum - e.sum)).toBeLessThanOrEqual(1e-12 * sumAbs + 1e-9);
      // values are the native numbers as float32, in the same (NCHW) order
      expect(a.values.data).toEqual(Float32Array.from(a.native as ArrayLike<number>));
      // calibration
      const axis = Object.fromEntries(a.axes.map((x) => [x.name, x]));
      if (e.calibration) {
        expect(a.metadata.calibrationSource).toBe(e.calibration.source);
        for (const name of ['x', 'y', 'n'] as const) {
          const want = e.calibration[name];
          if (typeof want !== 'object' || !axis[name]) continue;
          expect(axis[name].scale! / want.scale).toBeCloseTo(1, 12);
          expect(axis[name].unit).toBe(want.unit);
          expect(axis[name].offset).toBe(want.offset);
        }
      } else {
        expect(axis.x.scale).toBeUndefined();
        expect(a.metadata.calibrationSource).toBeUndefined();
      }
      expect(a.metadata.instrument).toEqual(e.instrument);
    });
  }

  it('keeps FEI and Zeiss texts, ImageJ keys and plain tags as metadata', () => {
    const fei = readTiff(bytesOf('fei-helios.tif'), 'fei.tif').metadata as { fei: Record<string, Record<string, string>> };
    expect(fei.fei.Scan.PixelWidth).toBe('3.3726e-009');
    expect(fei.fei.System.SystemType).toBe('Helios NanoLab" 660');
    const zeiss = readTiff(bytesOf('zeiss-sem-palette.tif'), 'z.tif').metadata as { zeiss: Record<string, { name: string; value: unknown; unit?: string }>; tiff: { photometric: string } };
    expect(zeiss.zeiss.ap_mag).toEqual({ name: 'Mag', value: '50.00 K X' });
    expect(zeiss.zeiss.ap_wd).toEqual({ name: 'WD', value: 3.9, unit: 'mm' });
    expect(zeiss.tiff.photometric).toBe('palette');
    const ij = readTiff(bytesOf('imagej-stack-micron.tif'), 'ij.tif').metadata as { imagej: Record<string, string>; tiff: { pages: number } };
    expect(ij.imagej.spacing).toBe('2.5');
    expect(ij.tiff.pages).toBe(4);
    const rgba = readTiff(bytesOf('rgba-uint8.tif'), 'rgba.tif').metadata as { tiff: Record<string, unknown> };
    expect(rgba.tiff.channels).toBe('rgba');
    const mixed = readTiff(bytesOf('mixed-pages.tif'), 'mixed.tif').metadata as { tiff: Record<string, unknown> };
    expect(mixed.tiff).toMatchObject({ pages: 1, pagesSkipped: 1 });
  });
});

describe('TIFF through the registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-tiff-'));

  it('is chosen by content, whatever the extension', async () => {
    copyFileSync(join(DIR, 'uint16-be.tif'), join(dir, 'scan.dat'));
    expect((await readerFor(join(dir, 'scan.dat'))).name).toBe('tiff');
    const a = await readArrayFile(join(dir, 'scan.dat'));
    expect(a.format).toBe('tiff');
    expect(a.values.shape).toEqual([1, 37, 53]);
    copyFileSync(join(DIR, 'bigtiff-uint16.tif'), join(dir, 'big.tiff'));
    expect((await readArrayFile(join(dir, 'big.tiff'))).dtype).toBe('uint16');
    expect(tiffReader.extensions).toEqual(['.tif', '.tiff']);
  });

  it('says a .tif that is not a TIFF is mislabelled', async () => {
    writeFileSync(join(dir, 'fake.tif'), 'not a tiff at all');
    await expect(readArrayFile(join(dir, 'fake.tif'))).rejects.toThrow(/has the extension .tif but does not start like a tiff file/);
  });
});

/** Sets a tag's inline value (SHORT or LONG) in a copy of a classic TIFF's first IFD. */
function patchTag(bytes: Uint8Array, tag: number, value: number, type: 3 | 4 = 4): Uint8Array {
  const out = bytes.slice();
  const file = parseTiff(out, 'patch');
  const e = file.ifds[0].entries.get(tag);
  if (!e) throw new Error(`no tag ${tag}`);
  const view = new DataView(out.buffer);
  const entry = e.at - 8;
  view.setUint16(entry + 2, type, file.littleEndian);
  view.setUint32(entry + 4, 1, file.littleEndian);
  if (type === 3) view.setUint16(entry + 8, value, file.littleEndian);
  else view.setUint32(entry + 8, value, file.littleEndian);
  return out;
}

describe('broken TIFF files give one-line FormatErrors naming the file and the place', () => {
  const oneLine = (m: string, file: string): void => {
    expect(m.startsWith(`${file}: `)).toBe(true);
    expect(m).not.toContain('\n');
    expect(m).toMatch(/ \(at .+\)$/);
  };

  it('truncated anywhere', () => {
    for (const name of ['uint16.tif', 'lzw-pred-uint16.tif', 'deflate-adobe-int16.tif', 'packbits-uint8.tif', 'tiled-lzw-rgb.tif', 'stack-uint16.tif', 'bigtiff-uint16.tif']) {
      const good = bytesOf(name);
      for (const cut of [0, 3, 7, 12, good.length >> 2, good.length >> 1, good.length - 200, good.length - 1]) {
        let m: string | undefined;
        try {
          readTiff(good.subarray(0, cut), name);
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
          m = (e as Error).message;
        }
        // a cut that only loses trailing directories of other pages may still read; most must not
        if (m !== undefined) oneLine(m, name);
        else expect(cut).toBeGreaterThan(good.length >> 2);
      }
    }
    expect(message(() => readTiff(new Uint8Array(0), 'empty.tif'))).toBe('empty.tif: too short for a TIFF file (0 bytes) (at byte 0)');
  });

  it('says what is wrong and where', () => {
    const u8 = bytesOf('uint8.tif');
    expect(message(() => readTiff(new TextEncoder().encode('GIF89a......'), 'x.tif'))).toMatch(/^x\.tif: is not a TIFF file/);
    expect(message(() => readTiff(patchTag(u8, TAG.Compression, 7, 3), 'jpeg.tif'))).toBe('jpeg.tif: unsupported compression JPEG (at IFD 0 tag 259 (Compression))');
    expect(message(() => readTiff(patchTag(u8, TAG.BitsPerSample, 12, 3), 'b12.tif'))).toMatch(/unsupported sample type: 12-bit unsigned \(at IFD 0 tag 258/);
    expect(message(() => readTiff(patchTag(u8, TAG.Photometric, 5, 3), 'cmyk.tif'))).toMatch(/unsupported colour space cmyk/);
    expect(message(() => readTiff(patchTag(u8, TAG.StripOffsets, 0x7fff0000), 'off.tif'))).toMatch(/strip 0 \(\d+ bytes at byte 2147418112\) lies outside the file .* \(at IFD 0 tag 273 \(StripOffsets\)\)$/);
    const view = new DataView(u8.slice().buffer);
    view.setUint32(4, 0x00ffffff, true);
    expect(message(() => readTiff(new Uint8Array(view.buffer), 'ifd.tif'))).toMatch(/image directory offset 16777215 is past the end of the file .*\(at byte 4/);
    for (const m of [
      message(() => readTiff(patchTag(u8, TAG.Compression, 7, 3), 'a.tif')),
      message(() => readTiff(patchTag(u8, TAG.ImageWidth, 0), 'b.tif')),
    ]) oneLine(m, m.split(':')[0]);
  });

  it('refuses corrupt compressed data', () => {
    for (const [name, pattern] of [['lzw-uint8.tif', /corrupt LZW data|LZW data decodes to/], ['deflate-adobe-int16.tif', /corrupt Deflate data/], ['packbits-uint8.tif', /PackBits data decodes to/]] as const) {
      const bad = bytesOf(name);
      const file = parseTiff(bad, name);
      const offsets = file.ifds[0].entries.get(TAG.StripOffsets)!;
      const first = new DataView(bad.buffer, bad.byteOffset).getUint32(offsets.at, true);
      bad.fill(name.startsWith('packbits') ? 0x80 : 0xff, first, first + 40); // 0x80 is PackBits' no-op
      const m = message(() => readTiff(bad, name));
      expect(m).toMatch(pattern);
      oneLine(m, name);
    }
  });

  it('refuses a header claiming a huge image before allocating it', () => {
    const before = process.memoryUsage().arrayBuffers;
    for (const name of ['uint8.tif', 'deflate-adobe-int16.tif', 'lzw-uint16.tif', 'packbits-uint16.tif']) {
      let huge = patchTag(bytesOf(name), TAG.ImageWidth, 100_000);
      huge = patchTag(huge, TAG.ImageLength, 100_000);
      huge = patchTag(huge, TAG.RowsPerStrip, 0xffffffff);
      const m = message(() => readTiff(huge, name));
      expect(m).toMatch(/the header claims 10000000000 elements \(\d+ bytes\) but only \d+ bytes follow/);
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    // a Deflate file claiming what its ratio could allow but its data does not hold: decoded once, refused
    let deflated = patchTag(bytesOf('deflate-adobe-int16.tif'), TAG.ImageWidth, 700);
    deflated = patchTag(deflated, TAG.ImageLength, 700);
    deflated = patchTag(deflated, TAG.RowsPerStrip, 0xffffffff);
    expect(message(() => readTiff(deflated, 'bomb.tif'))).toMatch(/^bomb\.tif: Deflate \(Adobe\) data decodes to \d+ bytes; 980000 are needed \(at page 0 at byte \d+\)$/);
    // more elements than a safe integer: refused as impossible
    const absurd = patchTag(patchTag(patchTag(bytesOf('uint8.tif'), TAG.ImageWidth, 0x7fffffff), TAG.ImageLength, 0x7fffffff), TAG.RowsPerStrip, 0xffffffff);
    expect(absurd.length).toBeLessThan(10_000);
    expect(() => readTiff(absurd, 'absurd.tif')).toThrow(FormatError);
  });

  it('refuses pages that all point at the same pixel data (a claim the file cannot back)', () => {
    const stack = bytesOf('stack-uint16.tif');
    const file = parseTiff(stack, 'shared.tif');
    const view = new DataView(stack.buffer, stack.byteOffset);
    const offsetsOf = (i: number): number => file.ifds[i].entries.get(TAG.StripOffsets)!.at;
    for (const page of [1, 2]) for (let s = 0; s < 3; s++) view.setUint32(offsetsOf(page) + 4 * s, view.getUint32(offsetsOf(0) + 4 * s, true), true);
    expect(message(() => readTiff(stack, 'shared.tif'))).toMatch(/^shared\.tif: the header claims 2304 elements \(4608 bytes\) but only 1536 bytes follow/);
  });

  it('survives a fuzz smoke: 3600 mutants of 12 seeds, only FormatErrors, no hang', async () => {
    const seeds = ['uint8.tif', 'int16.tif', 'lzw-pred-uint16.tif', 'lzw-uint8.tif', 'deflate-adobe-int16.tif', 'packbits-uint8.tif', 'tiled-lzw-rgb.tif', 'stack-uint16.tif', 'rgb-uint16-planar.tif', 'fei-helios.tif', 'zeiss-sem-palette.tif', 'bigtiff-uint16.tif'].map(bytesOf);
    const t0 = performance.now();
    let slowest = 0;
    const { inputs, failures } = await fuzz(
      seeds,
      3600,
      (b) => {
        const t = performance.now();
        try {
          readTiff(b, 'mutant.tif');
        } finally {
          slowest = Math.max(slowest, performance.now() - t);
        }
      },
      (e) => e instanceof FormatError && !(e as Error).message.includes('\n'),
      20261207,
    );
    expect(inputs).toBe(3600);
    expect(failures.map((f) => String((f.error as Error)?.stack ?? f.error)).slice(0, 3)).toEqual([]);
    expect(slowest).toBeLessThan(2000);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
