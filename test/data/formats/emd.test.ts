import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { berkeleyUnit, emdReader, listEmd, readEmd } from '../../../src/data/formats/emd.js';
import { DEFAULT_H5_LIMITS, h5RuntimeState, type H5Limits } from '../../../src/data/formats/h5.js';
import { FormatError, type Axis } from '../../../src/data/formats/reader.js';
import { readArrayFile, readers } from '../../../src/data/formats/registry.js';
import { Random } from '../../../src/tensor/random.js';
import { fuzz, mutate } from '../../helpers/mutate.js';

/**
 * Fixtures and expected JSON: bench/reference/make_emd_fixtures.py (files written by h5py; expected
 * shapes, values and calibrations from rosettasciio's rsciio.emd.file_reader, mapped to
 * trustscope's conventions: Berkeley arrays as stored, Velox as [N, y, x], Velox lengths in nm).
 */
const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/emd/', import.meta.url));
const bytesOf = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** Short time limits so a looping HDF5 call costs 1.5 s, not 10. */
const LIMITS: H5Limits = { ...DEFAULT_H5_LIMITS, callMs: 1_500 };

interface ExpectedAxis {
  name: string;
  size: number;
  offset?: number;
  scale?: number;
  unit?: string;
}
interface ExpectedDataset {
  path: string;
  shape: number[];
  dtype: string;
  values: number[];
  /** Complex data: interleaved re, im (values are the magnitudes). */
  native?: number[];
  axes: ExpectedAxis[];
  metadata?: Record<string, unknown>;
}
interface Expected {
  file: string;
  flavour: string;
  reference: string;
  datasets: ExpectedDataset[];
}

function expectAxes(actual: readonly Axis[], expected: readonly ExpectedAxis[]): void {
  expect(actual.map((a) => [a.name, a.size, a.unit])).toEqual(expected.map((a) => [a.name, a.size, a.unit]));
  actual.forEach((a, i) => {
    for (const key of ['scale', 'offset'] as const) {
      const want = expected[i][key];
      if (want === undefined) expect(a[key]).toBeUndefined();
      else expect(Math.abs((a[key] ?? NaN) - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
    }
  });
}

function oneLineFormatError(e: unknown, source: string): boolean {
  return e instanceof FormatError && !e.message.includes('\n') && e.message.startsWith(`${source}: `);
}

const NATIVE: Record<string, string> = { uint16: 'Uint16Array', float32: 'Float32Array', float64: 'Float64Array', complex64: 'Float32Array' };

describe('EMD fixtures read as rosettasciio reads them', () => {
  for (const file of ['berkeley-image', 'berkeley-stack', 'berkeley-bigendian', 'velox-2frames', 'velox-2datasets', 'velox-dpc']) {
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${file}.json`), 'utf8')) as Expected;
    for (const d of expected.datasets) {
      it(`${file}.emd ${d.path}: shape, dtype, values, axes`, async () => {
        const a = await readEmd(bytesOf(`${file}.emd`), `${file}.emd`, { dataset: d.path, limits: LIMITS });
        expect(a.format).toBe('emd');
        expect(a.metadata.flavour).toBe(expected.flavour);
        expect(a.metadata.dataset).toBe(d.path);
        expect(a.values.shape).toEqual(d.shape);
        expect(a.dtype).toBe(d.dtype);
        expect(a.native?.constructor.name).toBe(NATIVE[d.dtype]);
        expect(Array.from(a.native as ArrayLike<number>)).toEqual(d.native ?? d.values);
        expect(Array.from(a.values.data)).toEqual(Array.from(Float32Array.from(d.values)));
        expectAxes(a.axes, d.axes);
        if (d.metadata) {
          for (const [key, value] of Object.entries(d.metadata)) expect([key, a.metadata[key]]).toEqual([key, value]);
        }
      });
    }
  }

  it('Velox: frames first ([y, x, frames] in the file → [N, y, x]), pixel size in nm, key metadata from the blob', async () => {
    const a = await readEmd(bytesOf('velox-2frames.emd'), 'velox-2frames.emd', { limits: LIMITS });
    // The fixture's value is 1000·frame + 10·y + x + 1: a transposition error would show.
    expect(a.values.shape).toEqual([2, 3, 4]);
    expect(a.values.data[1 * 12 + 2 * 4 + 3]).toBe(1000 + 20 + 3 + 1);
    expect(a.axes.map((x) => x.name)).toEqual(['n', 'y', 'x']);
    expect(a.metadata).toMatchObject({
      storedShape: [3, 4, 2],
      detector: 'HAADF',
      beamEnergy_kV: 300,
      magnification: 2550000,
      nominalMagnification: 1275000,
      microscope: 'Titan',
      instrumentModel: 'Titan G2 60-300',
      frameTime_s: 0.25,
      pixelSize: { width: '2.5e-10', height: '3e-10', unit: 'm' },
      veloxVersion: { format: 'Velox', version: '2' },
      acquisitionStart: '2020-09-13T12:26:40.000Z',
    });
    expect((a.metadata.velox as { Optics: { SpotIndex: string } }).Optics.SpotIndex).toBe('6');
  });

  it('Berkeley: dims named and calibrated from dim1..dimN (dim1 = slowest axis), HyperSpy-style "[n_m]" units, root groups as metadata', async () => {
    const a = await readEmd(bytesOf('berkeley-image.emd'), 'berkeley-image.emd', { limits: LIMITS });
    expect(a.metadata).toMatchObject({ emdVersion: '0.2', microscope: { name: 'TEAM 0.5', voltage: 300 } });
    expect(a.metadata.dims).toEqual([
      { path: '/data/image/dim1', name: 'y', units: 'nm' },
      { path: '/data/image/dim2', name: 'x', units: '[n_m]' },
    ]);
    expect(berkeleyUnit('[n_m]')).toBe('nm');
    expect(berkeleyUnit('[1/n_m]')).toBe('1/nm');
    expect(berkeleyUnit('[n_m] [s]')).toBe('nm * s');
    expect(berkeleyUnit('A')).toBe('Å');
    expect(berkeleyUnit('eV')).toBe('eV');
  });
});

describe('several datasets: listing and choice', () => {
  const A = '/Data/Image/a1b2c3d4e5f60718293a4b5c6d7e8f90/Data';
  const B = '/Data/Image/0f1e2d3c4b5a69788796a5b4c3d2e1f0/Data';

  it('the default is the first image dataset; metadata.datasets lists every dataset with shape, dtype and axes', async () => {
    const v = await readEmd(bytesOf('velox-2datasets.emd'), 'v.emd', { limits: LIMITS });
    expect(v.metadata.dataset).toBe(B);
    const listed = v.metadata.datasets as { path: string; shape: number[]; dtype: string; detector: string; axes: Axis[] }[];
    expect(listed.map((d) => [d.path, d.shape, d.dtype, d.detector])).toEqual([
      [B, [1, 5, 2], 'float32', 'DF4'],
      [A, [1, 3, 4], 'uint16', 'HAADF'],
    ]);
    expect(listed[1].axes[2]).toMatchObject({ name: 'x', unit: 'nm' });
    // Berkeley: a 1D spectrum comes first in key order but the default is the image stack.
    const s = await readEmd(bytesOf('berkeley-stack.emd'), 's.emd', { limits: LIMITS });
    expect(s.metadata.dataset).toBe('/data/stack/data');
    expect((s.metadata.datasets as { path: string; image: boolean }[]).map((d) => [d.path, d.image])).toEqual([
      ['/data/spectrum/data', false],
      ['/data/stack/data', true],
    ]);
    expect(await listEmd(bytesOf('berkeley-stack.emd'), 's.emd', LIMITS)).toEqual(s.metadata.datasets);
  });

  it('readEmd(..., { dataset }) picks by path, by group path, by Velox uuid or detector; an unknown name lists the choices', async () => {
    for (const choice of [A, A.slice(1), '/Data/Image/a1b2c3d4e5f60718293a4b5c6d7e8f90', 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'HAADF']) {
      const a = await readEmd(bytesOf('velox-2datasets.emd'), 'v.emd', { dataset: choice, limits: LIMITS });
      expect(a.metadata.dataset).toBe(A);
      expect(a.values.shape).toEqual([1, 3, 4]);
      expect(a.metadata.detector).toBe('HAADF');
    }
    const spectrum = await readEmd(bytesOf('berkeley-stack.emd'), 's.emd', { dataset: '/data/spectrum', limits: LIMITS });
    expect(spectrum.values.shape).toEqual([7]);
    const err = await readEmd(bytesOf('velox-2datasets.emd'), 'v.emd', { dataset: '/nope', limits: LIMITS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toBe(`v.emd: no dataset '/nope'; the file has ${B} (DF4), ${A} (HAADF) (at /nope)`);
  });
});

describe('EMD through the registry and on bad files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-emd-'));

  it('readArrayFile picks EMD by content, whatever the extension', async () => {
    expect(readers.map((r) => r.name)).toContain('emd');
    writeFileSync(join(dir, 'velox.dat'), bytesOf('velox-2frames.emd'));
    const a = await readArrayFile(join(dir, 'velox.dat'));
    expect(a.format).toBe('emd');
    expect(a.values.shape).toEqual([2, 3, 4]);
    writeFileSync(join(dir, 'b.h5'), bytesOf('berkeley-image.emd'));
    expect((await readArrayFile(join(dir, 'b.h5'))).values.shape).toEqual([4, 6]);
    expect(emdReader.sniff(bytesOf('plain.h5'))).toBe(true);
    expect(emdReader.sniff(new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]))).toBe(false);
  });

  it('an HDF5 file that is not EMD: one line', async () => {
    writeFileSync(join(dir, 'plain.h5'), bytesOf('plain.h5'));
    const err = await readArrayFile(join(dir, 'plain.h5')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toBe(`${join(dir, 'plain.h5')}: an HDF5 file but not EMD: no emd_group_type=1 group and no Velox Data/Image group (at /)`);
  });

  it('truncated files: a one-line FormatError naming the file and what HDF5 found', async () => {
    const whole = bytesOf('velox-2frames.emd');
    for (const n of [0, 7, 8, 100, 2000, whole.length >> 1, whole.length - 1]) {
      const err = await readEmd(whole.subarray(0, n), 'cut.emd', { limits: LIMITS }).catch((e: unknown) => e);
      expect(oneLineFormatError(err, 'cut.emd'), `${n} bytes: ${String(err)}`).toBe(true);
    }
    const err = await readEmd(whole.subarray(0, 3000), 'cut.emd', { limits: LIMITS }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('cut.emd: HDF5 cannot open it: truncated file: eof = 3000, sblock->base_addr = 0, stored_eof = 12520 (H5F__super_read)');
    const notHdf5 = await readEmd(new TextEncoder().encode('hello, not HDF5'), 'x.emd', { limits: LIMITS }).catch((e: unknown) => e);
    expect((notHdf5 as Error).message).toMatch(/^x\.emd: not an HDF5 file \(no HDF5 signature at byte 0\)/);
  });

  it('a Velox image whose metadata blob is not JSON is still read, uncalibrated, with a warning', async () => {
    // One frame per image here, so each blob is contiguous in the file ([L, frames] in C order).
    const bytes = bytesOf('velox-2datasets.emd');
    const text = Buffer.from(bytes);
    let broken = 0;
    for (let at = text.indexOf('{"Acquisition":'); at >= 0; at = text.indexOf('{"Acquisition":', at + 1)) {
      bytes[at] = 0x58; // 'X'
      broken++;
    }
    expect(broken).toBe(2);
    const a = await readEmd(bytes, 'v.emd', { limits: LIMITS });
    expect(a.values.shape).toEqual([1, 5, 2]);
    expect(a.axes).toEqual([{ name: 'n', size: 1 }, { name: 'y', size: 5 }, { name: 'x', size: 2 }]);
    expect(a.metadata.warnings).toEqual(['/Data/Image/0f1e2d3c4b5a69788796a5b4c3d2e1f0/Metadata does not hold a JSON object']);
    expect(a.metadata.detector).toBe('DF4'); // from /Operations
  });

  it('a file on which the HDF5 library loops (corrupt global heap; h5py hangs on it too) fails in time, and the next file reads', async () => {
    const started = Date.now();
    const err = await readEmd(bytesOf('corrupt-global-heap.emd'), 'loop.emd', { limits: LIMITS }).catch((e: unknown) => e);
    expect(oneLineFormatError(err, 'loop.emd'), String(err)).toBe(true);
    expect((err as Error).message).toBe("loop.emd: cannot read the attribute 'name': the HDF5 library did not answer within 1.5 s (a corrupt file can make it loop) (at /data/spectrum/dim1)");
    expect(Date.now() - started).toBeLessThan(10_000);
    const next = await readEmd(bytesOf('berkeley-image.emd'), 'next.emd', { limits: LIMITS });
    expect(next.values.shape).toEqual([4, 6]);
  });
});

describe('EMD parser under corruption', () => {
  const seeds = ['berkeley-image.emd', 'berkeley-stack.emd', 'velox-2frames.emd', 'velox-2datasets.emd', 'velox-dpc.emd'].map(bytesOf);

  it('fuzz smoke: 1200 mutants of the fixtures read or throw a one-line FormatError, nothing else', async () => {
    const started = Date.now();
    const result = await fuzz(seeds, 1200, (b) => readEmd(b, 'fuzz.emd', { limits: LIMITS }), (e) => oneLineFormatError(e, 'fuzz.emd'), 12);
    expect(result.inputs).toBe(1200);
    expect(result.failures.map((f) => String(f.error))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('200 corrupt files in a row leave no file open and no temporary file in the HDF5 worker; reading them again does not grow its memory', async () => {
    const rng = new Random(99);
    const baseline = await h5RuntimeState(LIMITS);
    const check = async () => {
      const now = await h5RuntimeState(LIMITS);
      expect([now.openStreams, now.tempFiles]).toEqual([baseline.openStreams, 0]);
      return now;
    };
    // Pass 0 collects 200 corrupt files that fail — truncated ones (HDF5 refuses to open them) and
    // ones HDF5 opens and fails on deeper (object headers, heaps, chunks) — but not ones that loop
    // (those restart the worker; see the test above).
    const corrupt: Uint8Array[] = [];
    let deep = 0;
    while (corrupt.length < 200) {
      const m = mutate(seeds[corrupt.length % seeds.length], rng);
      const failure = await readEmd(m, 'c.emd', { limits: LIMITS }).then(
        () => undefined,
        (e: unknown) => {
          expect(oneLineFormatError(e, 'c.emd'), String(e)).toBe(true);
          return (e as Error).message;
        },
      );
      await check();
      if (!failure || failure.includes('did not answer')) continue;
      corrupt.push(m);
      if (!/HDF5 cannot open it|not an HDF5 file/.test(failure)) deep++;
    }
    expect(deep).toBeGreaterThan(50);
    const startsBefore = (await check()).workerStarts;
    const heapAfterPass = [(await check()).heapBytes];
    for (let pass = 1; pass < 3; pass++) {
      for (const b of corrupt) {
        await readEmd(b, 'c.emd', { limits: LIMITS }).catch((e: unknown) => expect(oneLineFormatError(e, 'c.emd'), String(e)).toBe(true));
        await check();
      }
      heapAfterPass.push((await check()).heapBytes);
    }
    const after = await check();
    expect(after.forcedCloses).toBe(0);
    expect(after.workerStarts).toBe(startsBefore);
    // The heap may peak once (HDF5 allocates what a corrupt global-heap object claims before checking
    // it) but reading the same 200 files again leaves it where it was: nothing leaks per file.
    expect(heapAfterPass[2]).toBe(heapAfterPass[1]);
    expect(heapAfterPass[2]).toBeLessThanOrEqual(LIMITS.recycleBytes);
  }, 120_000);
});
