import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../helpers/format-error.js';
import { mrcReader, parseMrc } from '../../../src/data/formats/mrc.js';
import { FormatError, type ImageArray } from '../../../src/data/formats/reader.js';
import { readArrayFile } from '../../../src/data/formats/registry.js';
import { fuzz } from '../../helpers/mutate.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/mrc/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ts-mrc-'));

interface Expected {
  file: string;
  mrcfile_reads: boolean;
  mode: number;
  byte_order: string;
  nx: number;
  ny: number;
  nz: number;
  ispg: number;
  nsymbt: number;
  exttyp: string;
  labels: string[];
  voxel_size: number[];
  origin: number[];
  shape?: number[];
  dtype?: string;
  values?: (number | string)[];
  magnitude?: number[];
  sum?: number;
  fei?: { records: number; microscope: string; HT: number; pixel_size: number[]; magnification: number };
  reader?: { dtype: string; values: number[]; shape?: number[] };
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Expected);
const bytesOf = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const read = (name: string) => parseMrc(bytesOf(name), name);
const num = (v: number | string) => (typeof v === 'number' ? v : Number(v));

function axis(a: ImageArray, name: string) {
  return a.axes.find((x) => x.name === name);
}

describe('MRC files written by mrcfile read as mrcfile reads them', () => {
  const plain = fixtures.filter((e) => e.mrcfile_reads && !e.reader);
  it('has the fixtures it expects', () => {
    expect(plain.map((e) => e.file).sort()).toEqual(
      ['big-endian-float32.mrc', 'big-endian-int16.mrc', 'fei1-stack.mrcs', 'mode0-int8.mrc', 'mode1-int16.mrc', 'mode12-float16.mrc', 'mode2-float32.mrc', 'mode4-complex64.mrc', 'mode6-uint16.mrc', 'old-style.mrc', 'seri-ext.mrc', 'stack3.mrcs', 'volume-stack.mrc', 'volume.mrc'].sort(),
    );
  });
  for (const e of plain) {
    it(`${e.file}: mode ${e.mode}, ${e.byte_order === '>' ? 'big' : 'little'}-endian, shape [${e.shape}] ${e.dtype}`, () => {
      const a = read(e.file);
      expect(a.format).toBe('mrc');
      expect(a.values.shape).toEqual(e.shape);
      expect(a.dtype).toBe(e.dtype);
      expect(a.metadata.byteOrder).toBe(e.byte_order === '>' ? 'big' : 'little');
      const expected = e.values!.map(num);
      if (e.dtype === 'complex64') {
        expect(Array.from(a.native as Float32Array)).toEqual(Array.from(Float32Array.from(expected)));
        const mag = Float32Array.from(e.magnitude!);
        a.values.data.forEach((v, i) => expect(Math.abs(v - mag[i])).toBeLessThanOrEqual(Math.abs(mag[i]) * 2 ** -23));
      } else {
        expect(Array.from(a.values.data)).toEqual(Array.from(Float32Array.from(expected)));
        if (e.dtype === 'float16') expect(a.native).toBeUndefined();
        else expect(Array.from(a.native as ArrayLike<number>)).toEqual(expected);
        const sum = a.values.data.reduce((s, v) => s + v, 0);
        expect(sum).toBeCloseTo(e.sum!, 3);
      }
      // axes: names by ISPG, voxel size (Å) per axis as mrcfile's voxel_size, origin as offset
      const names = a.axes.map((x) => x.name);
      if (e.ispg >= 401) expect(names).toEqual(['n', 'z', 'y', 'x']);
      else if (e.ispg === 0 && e.nz === 1) expect(names).toEqual(['y', 'x']);
      else expect(names).toEqual([e.ispg === 0 ? 'n' : 'z', 'y', 'x']);
      expect(a.axes.map((x) => x.size)).toEqual(e.shape);
      ['x', 'y', 'z'].forEach((n, i) => {
        const ax = axis(a, n);
        if (!ax) return;
        if (e.voxel_size[i] > 0) {
          expect(ax.scale).toBe(e.voxel_size[i]);
          expect(ax.unit).toBe('Å');
        } else expect(ax.scale).toBeUndefined();
        expect(ax.offset ?? 0).toBe(e.file === 'old-style.mrc' ? 0 : e.origin[i]);
      });
      expect(axis(a, 'n')?.scale).toBeUndefined();
      expect(a.metadata.ispg).toBe(e.ispg);
      expect(a.metadata.nsymbt).toBe(e.nsymbt);
      expect(a.metadata.exttyp).toBe(e.exttyp);
      expect(a.metadata.labels).toEqual(e.labels);
    });
  }

  it('skips extended headers by NSYMBT whatever EXTTYP says, and reports FEI1 fields as mrcfile reads them', () => {
    const fei = read('fei1-stack.mrcs');
    const e = fixtures.find((x) => x.file === 'fei1-stack.mrcs')!;
    expect(e.nsymbt).toBe(2 * 768);
    expect(fei.metadata.exttyp).toBe('FEI1');
    const m = fei.metadata.fei as Record<string, unknown>;
    expect(m.records).toBe(e.fei!.records);
    expect(m.microscope).toBe(e.fei!.microscope);
    expect(m.HT).toBe(e.fei!.HT);
    expect(m.pixelSize).toEqual(e.fei!.pixel_size);
    expect(m.magnification).toBe(e.fei!.magnification);
    expect(m.camera).toBe('BM-Falcon');
    const seri = read('seri-ext.mrc');
    expect(seri.metadata.exttyp).toBe('SERI');
    expect(seri.metadata.nsymbt).toBe(128);
    expect(seri.metadata.fei).toBeUndefined();
    expect(Array.from(seri.values.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('reads a file without the MAP tag and machine stamp by header sanity (old style)', () => {
    const a = read('old-style.mrc');
    expect(a.metadata.mapTag).toBe(false);
    expect(String(a.metadata.byteOrderFrom)).toMatch(/header sanity/);
    expect(mrcReader.sniff(bytesOf('old-style.mrc').subarray(0, 512))).toBe(true);
  });
});

describe('MRC mode 0 signedness and mode 101 (where mrcfile has no rule)', () => {
  for (const name of ['mode0-imod-unsigned.mrc', 'mode0-imod-signed.mrc', 'mode0-stats-unsigned.mrc']) {
    it(`${name}: ${fixtures.find((e) => e.file === name)!.reader!.dtype}`, () => {
      const e = fixtures.find((x) => x.file === name)!;
      const a = read(name);
      expect(a.dtype).toBe(e.reader!.dtype);
      expect(Array.from(a.values.data)).toEqual(e.reader!.values);
      expect(a.native).toBeInstanceOf(e.reader!.dtype === 'uint8' ? Uint8Array : Int8Array);
      // the same bytes mrcfile reads as int8
      expect(Array.from(new Int8Array((a.native as Uint8Array).buffer))).toEqual(e.values!.map(num));
      expect(String(a.metadata.mode0)).toMatch(e.reader!.dtype);
    });
  }

  it('mode0-int8.mrc (no IMOD stamp, DMIN < 0) stays int8 as in mrcfile', () => {
    expect(read('mode0-int8.mrc').metadata.mode0).toBe('int8: MRC2014 (as mrcfile)');
  });

  it('mode 101: 4-bit values, low nibble first, odd NX rows padded to a byte', () => {
    const e = fixtures.find((x) => x.file === 'mode101-4bit.mrc')!;
    expect(e.mrcfile_reads).toBe(false);
    const a = read('mode101-4bit.mrc');
    expect(a.dtype).toBe('uint4');
    expect(a.values.shape).toEqual(e.reader!.shape);
    expect(Array.from(a.values.data)).toEqual(e.reader!.values);
    expect(axis(a, 'x')!.scale).toBe(e.voxel_size[0]);
    expect(axis(a, 'y')!.scale).toBe(e.voxel_size[1]);
  });

  it('imodFlags bit 16: 4-bit values packed in a half-width mode-0 file (SerialEM)', () => {
    const b = bytesOf('mode0-imod-unsigned.mrc');
    const v = new DataView(b.buffer, b.byteOffset);
    v.setInt32(156, 16, true);
    const a = parseMrc(b, 'packed.mrc');
    expect(a.dtype).toBe('uint4');
    expect(a.values.shape).toEqual([4, 10]);
    const e = fixtures.find((x) => x.file === 'mode0-imod-unsigned.mrc')!.reader!.values;
    expect(Array.from(a.values.data.subarray(0, 4))).toEqual([e[0] & 15, e[0] >> 4, e[1] & 15, e[1] >> 4]);
    v.setInt32(156, 17, true);
    expect(formatError(() => parseMrc(b, 'packed.mrc')).message).toMatch(/imodFlags \(byte 156\)/);
  });

  it('mode 12: half-float infinities and NaN come through', () => {
    const b = bytesOf('mode12-float16.mrc');
    new DataView(b.buffer, b.byteOffset).setUint16(1024, 0x7c00, true);
    new DataView(b.buffer, b.byteOffset).setUint16(1026, 0xfc00, true);
    new DataView(b.buffer, b.byteOffset).setUint16(1028, 0x7e00, true);
    expect(Array.from(parseMrc(b, 'h.mrc').values.data.subarray(0, 3))).toEqual([Infinity, -Infinity, NaN]);
  });

  it('mode 16 (IMOD RGB): uint8 × 3 with a trailing channel axis', () => {
    const b = bytesOf('mode0-int8.mrc');
    const v = new DataView(b.buffer, b.byteOffset);
    v.setInt32(0, 2, true);
    v.setInt32(4, 3, true);
    v.setInt32(12, 16, true);
    const a = parseMrc(b.subarray(0, 1024 + 18), 'rgb.mrc');
    expect(a.dtype).toBe('rgb8');
    expect(a.values.shape).toEqual([3, 2, 3]);
    expect(a.axes.map((x) => x.name)).toEqual(['y', 'x', 'c']);
    expect(Array.from(a.values.data)).toEqual(Array.from(b.subarray(1024, 1042)));
  });
});

describe('MRC errors and hostile headers', () => {
  it('truncated data names the data offset, a short header its length', () => {
    const b = bytesOf('mode2-float32.mrc');
    expect(formatError(() => parseMrc(b.subarray(0, b.length - 1), 'cut.mrc')).message).toMatch(/^cut\.mrc: .*truncated or corrupt \(at data at byte 1024 \(MODE 2, NX 6 NY 4 NZ 1\)\)$/);
    expect(formatError(() => parseMrc(b.subarray(0, 300), 'cut.mrc')).message).toMatch(/truncated: 300 bytes, an MRC header needs 1024 \(at byte 300\)/);
  });

  it('a bad MODE, size, NSYMBT or volume-stack MZ names the header field', () => {
    const cases: [number, number, RegExp][] = [
      [12, 7, /unknown MODE 7.*header field MODE \(byte 12\)/],
      [12, 3, /MODE 3 \(complex int16\) is not supported/],
      [0, 0, /NX is 0.*header field NX \(byte 0\)/],
      [8, -4, /NZ is -4.*header field NZ \(byte 8\)/],
      [92, 1 << 30, /extended header claims 1073741824 bytes.*NSYMBT \(byte 92\)/],
      [92, -1, /NSYMBT.*is -1.*NSYMBT \(byte 92\)/],
    ];
    for (const [at, value, message] of cases) {
      const b = bytesOf('mode2-float32.mrc');
      new DataView(b.buffer, b.byteOffset).setInt32(at, value, true);
      expect(formatError(() => parseMrc(b, 'bad.mrc')).message).toMatch(message);
    }
    const vs = bytesOf('volume-stack.mrc');
    new DataView(vs.buffer, vs.byteOffset).setInt32(36, 3, true);
    expect(formatError(() => parseMrc(vs, 'vs.mrc')).message).toMatch(/MZ \(3\) to divide NZ \(4\).*MZ \(byte 36\)/);
  });

  it('a file that is not MRC at all names the MAP tag', () => {
    const junk = new Uint8Array(2048).fill(0x41);
    expect(mrcReader.sniff(junk)).toBe(false);
    expect(formatError(() => parseMrc(junk, 'junk.mrc')).message).toMatch(/no 'MAP ' tag.*MAP \(byte 208\)/);
  });

  it('a header claiming 2^40 voxels is refused before any allocation', () => {
    const b = bytesOf('mode2-float32.mrc');
    const v = new DataView(b.buffer, b.byteOffset);
    v.setInt32(0, 1 << 14, true);
    v.setInt32(4, 1 << 13, true);
    v.setInt32(8, 1 << 13, true);
    const before = process.memoryUsage().arrayBuffers;
    const message = formatError(() => parseMrc(b, 'huge.mrc')).message;
    expect(message).toMatch(/claims 1099511627776 elements/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    v.setInt32(12, 101, true); // the 4-bit path checks its byte count too
    expect(formatError(() => parseMrc(b, 'huge.mrc')).message).toMatch(/claims 549755813888 elements/);
  });

  it('fuzz smoke: 3000+ mutants of every fixture give data or a one-line FormatError, fast', async () => {
    const seeds = readdirSync(FIXTURES)
      .filter((f) => /\.mrcs?$/.test(f))
      .map((f) => bytesOf(f));
    const t0 = performance.now();
    const result = await fuzz(seeds, 4000, (b) => parseMrc(b, 'fuzz.mrc'), (e) => e instanceof FormatError && !e.message.includes('\n'));
    const seconds = (performance.now() - t0) / 1000;
    expect(result.inputs).toBe(4000);
    expect(result.failures.map((f) => String(f.error)).slice(0, 3)).toEqual([]);
    expect(seconds).toBeLessThan(30);
  });
});

describe('MRC through the registry', () => {
  it('readArrayFile chooses the MRC reader by content, whatever the extension', async () => {
    writeFileSync(join(dir, 'volume.dat'), bytesOf('volume.mrc'));
    const a = await readArrayFile(join(dir, 'volume.dat'));
    expect(a.format).toBe('mrc');
    expect(a.values.shape).toEqual([4, 3, 5]);
    writeFileSync(join(dir, 'old.bin'), bytesOf('old-style.mrc'));
    expect((await readArrayFile(join(dir, 'old.bin'))).format).toBe('mrc');
    for (const ext of mrcReader.extensions) {
      writeFileSync(join(dir, `s${ext}`), bytesOf('stack3.mrcs'));
      expect((await readArrayFile(join(dir, `s${ext}`))).values.shape).toEqual([3, 4, 5]);
    }
  });

  it('an .mrc file that is not MRC is reported as mislabelled', async () => {
    writeFileSync(join(dir, 'text.mrc'), 'hello, this is not a map');
    await expect(readArrayFile(join(dir, 'text.mrc'))).rejects.toThrow(/has the extension .mrc but does not start like a mrc file/);
  });
});
