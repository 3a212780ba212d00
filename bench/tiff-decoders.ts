/**
 * Which TIFF decoder trustscope uses, chosen by measurement: `tiff` (image-js), `utif2` and
 * `geotiff`, each asked to decode every fixture (test/fixtures/formats/tiff, written by tifffile)
 * and, when given, real microscope files described by the same script; a decode is correct when
 * its shape, dtype and every value (sha256 of the array, C order, little-endian) equal tifffile's.
 * Speed: MB of decoded samples per second, median of 5 runs after a warm-up.
 *
 *   /usr/bin/python3 bench/reference/make_tiff_fixtures.py --bench /tmp/tiff-bench
 *   npx tsc -p tsconfig.json && node dist/bench/tiff-decoders.js [--large /tmp/tiff-bench] [--real DIR EXPECT_DIR]
 *
 * Each adapter may use the library's own tag accessors to put its output in tifffile's layout
 * (reinterpreting unsigned arrays as signed when SampleFormat says so, byte-swapping what the
 * library left big-endian); anything more would be writing the decoder ourselves.
 *
 * The fourth column, `trustscope`, is src/data/formats/tiff.ts (the chosen decoder inside it).
 *
 * Result (Node 20, 2 cores shared with three other builds, 2026-12-07). Correct = equal to tifffile:
 *
 *   | decoder    | 42 fixtures | 25 real EM files (rosettasciio's test TIFFs) |
 *   |------------|-------------|----------------------------------------------|
 *   | tiff       | 29          | 23                                           |
 *   | utif2      | 37          | 24                                           |
 *   | geotiff    | 40          | 23                                           |
 *   | trustscope | 42          | 24 (the 25th is JPEG, refused)               |
 *
 *   MB/s (two runs; the machine was shared, so ±50 %):
 *
 *   | file (2048² uint16; stack: 32 × 512²) | tiff       | utif2    | geotiff          | trustscope |
 *   |---------------------------------------|------------|----------|------------------|------------|
 *   | raw strips                            | 155–323    | 132–160  | 55–60            | 429–653    |
 *   | LZW + predictor                       | error      | 20–57    | 3–6              | 25–37      |
 *   | Deflate                               | 45–70      | 35–71    | 17–38            | 104–135    |
 *   | tiled 256², raw                       | 47–72      | 73–112   | 36–53            | 220–483    |
 *   | stack, raw                            | 107–311    | 97–307   | 33–90            | 240–358    |
 *   | stack, LZW                            | error      | 18–60    | crash (V8 fatal) | 18–42      |
 *
 * What fails where. `tiff` (image-js): no 32-bit integers, no PackBits, no predictor 3, tiles keep
 * only the first sample of RGB, planar RGB throws, min-is-white is inverted (tifffile returns the
 * stored values), no BigTIFF, and its LZW throws on the 2048² images. `geotiff`: predictor 2 on
 * big-endian 16-bit data gives wrong values, a SampleFormat tag shorter than SamplesPerPixel
 * (hyperspy's RGBA16 file) is refused, it is 3–20× slower, and on the valid 32-page LZW stack its
 * LZW decoder grows a JS array until V8 aborts the process — an uncatchable crash. `utif2`: no
 * BigTIFF, no predictor 3, no PlanarConfiguration 2 (structure, not codecs); every LZW, Deflate and
 * PackBits strip it met it decoded exactly and fastest. (None reads ImageJ's contiguous stacks.)
 *
 * Choice: utif2, for its codecs. trustscope's reader walks the TIFF structure itself (it must
 * anyway: every offset, count and claimed size bounded by the file before anything is allocated,
 * and only FormatErrors out), which also covers utif2's structural gaps (BigTIFF, planar data,
 * predictors 2 and 3 on every width, byte order), and calls utif2's LZW and PackBits decoders per
 * strip/tile. Deflate goes to Node's zlib with an output limit (utif2 itself uses pako and drops a
 * strip that decodes too long). utif2's LZW decoder trusts the code stream, so the reader first
 * walks it (same bit reader and table growth) and refuses codes the table does not hold yet.
 * geotiff and `tiff` stay unused. The codec entry points (`UTIF.decode._decodeLZW`,
 * `_decodePackBits`) are not in utif2's typings: the version is pinned (4.1.0) and the tests
 * cover every codec.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTiff } from '../src/data/formats/tiff.js';
import { median, table } from './stats.js';

type Typed = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
interface Page { width: number; height: number; spp: number; planar: number; dtype: string; data: Typed }
interface Decoded { shape: number[]; dtype: string; data: Typed }
interface Expected { file: string; shape: number[]; dtype: string; sha256: string; sum: number; planarconfig: number }

const UTIF = createRequire(import.meta.url)('utif2') as typeof import('utif2');

/**
 * The two candidates not chosen, loaded only if still installed (they are to be uninstalled; this
 * file must keep compiling without them), typed by the little of their APIs used here.
 */
interface TiffJs {
  decode(data: Uint8Array): { width: number; height: number; samplesPerPixel: number; planarConfiguration: number; bitsPerSample: number; sampleFormat: number; data: Typed }[];
}
interface GeoTiffImage {
  fileDirectory: { getValue(tag: string): unknown };
  getWidth(): number;
  getHeight(): number;
  getSamplesPerPixel(): number;
  readRasters(options: { interleave: boolean }): Promise<unknown>;
}
interface GeoTiffJs {
  fromArrayBuffer(ab: ArrayBuffer): Promise<{ getImageCount(): Promise<number>; getImage(i: number): Promise<GeoTiffImage> }>;
}
async function optional<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch {
    return undefined;
  }
}
const tiffJs = await optional<TiffJs>('tiff');
const geotiffJs = await optional<GeoTiffJs>('geotiff');

const CTOR: Record<string, new (b: ArrayBuffer) => Typed> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

function dtypeOf(bits: number, format: number): string {
  if (format === 3) return `float${bits}`;
  return `${format === 2 ? 'int' : 'uint'}${bits}`;
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** tifffile's series[0]: the run of pages shaped like the first; [n?] + (y, x[, s]) or (s, y, x) when planar. */
function assemble(pages: Page[]): Decoded {
  const p0 = pages[0];
  const same = [p0];
  for (const p of pages.slice(1)) {
    if (p.width !== p0.width || p.height !== p0.height || p.spp !== p0.spp || p.dtype !== p0.dtype) break;
    same.push(p);
  }
  const pageShape = p0.spp === 1 ? [p0.height, p0.width] : p0.planar === 2 ? [p0.spp, p0.height, p0.width] : [p0.height, p0.width, p0.spp];
  const shape = same.length > 1 ? [same.length, ...pageShape] : pageShape;
  const n = p0.width * p0.height * p0.spp;
  const out = new CTOR[p0.dtype](new ArrayBuffer(n * same.length * (p0.data.BYTES_PER_ELEMENT)));
  same.forEach((p, i) => {
    if (p.data.length < n) throw new Error(`page ${i}: ${p.data.length} samples, expected ${n}`);
    out.set(p.data.subarray(0, n) as never, i * n);
  });
  return { shape, dtype: p0.dtype, data: out };
}

/** The file's PlanarConfiguration (from its .json), which decides where tifffile puts the sample axis. */
let expectedPlanar = 1;

/** trustscope's reader (utif2 codecs inside), its [N?, C, H, W] output put back in tifffile's layout. */
function trustscope() {
  return async (bytes: Uint8Array): Promise<Decoded> => {
    const a = readTiff(bytes, 'bench.tif');
    const hasN = a.axes[0].name === 'n';
    const [N, C, H, W] = hasN ? a.values.shape : [1, ...a.values.shape];
    const chunky = C > 1 && expectedPlanar === 1;
    const shape = [...(hasN ? [N] : []), ...(C > 1 && !chunky ? [C] : []), H, W, ...(chunky ? [C] : [])];
    const nat = a.native as Typed;
    if (!chunky) return { shape, dtype: a.dtype, data: nat };
    const out = new CTOR[a.dtype](new ArrayBuffer(nat.byteLength));
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) out[(n * H * W + i) * C + c] = nat[(n * C + c) * H * W + i];
    return { shape, dtype: a.dtype, data: out };
  };
}

const decoders: Record<string, (bytes: Uint8Array) => Promise<Decoded>> = {
  async tiff(bytes) {
    if (!tiffJs) throw new Error('not installed');
    const pages = tiffJs.decode(bytes).map((ifd): Page => {
      const dtype = dtypeOf(ifd.bitsPerSample, ifd.sampleFormat);
      let data = ifd.data as Typed;
      if (dtype !== 'uint8' && dtype !== 'uint16' && dtype !== 'float32' && dtype !== 'float64' && ifd.sampleFormat === 2) {
        data = new CTOR[dtype](data.buffer as ArrayBuffer); // tiff returns signed samples as unsigned arrays
      }
      return { width: ifd.width, height: ifd.height, spp: ifd.samplesPerPixel, planar: ifd.planarConfiguration, dtype, data };
    });
    return assemble(pages);
  },
  async utif2(bytes) {
    const ab = arrayBufferOf(bytes);
    const log = console.log;
    console.log = () => {}; // utif2 prints while decoding tiles
    try {
      const ifds = UTIF.decode(ab).filter((ifd) => ifd.t256 !== undefined);
      const le = bytes[0] === 0x49;
      const pages = ifds.map((ifd): Page => {
        UTIF.decodeImage(ab, ifd);
        const tag = (k: string, d: number): number => ((ifd[k] as number[] | undefined)?.[0] ?? d);
        const bits = tag('t258', 1);
        const dtype = dtypeOf(bits, tag('t339', 1));
        const raw = (ifd.data as Uint8Array).slice();
        const size = bits / 8;
        if (!le && size > 2) for (let i = 0; i + size <= raw.length; i += size) raw.subarray(i, i + size).reverse(); // utif2 swaps 16-bit only
        const usable = raw.length - (raw.length % size);
        return { width: ifd.width, height: ifd.height, spp: tag('t277', 1), planar: tag('t284', 1), dtype, data: new CTOR[dtype](raw.buffer.slice(0, usable)) };
      });
      return assemble(pages);
    } finally {
      console.log = log;
    }
  },
  async geotiff(bytes) {
    if (!geotiffJs) throw new Error('not installed');
    const g = await geotiffJs.fromArrayBuffer(arrayBufferOf(bytes));
    const count = await g.getImageCount();
    const pages: Page[] = [];
    for (let i = 0; i < count; i++) {
      const img = await g.getImage(i);
      const fd = img.fileDirectory;
      const planar = (fd.getValue('PlanarConfiguration') as number | undefined) ?? 1;
      const bits = ((fd.getValue('BitsPerSample') as number[] | undefined) ?? [1])[0];
      const format = ((fd.getValue('SampleFormat') as number[] | undefined) ?? [1])[0];
      const dtype = dtypeOf(bits, format);
      const spp = img.getSamplesPerPixel();
      let data: Typed;
      if (planar === 2 && spp > 1) {
        const planes = (await img.readRasters({ interleave: false })) as unknown as Typed[];
        data = new CTOR[dtype](new ArrayBuffer(planes[0].length * spp * planes[0].BYTES_PER_ELEMENT));
        planes.forEach((p, s) => data.set(p as never, s * p.length));
      } else {
        data = (await img.readRasters({ interleave: true })) as unknown as Typed;
      }
      pages.push({ width: img.getWidth(), height: img.getHeight(), spp, planar, dtype, data });
    }
    return assemble(pages);
  },
};

function sha(data: Typed): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

function verdict(d: Decoded, e: Expected): string {
  if (d.dtype !== e.dtype) return `dtype ${d.dtype}`;
  if (d.shape.join(',') !== e.shape.join(',')) return `shape ${d.shape.join('×')}`;
  return sha(d.data) === e.sha256 ? 'ok' : 'values differ';
}

async function correctness(dir: string, expectDir: string): Promise<{ rows: string[][]; score: Record<string, number>; total: number }> {
  const rows: string[][] = [];
  const score: Record<string, number> = Object.fromEntries(Object.keys(decoders).map((k) => [k, 0]));
  const files = readdirSync(expectDir).filter((f) => f.endsWith('.json')).sort();
  let total = 0;
  for (const f of files) {
    const e = JSON.parse(readFileSync(join(expectDir, f), 'utf8')) as Expected;
    const path = findFile(dir, e.file);
    if (!path) continue;
    total++;
    const bytes = new Uint8Array(readFileSync(path));
    expectedPlanar = e.planarconfig;
    const row = [e.file.replace(/\.tif$/, '')];
    for (const [name, decode] of Object.entries(decoders)) {
      let v: string;
      try {
        v = verdict(await decode(bytes), e);
      } catch (err) {
        v = `error: ${String((err as Error)?.message ?? err).slice(0, 40)}`;
      }
      if (v === 'ok') score[name]++;
      row.push(v);
    }
    rows.push(row);
  }
  return { rows, score, total };
}

function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    } else if (entry.name === name) return p;
  }
  return undefined;
}

/** One decoder on one file, in this process: prints {"mbps": …, "ok": …}. */
async function speedOne(name: string, path: string): Promise<void> {
  const decode = decoders[name];
  const bytes = new Uint8Array(readFileSync(path));
  const e = JSON.parse(readFileSync(path.replace(/\.tif$/, '.json'), 'utf8')) as Expected;
  const first = await decode(bytes);
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    await decode(bytes);
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(JSON.stringify({ mbps: first.data.byteLength / 1e6 / median(runs), ok: verdict(first, e) === 'ok' }));
}

/** Each decoder × file in a child process: a decoder that crashes V8 (geotiff's LZW can) only loses its cell. */
function speed(dir: string): string[][] {
  const self = fileURLToPath(import.meta.url);
  const rows: string[][] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.tif')).sort()) {
    const row = [f.replace(/\.tif$/, '')];
    for (const name of Object.keys(decoders)) {
      const r = spawnSync(process.execPath, [self, '--speed-one', name, join(dir, f)], { encoding: 'utf8', timeout: 600_000 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status === 0 && line.startsWith('{')) {
        const { mbps, ok } = JSON.parse(line) as { mbps: number; ok: boolean };
        row.push(`${mbps.toFixed(0)}${ok ? '' : ' (wrong)'}`);
      } else {
        const why = /Fatal JavaScript invalid size/.test(r.stderr) ? 'crash (V8 fatal)' : r.signal ? `killed (${r.signal})` : `error: ${(r.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? '').slice(0, 40)}`;
        row.push(why);
      }
    }
    rows.push(row);
  }
  return rows;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fixtures = 'test/fixtures/formats/tiff';
  decoders.trustscope = trustscope();
  if (args[0] === '--speed-one') return speedOne(args[1], args[2]);
  const only = args.indexOf('--only');
  if (only >= 0) for (const k of Object.keys(decoders)) if (k !== args[only + 1]) delete decoders[k];
  const names = Object.keys(decoders);
  const fx = await correctness(fixtures, fixtures);
  console.log(`Correctness on ${fx.total} fixtures (tifffile's values):\n`);
  console.log(table(['fixture', ...names], fx.rows));
  console.log(`\ncorrect: ${names.map((n) => `${n} ${fx.score[n]}/${fx.total}`).join(', ')}\n`);
  const real = args.indexOf('--real');
  if (real >= 0) {
    const r = await correctness(args[real + 1], args[real + 2]);
    console.log(`Correctness on ${r.total} real files:\n`);
    console.log(table(['file', ...names], r.rows));
    console.log(`\ncorrect: ${names.map((n) => `${n} ${r.score[n]}/${r.total}`).join(', ')}\n`);
  }
  const large = args.indexOf('--large');
  const dir = large >= 0 ? args[large + 1] : '/tmp/tiff-bench';
  if (existsSync(dir)) {
    console.log('Speed, MB of decoded samples per second (median of 5):\n');
    console.log(table(['file', ...names], speed(dir)));
  } else {
    console.log(`(no ${dir}: make it with make_tiff_fixtures.py --bench ${dir} for the speed table)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
