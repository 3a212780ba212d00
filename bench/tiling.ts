/**
 * Whole micrographs (issue 13): a 4096² 16-bit TIFF through `explain --tile` (saliency, integrated
 * gradients) and `audit --tile` with the 64² tiny CNN of the zoo, each command in its own process
 * under /usr/bin/time -v, so the peak resident set (ru_maxrss) is that command's alone. The target:
 * peak RSS ≤ 2 GB, and it must not grow with the image (it is bounded by one micrograph, its map and
 * one chunk of tiles).
 *
 *   npm run build && node dist/bench/tiling.js [--size 4096] [--steps 50]
 *   (also: npm run bench -- --only tiling)
 *
 * The TIFFs are generated (bench/micrograph-tiff.ts), written to a temporary folder and removed.
 */
import { invokedDirectly } from '../src/io/invoked-directly.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpyArray } from '../src/data/formats/npy.js';
import { readArrayFile } from '../src/data/formats/registry.js';
import { saveOnnxGraph } from '../src/models/import/onnx-file.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { encodeUint16Tiff, syntheticMicrograph } from './micrograph-tiff.js';
import { table } from './stats.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const TIME = '/usr/bin/time';

export interface TilingBenchOptions {
  size?: number;
  /** Integrated-gradients steps (default 50, Captum's). */
  steps?: number;
}

interface Measured {
  label: string;
  seconds: number;
  peakMb: number;
  summary: string;
}

/** Runs one CLI command under /usr/bin/time -v: wall time, peak RSS and the command's last stdout line. */
function measure(label: string, args: readonly string[]): Measured {
  const r = spawnSync(TIME, ['-v', process.execPath, MAIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}): ${r.stderr.split('\n').filter((l) => l.startsWith('trustscope')).join(' ') || r.stderr.slice(-2000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(r.stderr);
  if (!rss || !wall) throw new Error(`${label}: no /usr/bin/time -v report in stderr`);
  const seconds = wall[1].split(':').reduce((s, part) => s * 60 + Number(part), 0);
  const lines = r.stdout.trim().split('\n');
  return { label, seconds, peakMb: Number(rss[1]) / 1024, summary: lines.filter((l) => /tiles →|\(accuracy /.test(l)).join(' | ') };
}

export async function runTilingBench(options: TilingBenchOptions = {}): Promise<string[]> {
  const size = options.size ?? 4096;
  const steps = options.steps ?? 50;
  if (!existsSync(TIME)) return [`tiling: skipped (${TIME} is not installed; it measures the peak RSS)`];
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-tiling-'));
  try {
    const model = join(dir, 'tiny-cnn-64.onnx');
    await saveOnnxGraph(model, tinyCnn({ size: 64, seed: 1 }));
    await mkdir(join(dir, 'micrographs'));
    const files = [join(dir, 'micrographs', 'a-coarse.tif'), join(dir, 'micrographs', 'b-fine.tif')];
    for (const [i, file] of files.entries()) {
      const counts = syntheticMicrograph(size, 11 + i, i === 1);
      await writeFile(file, encodeUint16Tiff(counts, size, size));
      // The bench's own writer is checked by the reader it feeds: same shape, dtype and every value.
      const back = await readArrayFile(file);
      if (back.dtype !== 'uint16' || back.values.shape.slice(-2).join() !== `${size},${size}` || back.values.data.some((v, k) => v !== counts[k])) throw new Error(`${file}: the TIFF does not read back as written`);
    }
    await writeFile(join(dir, 'labels.npy'), encodeNpyArray(new Float32Array([0, 1]), [2]));
    const common = ['--model', model, '--normalise', 'minmax', '--tile', '--quiet', '--force'];
    const runs = [
      measure(`explain --tile saliency --png (${size}², 1 image)`, ['explain', ...common, '--input', files[0], '--method', 'saliency', '--png', '--out', join(dir, 'saliency')]),
      measure(`explain --tile integrated-gradients, ${steps} steps (${size}², 1 image)`, ['explain', ...common, '--input', files[0], '--method', 'integrated-gradients', '--steps', String(steps), '--out', join(dir, 'ig')]),
      measure(`audit --tile --max-tiles 64 (${size}², 2 images)`, ['audit', ...common, '--input', join(dir, 'micrographs'), '--labels', join(dir, 'labels.npy'), '--out', join(dir, 'audit')]),
    ];
    const rows = runs.map((m) => [m.label, `${m.seconds.toFixed(1)} s`, `${m.peakMb.toFixed(0)} MB`, m.peakMb <= 2048 ? 'yes' : 'NO']);
    return [
      `Whole micrographs: ${size}×${size} uint16 TIFF, tiny CNN 1×64×64, 64² tiles with overlap 0.25 (${Math.ceil((size - 64) / 48) + 1}² tiles per image); /usr/bin/time -v per command`,
      table(['command', 'wall time', 'peak RSS', '≤ 2 GB'], rows),
      ...runs.map((m) => `  ${m.label}: ${m.summary}`),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}


if (invokedDirectly(import.meta.url)) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { size: { type: 'string' }, steps: { type: 'string' } } });
  for (const line of await runTilingBench({ size: values.size ? Number(values.size) : undefined, steps: values.steps ? Number(values.steps) : undefined })) console.log(line);
}
