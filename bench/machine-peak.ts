/**
 * This machine's fp32 peak, measured once per benchmark run: the best GFLOP/s ONNX Runtime reaches
 * on a large SGEMM (1024³ MatMul) and on a large 3×3 convolution (64 → 64 channels, 56², batch 8),
 * at each thread count. Both are the compute-bound kernels the models spend their time in, so
 * "% of peak" beside a row says how far that row is from the best this machine and this engine
 * can do. The best of many short runs, not the median: on a shared machine other jobs only ever
 * slow a run down, so the fastest run is the closest to the quiet machine; and one core's rate per
 * CPU second (which other jobs do not dilute) times the thread count bounds it from below.
 *
 *   npm run build && node dist/bench/machine-peak.js [--threads 1,2]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { GraphEditor } from '../src/onnx/editor.js';
import { attr, floatTensorValue, type Graph } from '../src/onnx/graph.js';
import { countFlops } from '../src/onnx/flops.js';
import { createSession } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { tensor } from '../src/tensor/tensor.js';
import { invokedDirectly } from '../src/io/invoked-directly.js';

export interface PeakMeasurement {
  threads: number;
  /** Best GFLOP/s (wall clock) of the SGEMM and of the convolution at this thread count. */
  matmul: number;
  conv: number;
  /** One core's best rate per CPU second (either kernel at 1 thread). */
  perCore: number;
  /** max(matmul, conv, threads × perCore): the denominator of "% of peak". */
  peak: number;
}

function randomValues(n: number, rng: Random): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

function matmulGraph(size: number, rng: Random): Graph {
  const e = new GraphEditor('peak-matmul');
  const a = e.input('a', ['N', size]);
  const b = e.initializer('b', floatTensorValue([size, size], randomValues(size * size, rng)));
  e.output(e.op('MatMul', [a, b], {}, 'c'));
  return e.build();
}

function convGraph(channels: number, rng: Random): Graph {
  const e = new GraphEditor('peak-conv');
  const x = e.input('x', ['N', channels, 56, 56]);
  const w = e.initializer('w', floatTensorValue([channels, channels, 3, 3], randomValues(channels * channels * 9, rng)));
  e.output(e.op('Conv', [x, w], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }, 'y'));
  return e.build();
}

/**
 * Best GFLOP/s of `graph` over runs lasting about `seconds` in all (after 2 warm-ups): per wall
 * second, and per CPU second of the process (all threads). On a loaded machine every run is
 * preempted now and then, so the wall figure drops; CPU time only counts while the kernel runs.
 */
async function bestRates(graph: Graph, inputShape: number[], threads: number, seconds: number, rng: Random): Promise<{ wall: number; cpu: number }> {
  const flops = countFlops(graph, { batch: inputShape[0] }).total;
  const session = await createSession(graph, { threads });
  const x = tensor(inputShape, randomValues(inputShape.reduce((p, d) => p * d, 1), rng));
  const feeds = { [graph.inputs[0].name]: x };
  try {
    for (let i = 0; i < 2; i++) await session.run(feeds);
    let wall = Infinity;
    let cpu = Infinity;
    const until = performance.now() + seconds * 1000;
    for (let i = 0; i < 5 || performance.now() < until; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await session.run(feeds);
      wall = Math.min(wall, performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu = Math.min(cpu, (c.user + c.system) / 1000);
    }
    return { wall: flops / (wall / 1000) / 1e9, cpu: flops / (cpu / 1000) / 1e9 };
  } finally {
    await session.release();
  }
}

/**
 * The peak at each thread count: the best wall-clock rate of either kernel at that count, or the
 * count × one core's rate (either kernel at 1 thread, per CPU second), whichever is higher. The
 * per-core figure does not depend on other jobs, so the peak stays meaningful on a busy machine;
 * about 2 × `seconds` per thread count, plus 2 × `seconds` for the 1-thread CPU-time measurement.
 */
export async function measureMachinePeak(threadCounts: readonly number[], seconds = 1.5): Promise<PeakMeasurement[]> {
  const rng = new Random(17);
  const mm = matmulGraph(1024, rng);
  const conv = convGraph(64, rng);
  const measured = new Map<number, { matmul: { wall: number; cpu: number }; conv: { wall: number; cpu: number } }>();
  for (const threads of new Set([1, ...threadCounts])) {
    measured.set(threads, { matmul: await bestRates(mm, [1024, 1024], threads, seconds, rng), conv: await bestRates(conv, [8, 64, 56, 56], threads, seconds, rng) });
  }
  const single = measured.get(1)!;
  const perCore = Math.max(single.matmul.cpu, single.conv.cpu);
  return threadCounts.map((threads) => {
    const m = measured.get(threads)!;
    return { threads, matmul: m.matmul.wall, conv: m.conv.wall, perCore, peak: Math.max(m.matmul.wall, m.conv.wall, threads * perCore) };
  });
}

/** The CPU's nominal figures for the header: model, clock, widest FMA and what one FMA unit per core gives. */
export function cpuDescription(): string {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux: the measured peak still stands.
  }
  const flags = ` ${/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? ''} `;
  // os.cpus() reports speed 0 inside some VMs; /proc/cpuinfo still has the nominal clock.
  const ghz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(info)?.[1] ?? (cpus()[0]?.speed || NaN)) / 1000;
  // fp32 FLOPs per cycle of one FMA unit: lanes × 2 (multiply and add).
  const [isa, perCycle] = flags.includes(' avx512f ') ? ['AVX-512 FMA', 32] : flags.includes(' fma ') ? ['AVX2 FMA', 16] : ['no FMA', 8];
  const c = cpus();
  const nominal = Number.isFinite(ghz) ? `, ${(ghz * perCycle).toFixed(1)} GFLOP/s per core per FMA unit` : '';
  return `${c.length} cores, ${c[0]?.model ?? '?'} at ${Number.isFinite(ghz) ? ghz.toFixed(2) : '?'} GHz, ${isa}${nominal}`;
}

export function peakLines(peaks: readonly PeakMeasurement[]): string[] {
  return [
    `machine fp32 peak (ORT, best run: 1024³ MatMul / 3×3 conv 64→64 at 56², batch 8; ${cpuDescription()}):`,
    ...peaks.map((p) => `  ${p.threads} thread(s): MatMul ${p.matmul.toFixed(1)} GFLOP/s, conv ${p.conv.toFixed(1)} GFLOP/s (wall); one core ${p.perCore.toFixed(1)} GFLOP/s per CPU second → peak ${p.peak.toFixed(1)} GFLOP/s`),
  ];
}

if (invokedDirectly(import.meta.url)) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { threads: { type: 'string', default: '1,2' } } });
  for (const line of peakLines(await measureMachinePeak(values.threads.split(',').map(Number)))) console.log(line);
}
