/**
 * Cascading model-parameter randomisation (Adebayo et al. 2018) on the tiny CNN (1×32×32): saliency
 * of 16 images at every cascade step, all parameter layers re-drawn top-down, cumulatively.
 * Four figures per thread count:
 * - "cascade loop": Model.withParameters + saliency per step, the same work as the PyTorch loop
 *   (bench/reference/torch_randomisation.py: copy the model, re-draw each layer in place with
 *   PyTorch's default initialiser, saliency per step) — the ratio compares these two;
 * - the same loop with a gradient graph and constant-weight session per re-drawn model (what
 *   withParameters did before its copies shared one weights-as-inputs session family);
 * - "randomisationTest": the whole check (src/evaluate/randomisation.ts, cascading mode): the loop
 *   plus the trained map, the trained-vs-trained baseline, the random-logit map and the per-step map
 *   comparisons (Spearman, SSIM, HOG distance, hotspots), which have no counterpart in the loop.
 * Called from run.ts (`--only randomisation`, or with `tiny`), or alone:
 *
 *   npm run build && node dist/bench/randomisation.js [--images 16] [--threads 1,2] [--repeats 5] [--no-torch]
 *
 * Each figure is the median of the timed runs after one warm-up run, on a fresh OnnxModel per thread
 * count (the warm-up creates its sessions, as a long-lived model would have them).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { saliency } from '../src/attribution/saliency.js';
import { writeNpy } from '../src/data/formats/npy.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { parameterLayersTopDown, randomisationTest } from '../src/evaluate/randomisation.js';
import { OnnxModel } from '../src/models/model.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { encodeModel } from '../src/onnx/proto.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { tensor } from '../src/tensor/tensor.js';
import { formatMs, median, table, timeRuns } from './stats.js';
import { FlopMeter } from './flop-meter.js';
import { peakRssMb, resetPeakRss } from './peak-rss.js';
import { gflopsPerSecond } from './results-table.js';
import { PYTHON, torchEnv, torchVersion } from './torch-reference.js';

export interface RandomisationBenchOptions {
  threads: readonly number[];
  repeats: number;
  /** Images explained at every step (default 16). */
  images?: number;
  torch?: boolean;
  log?: (line: string) => void;
}

interface TorchRandomisation {
  median_ms: number;
  runs: number[];
  steps: number;
  /** Peak resident set of the Python process (ru_maxrss), MB. */
  peak_rss_mb?: number;
}

/** The seed randomisationTest uses for its cascade (seed 0 + 101), shared with the PyTorch loop. */
const CASCADE_SEED = 101;

function torchScript(): string {
  const candidates = ['../../bench/reference/torch_randomisation.py', './reference/torch_randomisation.py'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`torch_randomisation.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

function runTorch(args: string[], threads: number, malloc: 'default' | 'tuned' = 'default'): Promise<TorchRandomisation> {
  const env = torchEnv(threads, malloc);
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [torchScript(), ...args, '--threads', `${threads}`], { env, maxBuffer: 16 << 20, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`PyTorch randomisation reference failed: ${stderr.trim().split('\n').slice(-3).join(' / ') || err.message}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as TorchRandomisation);
    });
  });
}

/**
 * What the PyTorch loop does: re-draw the layers top-down, cumulatively, and explain at every step.
 * `ownSessions`: each step's model gets its own gradient graph and ORT session with constant weights
 * (what withParameters did before copies shared a weights-as-inputs session family).
 */
async function cascadeLoop(model: OnnxModel, x: Tensor, targets: number[], ownSessions = false): Promise<Tensor[]> {
  const layers = parameterLayersTopDown(model);
  const maps: Tensor[] = [];
  for (let k = 0; k < layers.length; k++) {
    const names = layers.slice(0, k + 1).flatMap((l) => model.parameters.filter((p) => p.layer === l).map((p) => p.name));
    const copy = model.withParameters({ kind: 'reinitialise', parameters: names, seed: CASCADE_SEED });
    const random = ownSessions ? new OnnxModel(copy.graph) : copy;
    try {
      maps.push((await saliency.attribute(random, x, { target: targets })).values);
    } finally {
      await random.dispose();
    }
  }
  return maps;
}

/** Runs the benchmark; returns the lines of its report. */
export async function runRandomisationBench(o: RandomisationBenchOptions): Promise<string[]> {
  const images = o.images ?? 16;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const graph = tinyCnn({ seed: 11 });
  const classes = 2;
  const rng = new Random(12);
  const x = tensor([images, 1, 32, 32], Float32Array.from({ length: images * 32 * 32 }, () => rng.next()));
  const targets = Array.from({ length: images }, (_, i) => i % classes);
  const steps = parameterLayersTopDown(new OnnxModel(graph)).length;
  const label = `tiny CNN cascading randomisation, saliency, ${images} img × ${steps} layers`;
  const torch = o.torch === false ? undefined : torchVersion();

  const dir = await mkdtemp(join(tmpdir(), 'trustscope-bench-randomisation-'));
  const rows: string[][] = [];
  try {
    const paths = { model: join(dir, 'tiny.onnx'), x: join(dir, 'x.npy'), t: join(dir, 't.npy') };
    await writeFileAtomic(paths.model, encodeModel(graph));
    await writeNpy(paths.x, x);
    await writeNpy(paths.t, tensor([images], targets));
    for (const threads of o.threads) {
      configureRuntime({ threads });
      // Peak RSS of the cascade loop: VmHWM reset first (it still counts what the process held then).
      const rssFromHere = resetPeakRss();
      const meter = new FlopMeter();
      const model = new OnnxModel(graph);
      const metered = meter.wrap(model);
      const loop = await timeRuns(() => {
        meter.reset();
        return cascadeLoop(metered, x, targets);
      }, 1, o.repeats);
      const loopPeakMb = rssFromHere ? peakRssMb() : NaN;
      const flops = meter.flops().total;
      const loopMs = median(loop.runs);
      log(`  ${label}, ${threads} thread(s): trustscope cascade loop ${formatMs(loopMs)} [${loop.runs.map(formatMs).join(', ')}]`);
      const own = await timeRuns(() => cascadeLoop(model, x, targets, true), 1, o.repeats);
      const ownMs = median(own.runs);
      log(`  ${label}, ${threads} thread(s): trustscope cascade loop, a session per step ${formatMs(ownMs)} [${own.runs.map(formatMs).join(', ')}]`);
      const full = await timeRuns(() => randomisationTest(model, saliency, x, { modes: ['cascading'], target: targets }), 1, o.repeats);
      const fullMs = median(full.runs);
      log(`  ${label}, ${threads} thread(s): trustscope randomisationTest ${formatMs(fullMs)} [${full.runs.map(formatMs).join(', ')}]`);
      await model.dispose();
      let torchMs: number | undefined;
      let torchPeakMb: number | undefined;
      let tunedMs: number | undefined;
      let tunedPeakMb: number | undefined;
      if (torch) {
        const args = ['--model', paths.model, '--input', paths.x, '--targets', paths.t, '--repeats', `${o.repeats}`, '--warmup', '1', '--seed', `${CASCADE_SEED}`];
        const r = await runTorch(args, threads);
        if (r.steps !== steps) throw new Error(`PyTorch randomisation reference re-drew ${r.steps} layers, trustscope ${steps}`);
        torchMs = r.median_ms;
        torchPeakMb = r.peak_rss_mb;
        log(`  ${label}, ${threads} thread(s): PyTorch loop ${formatMs(torchMs)} [${r.runs.map(formatMs).join(', ')}]`);
        const tuned = await runTorch(args, threads, 'tuned');
        [tunedMs, tunedPeakMb] = [tuned.median_ms, tuned.peak_rss_mb];
        log(`  ${label}, ${threads} thread(s): PyTorch loop, no-mmap malloc ${formatMs(tunedMs)} [${tuned.runs.map(formatMs).join(', ')}]`);
      }
      const ms = (v?: number) => (v === undefined ? '—' : formatMs(v));
      const gflops = (v?: number) => (v === undefined ? '—' : gflopsPerSecond(flops, v).toFixed(2));
      const mb = (v?: number) => (v === undefined || !Number.isFinite(v) ? '—' : `${Math.round(v)} MB`);
      rows.push([
        label,
        `${threads}`,
        formatMs(loopMs),
        formatMs(ownMs),
        formatMs(fullMs),
        ms(torchMs),
        torchMs === undefined ? '—' : `${(torchMs / loopMs).toFixed(2)}×`,
        ms(tunedMs),
        tunedMs === undefined ? '—' : `${(tunedMs / loopMs).toFixed(2)}×`,
        (flops / 1e9).toFixed(3),
        gflops(loopMs),
        gflops(tunedMs),
        mb(loopPeakMb),
        torchPeakMb === undefined ? '—' : `${mb(torchPeakMb)} / ${mb(tunedPeakMb)}`,
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const header = ['workload', 'threads', 'trustscope cascade loop', 'same, a session per step', 'trustscope randomisationTest', 'PyTorch loop', 'ratio'];
  const lines = [table([...header, 'PyTorch loop, no-mmap malloc', 'ratio', 'GFLOP/run', 'trustscope GFLOP/s', 'PyTorch no-mmap GFLOP/s', 'trustscope peak RSS', 'PyTorch peak RSS (default / no-mmap)'], rows)];
  lines.push('ratio = PyTorch loop ms / trustscope cascade loop ms (> 1: trustscope is faster); both re-draw every layer top-down and');
  lines.push('compute the saliency maps at every step. "a session per step": each re-drawn model with its own gradient graph and constant-weight');
  lines.push('ORT session (withParameters before copies shared one weights-as-inputs session). randomisationTest adds the trained, baseline');
  lines.push('and random-logit maps and the map comparisons (Spearman, SSIM, HOG, hotspots).');
  lines.push('GFLOP/s and peak RSS are the cascade loop\'s (the gradient graphs it calls, src/onnx/flops.ts); trustscope\'s peak RSS is the');
  lines.push('bench process\'s from just before the loop (VmHWM reset there), so it includes what the process already held.');
  if (!torch) lines.push(`PyTorch reference: ${o.torch === false ? 'skipped' : `not available at ${PYTHON}`}`);
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '16' },
      threads: { type: 'string', default: '1,2' },
      repeats: { type: 'string', default: '5' },
      'no-torch': { type: 'boolean', default: false },
    },
  });
  const threads = values.threads.split(',').map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('--threads takes a list such as 1,2');
  const images = Number(values.images);
  const repeats = Number(values.repeats);
  if (!Number.isInteger(images) || images < 1) throw new Error('--images must be a positive integer');
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive integer');
  const lines = await runRandomisationBench({ threads, repeats, images, torch: !values['no-torch'] });
  console.log(lines.join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(`bench randomisation: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
