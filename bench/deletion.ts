/**
 * Deletion/insertion curves on the VGG-style net (3×224×224): trustscope's batched metric against a
 * plain PyTorch loop on the same weights, inputs, maps and targets (bench/reference/torch_deletion.py),
 * each also timed with one model call per perturbed image (what Quantus's pixel flipping does), to
 * show what batching buys. Called from run.ts (`--only deletion`), or alone:
 *
 *   npm run build && node dist/bench/deletion.js [--images 2] [--steps 20] [--threads 1,2] [--repeats 3] [--no-torch] [--no-loop]
 *
 * Maps: trustscope's saliency of each image's target (row % classes), computed once, untimed.
 * Each figure is the median of the timed runs after one warm-up run; the one-call-per-image
 * variants run once (they are slow, and the point is the order of magnitude). The run checks that
 * both sides' curves agree (max |Δ| of probabilities).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { saliency } from '../src/attribution/saliency.js';
import { readNpy, writeNpy } from '../src/data/formats/npy.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { deletionInsertionCurves } from '../src/evaluate/deletion-curves.js';
import type { DeletionCurveResult } from '../src/evaluate/deletion-curves.js';
import { OnnxModel } from '../src/models/model.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { encodeModel } from '../src/onnx/proto.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { tensor } from '../src/tensor/tensor.js';
import { formatMs, median, table, timeRuns } from './stats.js';
import { PYTHON, torchEnv, torchVersion } from './torch-reference.js';
import { FlopMeter } from './flop-meter.js';
import { peakRssMb, resetPeakRss } from './peak-rss.js';
import { gflopsPerSecond } from './results-table.js';

export interface DeletionBenchOptions {
  threads: readonly number[];
  repeats: number;
  /** Images (default 2). */
  images?: number;
  /** Curve steps (default 20: 2 curves × 21 points × images forward rows). */
  steps?: number;
  /** Rows per model call on both sides (default 32). */
  chunk?: number;
  torch?: boolean;
  /** Also time one model call per perturbed image (default true). */
  loop?: boolean;
  log?: (line: string) => void;
}

interface TorchDeletion {
  median_ms: number;
  runs: number[];
  /** Peak resident set of the Python process (ru_maxrss), MB. */
  peak_rss_mb?: number;
}

function torchScript(): string {
  const candidates = ['../../bench/reference/torch_deletion.py', './reference/torch_deletion.py'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`torch_deletion.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

function runTorch(args: string[], threads: number, malloc: 'default' | 'tuned' = 'default'): Promise<TorchDeletion> {
  const env = torchEnv(threads, malloc);
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [torchScript(), ...args, '--threads', `${threads}`], { env, maxBuffer: 16 << 20, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`PyTorch deletion reference failed: ${stderr.trim().split('\n').slice(-3).join(' / ') || err.message}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as TorchDeletion);
    });
  });
}

/** Runs the benchmark; returns the lines of its report (table and agreement). */
export async function runDeletionBench(o: DeletionBenchOptions): Promise<string[]> {
  const images = o.images ?? 2;
  const steps = o.steps ?? 20;
  const chunk = o.chunk ?? 32;
  const loop = o.loop ?? true;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const graph = vggStyle();
  const classes = 10;
  const rng = new Random(5);
  const x = tensor([images, 3, 224, 224], Float32Array.from({ length: images * 3 * 224 * 224 }, () => rng.next()));
  const targets = Array.from({ length: images }, (_, i) => i % classes);
  const rowsPerRun = images * 2 * (steps + 1);
  const label = `VGG-style deletion+insertion, ${images} img × ${steps + 1} points × 2 curves (${rowsPerRun} forwards)`;
  const torch = o.torch === false ? undefined : torchVersion();

  const dir = await mkdtemp(join(tmpdir(), 'trustscope-bench-deletion-'));
  const lines: string[] = [];
  const rows: string[][] = [];
  try {
    const modelPath = join(dir, 'vgg.onnx');
    await writeFileAtomic(modelPath, encodeModel(graph));
    const maps = (await saliency.attribute(new OnnxModel(graph, { internalBatchSize: chunk }), x, { target: targets })).values;
    const paths = { x: join(dir, 'x.npy'), a: join(dir, 'a.npy'), t: join(dir, 't.npy'), curves: join(dir, 'curves.npy') };
    await writeNpy(paths.x, x);
    await writeNpy(paths.a, maps);
    await writeNpy(paths.t, tensor([images], targets));
    const common = ['--model', modelPath, '--input', paths.x, '--attribution', paths.a, '--targets', paths.t, '--steps', `${steps}`, '--chunk', `${chunk}`];

    let ours: DeletionCurveResult | undefined;
    for (const [ti, threads] of o.threads.entries()) {
      configureRuntime({ threads });
      // Peak RSS of this part of the run: reset VmHWM first (it still counts what the process held then).
      const rssFromHere = resetPeakRss();
      const meter = new FlopMeter();
      const own = new OnnxModel(graph, { internalBatchSize: chunk });
      const model = meter.wrap(own);
      const run = () => {
        meter.reset();
        return deletionInsertionCurves(model, x, maps, { target: targets, steps });
      };
      const timed = await timeRuns(run, 1, o.repeats);
      ours = timed.last;
      const oursPeakMb = rssFromHere ? peakRssMb() : NaN;
      const flops = meter.flops().total;
      await own.dispose();
      const oursMs = median(timed.runs);
      log(`  ${label}, ${threads} thread(s): trustscope ${formatMs(oursMs)} [${timed.runs.map(formatMs).join(', ')}]`);
      let oursLoopMs: number | undefined;
      if (loop) {
        const single = new OnnxModel(graph, { internalBatchSize: 1 });
        oursLoopMs = (await timeRuns(() => deletionInsertionCurves(single, x, maps, { target: targets, steps }), 1, 1)).runs[0];
        await single.dispose();
        log(`  ${label}, ${threads} thread(s): trustscope, 1 row per call ${formatMs(oursLoopMs)}`);
      }
      let torchMs: number | undefined;
      let torchPeakMb: number | undefined;
      let tunedMs: number | undefined;
      let tunedPeakMb: number | undefined;
      let torchLoopMs: number | undefined;
      if (torch) {
        const save = ti === 0 ? ['--save', paths.curves] : [];
        const r = await runTorch([...common, '--repeats', `${o.repeats}`, '--warmup', '1', '--mode', 'batched', ...save], threads);
        torchMs = r.median_ms;
        torchPeakMb = r.peak_rss_mb;
        log(`  ${label}, ${threads} thread(s): PyTorch batched ${formatMs(torchMs)} [${r.runs.map(formatMs).join(', ')}]`);
        const tuned = await runTorch([...common, '--repeats', `${o.repeats}`, '--warmup', '1', '--mode', 'batched'], threads, 'tuned');
        [tunedMs, tunedPeakMb] = [tuned.median_ms, tuned.peak_rss_mb];
        log(`  ${label}, ${threads} thread(s): PyTorch batched, no-mmap malloc ${formatMs(tunedMs)} [${tuned.runs.map(formatMs).join(', ')}]`);
        if (loop) {
          torchLoopMs = (await runTorch([...common, '--repeats', '1', '--warmup', '1', '--mode', 'loop'], threads)).median_ms;
          log(`  ${label}, ${threads} thread(s): PyTorch, 1 row per call ${formatMs(torchLoopMs)}`);
        }
      }
      const ms = (v?: number) => (v === undefined ? '—' : formatMs(v));
      const gflops = (v?: number) => (v === undefined ? '—' : gflopsPerSecond(flops, v).toFixed(1));
      const mb = (v?: number) => (v === undefined || !Number.isFinite(v) ? '—' : `${Math.round(v)} MB`);
      rows.push([
        label,
        `${threads}`,
        formatMs(oursMs),
        ms(oursLoopMs),
        ms(torchMs),
        ms(torchLoopMs),
        torchMs === undefined ? '—' : `${(torchMs / oursMs).toFixed(2)}×`,
        ms(tunedMs),
        tunedMs === undefined ? '—' : `${(tunedMs / oursMs).toFixed(2)}×`,
        (flops / 1e9).toFixed(1),
        gflops(oursMs),
        gflops(tunedMs),
        mb(oursPeakMb),
        torchPeakMb === undefined ? '—' : `${mb(torchPeakMb)} / ${mb(tunedPeakMb)}`,
      ]);
    }
    const header = ['workload', 'threads', 'trustscope', 'trustscope, 1 row/call', 'PyTorch', 'PyTorch, 1 row/call', 'ratio', 'PyTorch, no-mmap malloc', 'ratio'];
    header.push('GFLOP/run', 'trustscope GFLOP/s', 'PyTorch no-mmap GFLOP/s', 'trustscope peak RSS', 'PyTorch peak RSS (default / no-mmap)');
    lines.push(table(header, rows));
    lines.push('ratio = PyTorch ms / trustscope ms, both batched (> 1: trustscope is faster). "1 row/call": one forward per perturbed image, as Quantus.');
    lines.push('"no-mmap malloc": PyTorch with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1e12 (see the main table).');
    lines.push('GFLOP/s: the forward passes one batched run calls (src/onnx/flops.ts). Peak RSS: PyTorch its own process; trustscope the');
    lines.push('bench process from just before its batched runs (VmHWM reset there), so it includes what the process already held.');
    if (torch && ours) {
      const theirs = await readNpy(paths.curves);
      let worst = 0;
      for (let i = 0; i < images; i++)
        for (const [k, curve] of [ours.deletion!, ours.insertion!].entries())
          curve.curves[i].forEach((v, s) => (worst = Math.max(worst, Math.abs(v - theirs.data[(i * 2 + k) * (steps + 1) + s]))));
      const ok = worst < 1e-3;
      lines.push(`agreement with PyTorch: max |Δ probability| over all curve points = ${worst.toExponential(2)}  ${ok ? 'ok' : 'DISAGREE (≥ 1e-3)'}`);
      if (!ok) process.exitCode = 1;
    } else if (!torch) lines.push(`PyTorch reference: ${o.torch === false ? 'skipped' : `not available at ${PYTHON}`}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '2' },
      steps: { type: 'string', default: '20' },
      threads: { type: 'string', default: '1,2' },
      repeats: { type: 'string', default: '3' },
      'no-torch': { type: 'boolean', default: false },
      'no-loop': { type: 'boolean', default: false },
    },
  });
  const threads = values.threads.split(',').map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('--threads takes a list such as 1,2');
  const lines = await runDeletionBench({
    threads,
    repeats: Number(values.repeats),
    images: Number(values.images),
    steps: Number(values.steps),
    torch: !values['no-torch'],
    loop: !values['no-loop'],
  });
  console.log(lines.join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(`bench deletion: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
