/**
 * Where SmoothGrad's time goes, on the benchmark's two workloads (tiny CNN: 64 images × 5 copies at
 * 1×32×32, chunk 320; VGG-style: 4 images × 5 copies at 3×224×224, chunk 20): the whole
 * smoothGrad.attribute call against its parts — the model's vjp on the same noisy rows (ONNX Runtime:
 * the part no JavaScript change can remove), drawing the noise (x + noise, Random.normalAround)
 * and the per-pixel |g| and combination. On a shared machine wall time says little, so every figure
 * is process CPU time (ORT's threads included), median of the runs, with wall time beside it.
 *
 * With --torch, the same workload in bench/reference/torch_reference.py (PyTorch, tuned malloc, same
 * weights, inputs, targets, chunk and thread count): its CPU time per run is the difference of two
 * processes under /usr/bin/time, one with 1 timed run and one with 1 + repeats (both with one
 * warm-up), divided by repeats, so Python's start and the model's load cancel out.
 *
 *   npm run build && nice -n 10 node dist/bench/smoothgrad-breakdown.js [--models tiny,vgg] [--threads 1] [--repeats 5] [--torch]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/data/formats/npy.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { encodeModel } from '../src/onnx/proto.js';
import { PYTHON, scriptPath, torchVersion, TUNED_MALLOC_ENV } from './torch-reference.js';
import { smoothGrad } from '../src/attribution/noise-tunnel.js';
import { OnnxModel } from '../src/models/model.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { tensor } from '../src/tensor/tensor.js';
import { formatMs, median, table } from './stats.js';

interface Measured {
  cpuMs: number;
  wallMs: number;
}

async function measured(f: () => Promise<unknown> | unknown): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

/** One warm-up, then `repeats` runs; the medians of CPU and wall time. */
async function medianOf(f: () => Promise<unknown> | unknown, repeats: number): Promise<Measured> {
  await f();
  const runs: Measured[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await measured(f));
  return { cpuMs: median(runs.map((r) => r.cpuMs)), wallMs: median(runs.map((r) => r.wallMs)) };
}

/** User + system seconds of one torch_reference.py process (GNU time's %U %S), in ms. */
function torchProcessCpuMs(args: string[], threads: number): number {
  const env = { ...process.env, ...TUNED_MALLOC_ENV, OMP_NUM_THREADS: `${threads}`, MKL_NUM_THREADS: `${threads}` };
  const r = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', PYTHON, scriptPath(), ...args], { env, encoding: 'utf8', timeout: 30 * 60_000 });
  const line = r.stderr.trim().split('\n').pop() ?? '';
  const m = /^cpu ([\d.]+) ([\d.]+)$/.exec(line);
  if (r.status !== 0 || !m) throw new Error(`torch_reference.py failed: ${line}`);
  return (Number(m[1]) + Number(m[2])) * 1000;
}

const WORKLOADS = {
  tiny: { graph: () => tinyCnn(), images: 64, channels: 1, size: 32, classes: 2, chunk: 320 },
  vgg: { graph: () => vggStyle(), images: 4, channels: 3, size: 224, classes: 10, chunk: 20 },
} as const;

export async function runSmoothGradBreakdown(o: { models?: readonly (keyof typeof WORKLOADS)[]; threads?: number; repeats?: number; torch?: boolean } = {}): Promise<string[]> {
  const samples = 5;
  const sigma = 0.15;
  const repeats = o.repeats ?? 5;
  configureRuntime({ threads: o.threads ?? 1 });
  const rows: string[][] = [];
  for (const name of o.models ?? ['tiny', 'vgg']) {
    const w = WORKLOADS[name];
    const d = w.channels * w.size * w.size;
    const rng = new Random(7);
    const x = tensor([w.images, w.channels, w.size, w.size], Float32Array.from({ length: w.images * d }, () => rng.next()));
    const targets = Array.from({ length: w.images }, (_, i) => i % w.classes);
    const model = new OnnxModel(w.graph(), { internalBatchSize: w.chunk });
    const rowsTotal = w.images * samples;
    const noisy = new Float32Array(rowsTotal * d);
    const drawNoise = () => {
      const r = new Random(1);
      for (let i = 0; i < w.images; i++) r.normalAround(noisy, i * samples * d, (i + 1) * samples * d, sigma, x.data, i * d, d);
    };
    drawNoise();
    const cot = new Float32Array(rowsTotal * w.classes);
    for (let r = 0; r < rowsTotal; r++) cot[r * w.classes + targets[Math.floor(r / samples)]] = 1;
    const { inputGrad } = await model.vjp(tensor([rowsTotal, w.channels, w.size, w.size], noisy), tensor([rowsTotal, w.classes], cot));
    const combine = () => {
      const out = new Float32Array(w.images * d);
      const sum = new Float64Array(d);
      for (let i = 0; i < w.images; i++) {
        sum.fill(0);
        for (let s = 0; s < samples; s++) {
          const row = (i * samples + s) * d;
          for (let j = 0; j < d; j++) sum[j] += Math.abs(inputGrad.data[row + j]);
        }
        for (let j = 0; j < d; j++) out[i * d + j] = sum[j] / samples;
      }
      return out;
    };
    const total = await medianOf(() => smoothGrad.attribute(model, x, { target: targets, ntSamples: samples, stdevs: sigma, seed: 1 }), repeats);
    const vjp = await medianOf(() => model.vjp(tensor([rowsTotal, w.channels, w.size, w.size], noisy), tensor([rowsTotal, w.classes], cot)), repeats);
    const noise = await medianOf(drawNoise, repeats);
    const abs = await medianOf(combine, repeats);
    await model.dispose();
    const cell = (m: Measured) => `${formatMs(m.cpuMs)} (${formatMs(m.wallMs)})`;
    const rest = { cpuMs: total.cpuMs - vjp.cpuMs, wallMs: total.wallMs - vjp.wallMs };
    const row = [`${name} ${w.images} img × ${samples}`, cell(total), cell(vjp), cell(noise), cell(abs), cell(rest), `${((100 * rest.cpuMs) / total.cpuMs).toFixed(0)}%`];
    if (o.torch) {
      const dir = mkdtempSync(join(tmpdir(), 'trustscope-sg-'));
      try {
        await writeFileAtomic(join(dir, 'model.onnx'), encodeModel(w.graph()));
        await writeNpy(join(dir, 'x.npy'), x);
        await writeNpy(join(dir, 't.npy'), tensor([w.images], targets));
        const args = (timed: number) => [
          ...['--model', join(dir, 'model.onnx'), '--input', join(dir, 'x.npy'), '--targets', join(dir, 't.npy'), '--batch', `${w.images}`, '--size', `${w.size}`],
          ...['--method', 'smoothgrad', '--samples', `${samples}`, '--stdev', `${sigma}`, '--chunk', `${w.chunk}`, '--threads', `${o.threads ?? 1}`, '--warmup', '1', '--repeats', `${timed}`],
        ];
        const torchMs = (torchProcessCpuMs(args(1 + repeats), o.threads ?? 1) - torchProcessCpuMs(args(1), o.threads ?? 1)) / repeats;
        row.push(formatMs(torchMs), `${(torchMs / total.cpuMs).toFixed(2)}×`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rows.push(row);
  }
  const torchColumns = o.torch ? ['PyTorch tuned, CPU per run', 'CPU ratio'] : [];
  return [
    `SmoothGrad time by part, ORT threads ${o.threads ?? 1}; process CPU (wall), median of ${repeats}${o.torch ? `; PyTorch: torch ${torchVersion() ?? '?'}, same threads` : ''}:`,
    table(['workload', 'smoothGrad.attribute', 'model.vjp alone', 'noise', '|g| + combine', 'total − vjp', 'share not ORT', ...torchColumns], rows),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { models: { type: 'string', default: 'tiny,vgg' }, threads: { type: 'string', default: '1' }, repeats: { type: 'string', default: '5' }, torch: { type: 'boolean', default: false } } });
  const models = values.models.split(',') as (keyof typeof WORKLOADS)[];
  const bad = models.find((m) => !(m in WORKLOADS));
  if (bad) throw new Error(`--models takes tiny and/or vgg (got '${bad}')`);
  runSmoothGradBreakdown({ models, threads: Number(values.threads), repeats: Number(values.repeats), torch: values.torch })
    .then((lines) => console.log(lines.join('\n')))
    .catch((e: unknown) => {
      console.error(`smoothgrad-breakdown: ${(e as Error).message}`);
      process.exitCode = 1;
    });
}
