/**
 * The JPEG reader against libjpeg: fixtures written and read back by Pillow
 * (bench/reference/make_jpeg_fixtures.py), every pixel compared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decode, encode } from 'jpeg-js';
import { jpegReader, readJpeg } from '../../../src/data/formats/jpeg.js';
import { yccToRgb } from '../../../src/data/formats/jpeg-colour.js';
import { FormatError } from '../../../src/data/formats/reader.js';
import { formatError } from '../../helpers/format-error.js';
import { fuzz } from '../../helpers/mutate.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/jpeg/', import.meta.url));

interface Expected {
  file: string;
  mode: string;
  width: number;
  height: number;
  subsampling: string | null;
  progressive: boolean;
  dpi: number[] | null;
  reader: boolean;
  reason?: string;
  values?: number[];
  ycbcr?: number[];
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Expected);
const bytesOf = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** Largest |ours − Pillow's| over the native (interleaved) samples, and how many differ at all. */
function difference(native: ArrayLike<number>, reference: number[]): { max: number; differing: number } {
  let max = 0;
  let differing = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(native[i] - reference[i]);
    if (d > max) max = d;
    if (d > 0) differing++;
  }
  return { max, differing };
}

describe('JPEG files written by libjpeg (Pillow) read as libjpeg reads them', () => {
  const readable = fixtures.filter((e) => e.reader);
  it('has the fixtures it expects', () => {
    expect(readable.map((e) => e.file).sort()).toEqual(['grey-baseline.jpg', 'grey-dpi.jpg', 'grey-progressive.jpg', 'rgb-420-baseline.jpg', 'rgb-444-baseline.jpg', 'rgb-444-progressive.jpg']);
  });

  for (const e of readable) {
    const colour = e.mode === 'RGB';
    // Greyscale: the two integer IDCTs (jpeg-js's AAN, libjpeg's islow) differ by rounding only (±1).
    // Colour: that ±1 in Cb/Cr becomes up to ±3 in R, G, B through the 1.402 and 1.772 gains (the
    // conversion itself is exact, see below), 4:2:0 included (libjpeg's fancy upsampling).
    const tolerance = colour ? 3 : 1;
    it(`${e.file}: ${e.mode} ${e.width}×${e.height}${e.progressive ? ', progressive' : ''}${e.subsampling ? `, ${e.subsampling}` : ''}: within ±${tolerance}`, () => {
      const a = readJpeg(bytesOf(e.file), e.file);
      const c = colour ? 3 : 1;
      expect(a.format).toBe('jpeg');
      expect(a.dtype).toBe(colour ? 'rgb8' : 'uint8');
      expect(a.values.shape).toEqual([c, e.height, e.width]);
      expect(a.axes.map((x) => [x.name, x.size])).toEqual([['c', c], ['y', e.height], ['x', e.width]]);
      expect(a.native).toBeInstanceOf(Uint8Array);
      expect(a.native!.length).toBe(e.values!.length);
      const d = difference(a.native!, e.values!);
      expect(d.max).toBeLessThanOrEqual(tolerance);
      expect(d.differing / e.values!.length).toBeLessThan(0.2);
      // values are the native samples, channel-first
      const n = e.width * e.height;
      for (const i of [0, 7, n - 1]) for (let k = 0; k < c; k++) expect(a.values.data[k * n + i]).toBe(a.native![i * c + k]);
      const meta = a.metadata.jpeg as Record<string, unknown>;
      expect(meta.process).toBe(e.progressive ? 'progressive' : 'baseline');
      expect(meta.colourSpace).toBe(colour ? 'YCbCr' : 'grey');
    });
  }

  it('colour: jpeg-js planes are libjpeg\'s within ±1 (4:4:4), and the YCbCr → RGB conversion is libjpeg\'s exactly', () => {
    for (const e of readable.filter((f) => f.ycbcr)) {
      const planes = decode(bytesOf(e.file), { useTArray: true, formatAsRGBA: false, colorTransform: false }).data;
      if (e.subsampling === '4:4:4') expect(difference(planes, e.ycbcr!).max).toBeLessThanOrEqual(1);
      const full = [1, 2, 3].map((id) => ({ id, h: 1, v: 1 }));
      expect(difference(yccToRgb(Uint8Array.from(e.ycbcr!), e.width, e.height, full), e.values!).max).toBe(0);
    }
  });

  it('records the JFIF density in the metadata, not as a pixel size', () => {
    const a = readJpeg(bytesOf('grey-dpi.jpg'), 'grey-dpi.jpg');
    expect((a.metadata.jpeg as { jfif: unknown }).jfif).toEqual({ version: '1.01', units: 1, xDensity: 254, yDensity: 254 });
    expect(a.axes.every((x) => x.scale === undefined)).toBe(true);
  });
});

describe('JPEG variants refused with one line', () => {
  const patched = (name: string, change: (b: Uint8Array, sof: number) => void) => {
    const b = bytesOf(name).slice();
    const sof = b.findIndex((v, i) => v === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2));
    change(b, sof);
    return b;
  };

  it('CMYK (Pillow-written, Adobe marker)', () => {
    expect(fixtures.find((e) => e.file === 'cmyk.jpg')?.reader).toBe(false);
    expect(formatError(() => readJpeg(bytesOf('cmyk.jpg'), 'cmyk.jpg')).message).toMatch(/^cmyk\.jpg: CMYK\/YCCK JPEG \(4 components\) is not supported.*convert it to/);
  });

  it('12-bit precision', () => {
    const b = patched('grey-baseline.jpg', (x, sof) => (x[sof + 4] = 12));
    expect(formatError(() => readJpeg(b, 'deep.jpg')).message).toMatch(/^deep\.jpg: 12-bit JPEG is not supported \(8-bit only/);
  });

  it('arithmetic coding (SOF9) and lossless (SOF3)', () => {
    expect(formatError(() => readJpeg(patched('grey-baseline.jpg', (x, sof) => (x[sof + 1] = 0xc9)), 'a.jpg')).message).toMatch(/^a\.jpg: arithmetic-coded JPEG \(SOF9\) is not supported/);
    expect(formatError(() => readJpeg(patched('grey-baseline.jpg', (x, sof) => (x[sof + 1] = 0xc3)), 'l.jpg')).message).toMatch(/^l\.jpg: lossless JPEG \(SOF3\) is not supported/);
  });

  it('a size the data cannot hold, before decoding', () => {
    const b = patched('grey-baseline.jpg', (x, sof) => {
      x[sof + 5] = x[sof + 6] = x[sof + 7] = x[sof + 8] = 0xff;
    });
    expect(formatError(() => readJpeg(b, 'huge.jpg')).message).toMatch(/^huge\.jpg: the frame header claims 65535×65535 pixels .* bytes of image data follow/);
  });

  it('truncation and not-a-JPEG', () => {
    const b = bytesOf('grey-baseline.jpg');
    expect(formatError(() => readJpeg(b.subarray(0, 100), 't.jpg')).message).toMatch(/^t\.jpg: .*truncated/);
    expect(formatError(() => readJpeg(Uint8Array.from([1, 2, 3]), 'x.jpg')).message).toMatch(/not a JPEG file/);
  });
});

describe('JPEG written by a second encoder (jpeg-js)', () => {
  it('an RGB image that is grey everywhere decodes to equal channels near the original', () => {
    const w = 16;
    const h = 9;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.fill(40 + ((i * 7) % 160), 4 * i, 4 * i + 3), (rgba[4 * i + 3] = 255);
    const a = jpegReader.read(encode({ width: w, height: h, data: rgba }, 100).data, 'jsenc.jpg') as ReturnType<typeof readJpeg>;
    expect(a.values.shape).toEqual([3, h, w]);
    let max = 0;
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(a.native![3 * i + c] - rgba[4 * i]));
    expect(max).toBeLessThanOrEqual(12);
  });
});

describe('JPEG reader under mutation', () => {
  it('3000 mutants read or throw a FormatError', async () => {
    const seeds = fixtures.map((e) => bytesOf(e.file));
    const r = await fuzz(seeds, 3000, (b) => jpegReader.read(b, 'jpeg-mutant'), (e) => e instanceof FormatError, 12);
    expect(r.inputs).toBe(3000);
    expect(r.failures.map((f) => String(f.error))).toEqual([]);
  });
});
