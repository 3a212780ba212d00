/**
 * Where SmoothGrad's time goes, on the benchmark's two workloads (tiny CNN: 64 images × 5 copies at
 * 1×32×32, chunk 320; VGG-style: 4 images × 5 copies at 3×224×224, chunk 20): the whole
 * smoothGrad.attribute call against its parts — the model's vjp on the same noisy rows (ONNX Runtime:
 * the part no JavaScript change can remove), drawing the noise (copies of x plus Random.addNormal)
 * and the per-pixel |g| and combination. On a shared machine wall time says little, so every figure
 * is process CPU time (ORT's threads included), median of the runs, with wall time beside it.
 *
 *   npm run build && nice -n 10 node dist/bench/smoothgrad-breakdown.js [--models tiny,vgg] [--threads 1] [--repeats 5]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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

const WORKLOADS = {
  tiny: { graph: () => tinyCnn(), images: 64, channels: 1, size: 32, classes: 2, chunk: 320 },
  vgg: { graph: () => vggStyle(), images: 4, channels: 3, size: 224, classes: 10, chunk: 20 },
} as const;

export async function runSmoothGradBreakdown(o: { models?: readonly (keyof typeof WORKLOADS)[]; threads?: number; repeats?: number } = {}): Promise<string[]> {
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
      for (let i = 0; i < w.images; i++) {
        for (let s = 0; s < samples; s++) noisy.set(x.data.subarray(i * d, (i + 1) * d), (i * samples + s) * d);
        r.addNormal(noisy, i * samples * d, (i + 1) * samples * d, sigma);
      }
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
    rows.push([`${name} ${w.images} img × ${samples}`, cell(total), cell(vjp), cell(noise), cell(abs), cell(rest), `${((100 * rest.cpuMs) / total.cpuMs).toFixed(0)}%`]);
  }
  return [
    `SmoothGrad time by part, ORT threads ${o.threads ?? 1}; process CPU (wall), median of ${repeats}:`,
    table(['workload', 'smoothGrad.attribute', 'model.vjp alone', 'noise', '|g| + combine', 'total − vjp', 'share not ORT'], rows),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { models: { type: 'string', default: 'tiny,vgg' }, threads: { type: 'string', default: '1' }, repeats: { type: 'string', default: '5' } } });
  const models = values.models.split(',') as (keyof typeof WORKLOADS)[];
  const bad = models.find((m) => !(m in WORKLOADS));
  if (bad) throw new Error(`--models takes tiny and/or vgg (got '${bad}')`);
  runSmoothGradBreakdown({ models, threads: Number(values.threads), repeats: Number(values.repeats) })
    .then((lines) => console.log(lines.join('\n')))
    .catch((e: unknown) => {
      console.error(`smoothgrad-breakdown: ${(e as Error).message}`);
      process.exitCode = 1;
    });
}
