import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../helpers/format-error.js';
import { FormatError, type ImageArray } from '../../../src/data/formats/reader.js';
import { readArrayFile } from '../../../src/data/formats/registry.js';
import { parseEmi, parseSer, serReader, type EmiInfo } from '../../../src/data/formats/ser.js';
import { Random } from '../../../src/tensor/random.js';
import { fuzz, mutate } from '../../helpers/mutate.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/ser/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ts-ser-'));

interface RefAxis {
  name: string | null;
  size: number;
  scale: number;
  offset: number;
  units: string | null;
}
interface Expected {
  file: string;
  version: string;
  expected_from: string;
  shape: number[];
  dtype: string;
  values: (number | string)[];
  axes: RefAxis[];
  metadata: Record<string, string | number>;
  builder: Record<string, unknown>;
  without_emi?: { axes: RefAxis[] };
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Expected);
const bytesOf = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const readFixture = (name: string) => serReader.read(bytesOf(name), join(FIXTURES, name)) as Promise<ImageArray>;
const num = (v: number | string) => (typeof v === 'number' ? v : Number(v));

/** rsciio's axis name → trustscope's (unnamed series axis 'n', the energy axis 'e'). */
function expectedName(a: RefAxis, imageElements: boolean, isElementAxis: boolean): string {
  if (a.name === 'Energy') return 'e';
  if (a.name === null) return 'n';
  return imageElements && !isElementAxis ? `scan_${a.name}` : a.name;
}

/** The same axis as rsciio, except that offsets of lengths are converted with their scale. */
function checkAxes(a: ImageArray, ref: RefAxis[], imageElements: boolean): void {
  expect(a.axes.length).toBe(ref.length);
  ref.forEach((r, i) => {
    const ax = a.axes[i];
    expect(ax.name).toBe(expectedName(r, imageElements, i >= ref.length - (imageElements ? 2 : 1)));
    expect(ax.size).toBe(r.size);
    expect(ax.scale).toBe(r.scale);
    expect(ax.unit).toBe(r.units ?? undefined);
    if (r.units === 'nm') expect(ax.offset).toBeCloseTo(r.offset * 1e9, 9);
    else if (r.units === '1 / nm') expect(ax.offset).toBeCloseTo(r.offset / 1e9, 9);
    else expect(ax.offset).toBe(r.offset);
  });
}

describe('SER files read as rsciio (HyperSpy TIA reader) reads them', () => {
  it('has the fixtures it expects, checked against the reference reader', () => {
    expect(fixtures.length).toBe(12);
    for (const e of fixtures) expect(e.expected_from).toMatch(/^hyperspy .* io_plugins\.fei/);
    expect(new Set(fixtures.map((e) => e.version))).toEqual(new Set(['0x210', '0x220']));
  });

  for (const e of fixtures) {
    it(`${e.file} (version ${e.version}): [${e.shape}] ${e.dtype}`, async () => {
      const a = await readFixture(e.file);
      expect(a.format).toBe('ser');
      expect(a.dtype).toBe(e.dtype);
      expect(a.values.shape).toEqual(e.shape);
      const expected = e.values.map(num);
      if (e.dtype.startsWith('complex')) {
        const Ctor = e.dtype === 'complex64' ? Float32Array : Float64Array;
        expect(a.native).toBeInstanceOf(Ctor);
        expect(Array.from(a.native as Float32Array)).toEqual(Array.from(Ctor.from(expected)));
        a.values.data.forEach((v, i) => expect(v).toBeCloseTo(Math.fround(Math.hypot(expected[2 * i], expected[2 * i + 1])), 5));
      } else {
        expect(Array.from(a.native as ArrayLike<number>)).toEqual(expected);
        expect(Array.from(a.values.data)).toEqual(Array.from(Float32Array.from(expected)));
      }
      checkAxes(a, e.axes, e.file.startsWith('image') || e.file.startsWith('diffraction'));
      // the hand-built values agree with what the reference reader returned (rows flipped for images)
      const built = (e.builder.values ?? e.builder.values_top_row_first) as number[] | undefined;
      if (built) expect(Array.from(Float64Array.from(built))).toEqual(Array.from(Float64Array.from(expected)));
    });
  }

  it('versions 0x0210 and 0x0220 of the same float32 image series read identically', async () => {
    const a = await readFixture('images-f32-v210_1.ser');
    const b = await readFixture('images-f32-v220_1.ser');
    expect(a.metadata.seriesVersion).toBe('0x0210');
    expect(b.metadata.seriesVersion).toBe('0x0220');
    expect(b.values).toEqual(a.values);
    expect(b.axes).toEqual(a.axes);
    expect(a.axes.map((x) => x.name)).toEqual(['n', 'y', 'x']);
  });

  it('an interrupted 1D series keeps only the valid elements; a raster map reverses the dimensions (F order)', async () => {
    const partial = await readFixture('spectra-f64-partial-v220_1.ser');
    expect(partial.metadata.totalNumberElements).toBe(5);
    expect(partial.values.shape).toEqual([3, 4]);
    const map = await readFixture('spectrum-map-i32-v210_1.ser');
    expect(map.metadata.seriesOrder).toBe('F');
    expect(map.axes.map((x) => `${x.name}:${x.size}`)).toEqual(['y:2', 'x:3', 'e:4']);
  });

  it('takes metadata and reciprocal units from the .emi beside the .ser (rsciio via the .emi)', async () => {
    const e = fixtures.find((x) => x.file === 'diffraction-u8-v210_1.ser')!;
    const a = await readFixture(e.file);
    const emi = a.metadata.emi as EmiInfo;
    expect(emi.file).toBe('diffraction-u8-v210.emi');
    expect(emi.microscope).toBe(e.metadata.microscope);
    expect(emi.highTension_kV).toBe(e.metadata.beam_energy);
    expect(emi.magnification).toBe(e.metadata.magnification);
    expect(emi.date).toBe(e.metadata.date);
    expect(emi.time).toBe(e.metadata.time);
    expect(emi.mode).toBe('TEM Diffraction imaging');
    expect(emi.cameraLength_m).toBe(0.195);
    expect(a.axes.map((x) => x.unit)).toEqual(['1 / nm', '1 / nm']);
    // alone, the .ser gives what rsciio gives for it alone: lengths (nm)
    mkdirSync(join(dir, 'alone'), { recursive: true });
    copyFileSync(join(FIXTURES, e.file), join(dir, 'alone', e.file));
    const alone = (await serReader.read(bytesOf(e.file), join(dir, 'alone', e.file))) as ImageArray;
    expect(alone.metadata.emi).toBeUndefined();
    checkAxes(alone, e.without_emi!.axes, true);
  });

  it('never fails on an odd, empty or unreadable .emi', async () => {
    const ser = bytesOf('image-i16-v220_1.ser');
    const odd: [string, Uint8Array | 'dir'][] = [
      ['empty', new Uint8Array(0)],
      ['binary', Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff)],
      ['unterminated', new TextEncoder().encode('<ObjectInfo><ExperimentalDescription><Root><Data><Label>Microscope')],
      ['broken-data', new TextEncoder().encode('<ObjectInfo><ExperimentalDescription><Data><Value>1</Value></Data><Data><Label>High tension</Label><Value>abc</Value><Unit>kV</Unit></Data></ExperimentalDescription><AcquireDate>not a date</AcquireDate></ObjectInfo>')],
      ['a-directory', 'dir'],
    ];
    for (const [name, content] of odd) {
      const sub = join(dir, name);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, 'x_1.ser'), ser);
      if (content === 'dir') mkdirSync(join(sub, 'x.emi'), { recursive: true });
      else writeFileSync(join(sub, 'x.emi'), content);
      const a = await readArrayFile(join(sub, 'x_1.ser'));
      expect(a.values.shape).toEqual([4, 5]);
      if (name === 'broken-data') expect((a.metadata.emi as EmiInfo).experimental['High tension_kV']).toBe('abc');
    }
    const r = new Random(3);
    const seed = bytesOf('diffraction-u8-v210.emi');
    for (let i = 0; i < 500; i++) expect(() => parseEmi(mutate(seed, r), 'x.emi', 0)).not.toThrow();
  });
});

describe('SER errors and hostile headers', () => {
  const base = () => bytesOf('images-f32-v210_1.ser');
  const patched = (at: number, set: (v: DataView) => void) => {
    const b = base();
    set(new DataView(b.buffer, b.byteOffset));
    return formatError(() => parseSer(b, 'bad.ser')).message;
  };

  it('names the header field that is wrong', () => {
    expect(patched(0, (v) => v.setUint16(0, 0x4d4d, true))).toMatch(/ByteOrder is 0x4d4d.*ByteOrder \(byte 0\)/);
    expect(patched(2, (v) => v.setUint16(2, 0x0198, true))).toMatch(/SeriesID \(byte 2\)/);
    expect(patched(4, (v) => v.setUint16(4, 0x0230, true))).toMatch(/SeriesVersion 0x230.*SeriesVersion \(byte 4\)/);
    expect(patched(6, (v) => v.setUint32(6, 0x4121, true))).toMatch(/DataTypeID 0x4121.*DataTypeID \(byte 6\)/);
    expect(patched(18, (v) => v.setUint32(18, 0, true))).toMatch(/no valid elements.*ValidNumberElements \(byte 18\)/);
    expect(patched(18, (v) => v.setUint32(18, 9, true))).toMatch(/ValidNumberElements 9 exceeds TotalNumberElements 2/);
    expect(patched(22, (v) => v.setUint32(22, 1 << 30, true))).toMatch(/data offset array .* runs past the end.*OffsetArrayOffset \(byte 22\)/);
    expect(patched(26, (v) => v.setUint32(26, 1 << 30, true))).toMatch(/NumberDimensions 1073741824.*NumberDimensions \(byte 26\)/);
  });

  it('names the element whose DataType, size or values are wrong', () => {
    const b = base();
    const v = new DataView(b.buffer, b.byteOffset);
    const first = v.getUint32(v.getUint32(22, true), true);
    const second = v.getUint32(v.getUint32(22, true) + 4, true);
    const at = (f: (d: DataView) => void) => {
      const c = b.slice();
      f(new DataView(c.buffer, c.byteOffset));
      return formatError(() => parseSer(c, 'bad.ser')).message;
    };
    expect(at((d) => d.setUint16(first + 40, 11, true))).toMatch(new RegExp(`element 0 has DataType 11.*element 0 DataType \\(byte ${first + 40}\\)`));
    expect(at((d) => d.setUint16(second + 40, 8, true))).toMatch(new RegExp(`element 1 is \\[3, 4\\] of DataType 8, element 0 is \\[3, 4\\] of DataType 7 \\(at element 1 \\(byte ${second}\\)\\)`));
    expect(formatError(() => parseSer(b.subarray(0, b.length - 20), 'cut.ser')).message).toMatch(/cut\.ser: truncated: element 1's values needs bytes up to \d+ but the file has \d+ \(at byte \d+\)/);
    expect(formatError(() => parseSer(b.subarray(0, 20), 'cut.ser')).message).toMatch(/truncated: the series header.*\(at byte 0\)/);
  });

  it('a header claiming 2^40 values is refused before any allocation', () => {
    const b = base();
    const v = new DataView(b.buffer, b.byteOffset);
    const first = v.getUint32(v.getUint32(22, true), true);
    v.setUint32(first + 42, 1 << 20, true);
    v.setUint32(first + 46, 1 << 20, true);
    const before = process.memoryUsage().arrayBuffers;
    expect(formatError(() => parseSer(b, 'huge.ser')).message).toMatch(/claims 2199023255552 elements/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    // a map whose dimensions claim far more elements than are valid is refused too
    const m = bytesOf('spectrum-map-i32-v210_1.ser');
    const mv = new DataView(m.buffer, m.byteOffset);
    mv.setUint32(30, 1 << 20, true); // Dim-1 size
    mv.setUint32(14, 0xffffffff, true); // TotalNumberElements
    expect(formatError(() => parseSer(m, 'map.ser')).message).toMatch(/claim \d+ elements but only 6 are valid.*TotalNumberElements \(byte 14\)/);
  });

  it('a zero-width image claiming billions of rows reads at once (no loop over claimed rows)', () => {
    const b = base();
    const v = new DataView(b.buffer, b.byteOffset);
    for (const k of [0, 1]) {
      const at = v.getUint32(v.getUint32(22, true) + 4 * k, true);
      v.setUint32(at + 42, 0, true);
      v.setUint32(at + 46, 0xc1a1e1a3, true);
    }
    const t0 = performance.now();
    expect(parseSer(b, 'thin.ser').values.shape).toEqual([2, 0xc1a1e1a3, 0]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('fuzz smoke: 3000+ mutants of every fixture give data or a one-line FormatError, fast', async () => {
    const seeds = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.ser'))
      .map((f) => bytesOf(f));
    const t0 = performance.now();
    const result = await fuzz(seeds, 4000, (b) => parseSer(b, 'fuzz.ser'), (e) => e instanceof FormatError && !e.message.includes('\n'));
    expect(result.inputs).toBe(4000);
    expect(result.failures.map((f) => String(f.error)).slice(0, 3)).toEqual([]);
    expect((performance.now() - t0) / 1000).toBeLessThan(30);
  });
});

describe('SER through the registry', () => {
  it('readArrayFile chooses the SER reader by content, whatever the extension', async () => {
    writeFileSync(join(dir, 'spectra.dat'), bytesOf('spectra-u16-v210_1.ser'));
    const a = await readArrayFile(join(dir, 'spectra.dat'));
    expect(a.format).toBe('ser');
    expect(a.values.shape).toEqual([3, 8]);
    expect(serReader.sniff(bytesOf('images-f32-v220_1.ser').subarray(0, 6))).toBe(true);
    expect(serReader.sniff(bytesOf('images-f32-v220_1.ser').subarray(0, 5))).toBe(false);
  });
});
