/**
 * Scale (issue 20): one machine's cores and a Redis job queue, measured with the commands a user runs.
 *
 * 1. Local pool: `explain --workers W` (integrated gradients, 32 steps, on the 32² tiny CNN of the
 *    zoo) at W = 1, 2, …: images/s, speedup and efficiency against the ideal (W× the 1-worker rate,
 *    at most the cores), and the peak resident memory of the whole process, so one more worker costs
 *    the difference between rows.
 * 2. Queue: ≥ 20,000 small tiles (1×16×16, saliency) through a throw-away redis-server and two
 *    `trustscope worker --threads 1` processes, one tile per job (the worst case for overhead) and 64
 *    per job, against the local pool with two workers on the same tiles. Queue overhead per job is
 *    (queue wall time − pool wall time) / jobs: what the queue adds to each job, both workers busy.
 *
 *   npm run build && node dist/bench/scale.js [--images 64] [--workers 1,2] [--tiles 20000]
 *   (also: npm run bench -- --only scale)
 *
 * Every command runs in its own process under /usr/bin/time -v (peak RSS is that command's alone).
 */
import { invokedDirectly } from '../src/io/invoked-directly.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/data/formats/npy.js';
import { saveOnnxGraph } from '../src/models/import/onnx-file.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { startLocalRedis } from '../src/scale/local-redis.js';
import { Random } from '../src/tensor/random.js';
import { tensor } from '../src/tensor/tensor.js';
import { table } from './stats.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const TIME = '/usr/bin/time';

export interface ScaleBenchOptions {
  images?: number;
  workers?: number[];
  tiles?: number;
}

function noise(shape: number[], seed: number) {
  const rng = new Random(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return tensor(shape, data);
}

/** Runs one trustscope command under /usr/bin/time -v: wall seconds and peak RSS (MB). */
function timed(args: string[]): { seconds: number; peakMb: number; stdout: string } {
  const started = performance.now();
  const r = spawnSync(TIME, ['-v', process.execPath, MAIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`trustscope ${args.join(' ')} failed: ${r.stderr.split('\n').find((l) => l.startsWith('trustscope')) ?? r.stderr.slice(0, 400)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { seconds, peakMb: kb / 1024, stdout: r.stdout.trim() };
}

/** The compute time the command reports itself ("… in 1.23 s"), without process start-up. */
function reported(stdout: string): number {
  return Number(/ in ([\d.]+) s/.exec(stdout)?.[1] ?? NaN);
}

function worker(url: string): ChildProcess {
  return spawn(process.execPath, [MAIN, 'worker', '--queue', url, '--threads', '1', '--quiet'], { stdio: 'ignore' });
}

export async function runScaleBench(options: ScaleBenchOptions = {}): Promise<string[]> {
  const images = options.images ?? 64;
  const workerCounts = options.workers ?? [1, 2];
  const tiles = options.tiles ?? 20_000;
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-scale-bench-'));
  const lines: string[] = [];
  try {
    // 1. The local pool.
    await saveOnnxGraph(join(dir, 'cnn32.onnx'), tinyCnn({ size: 32, seed: 1 }));
    await writeNpy(join(dir, 'images.npy'), noise([images, 1, 32, 32], 2));
    const rows: string[][] = [];
    let base = NaN;
    for (const w of workerCounts) {
      const m = timed(['explain', '--model', join(dir, 'cnn32.onnx'), '--input', join(dir, 'images.npy'), '--method', 'integrated-gradients', '--steps', '32', '--workers', String(w), '--quiet', '--out', join(dir, `pool${w}`)]);
      const seconds = reported(m.stdout);
      const rate = images / seconds;
      if (w === workerCounts[0]) base = rate / w;
      const speedup = rate / base;
      const ideal = Math.min(w, availableParallelism());
      rows.push([String(w), `${seconds.toFixed(2)} s`, rate.toFixed(1), `${speedup.toFixed(2)}×`, `${((100 * speedup) / ideal).toFixed(0)}%`, m.peakMb.toFixed(0)]);
    }
    lines.push(`Local pool: ${images} images 1×32×32, integrated gradients (32 steps), tiny CNN; ${availableParallelism()} cores; compute time as the command reports it (process start-up excluded)`);
    lines.push(table(['workers', 'time', 'images/s', 'speedup', 'efficiency', 'peak RSS MB'], rows));

    // 2. The queue against the pool on ≥ 20,000 small tiles.
    await saveOnnxGraph(join(dir, 'cnn16.onnx'), tinyCnn({ size: 16, seed: 1 }));
    await writeNpy(join(dir, 'tiles.npy'), noise([tiles, 1, 16, 16], 3));
    const common = ['explain', '--model', join(dir, 'cnn16.onnx'), '--input', join(dir, 'tiles.npy'), '--method', 'saliency', '--quiet'];
    const pool = timed([...common, '--workers', '2', '--out', join(dir, 'tiles-pool')]);
    const poolSeconds = reported(pool.stdout);
    const queueRows: string[][] = [['local pool, 2 workers', '—', poolSeconds.toFixed(2), (tiles / poolSeconds).toFixed(0), '—']];
    for (const size of [1, 64]) {
      const redis = await startLocalRedis();
      const workers = [worker(redis.url), worker(redis.url)];
      try {
        const q = timed([...common, '--queue', redis.url, '--job-size', String(size), '--out', join(dir, `tiles-queue${size}`)]);
        const seconds = reported(q.stdout);
        const jobs = Math.ceil(tiles / size);
        const overheadMs = ((seconds - poolSeconds) * 1000) / jobs;
        queueRows.push([`queue, 2 worker processes`, String(size), seconds.toFixed(2), (tiles / seconds).toFixed(0), overheadMs.toFixed(2)]);
      } finally {
        for (const w of workers) w.kill('SIGKILL');
        await redis.stop();
      }
    }
    lines.push(`\nQueue: ${tiles} tiles 1×16×16, saliency, tiny CNN; Redis ${spawnSync('/usr/bin/redis-server', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[2] ?? ''} on 127.0.0.1 (same machine); overhead per job = (queue time − pool time) / jobs; target < 5 ms`);
    lines.push(table(['run', 'tiles/job', 'seconds', 'tiles/s', 'overhead ms/job'], queueRows));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}

if (invokedDirectly(import.meta.url)) {
  const { values } = parseArgs({ options: { images: { type: 'string' }, workers: { type: 'string' }, tiles: { type: 'string' } } });
  runScaleBench({
    ...(values.images ? { images: Number(values.images) } : {}),
    ...(values.workers ? { workers: values.workers.split(',').map(Number) } : {}),
    ...(values.tiles ? { tiles: Number(values.tiles) } : {}),
  }).then(
    (lines) => lines.forEach((l) => console.log(l)),
    (e) => {
      console.error(`bench/scale: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
