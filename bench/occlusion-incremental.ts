/**
 * Occlusion by incremental inference (Krypton) against full recomputation, in one process on the
 * same weights, images and targets: VGG-style (3×224×224, the zoo's default widths) and ResNet-18
 * (224²), window 16, stride 8 (27 × 27 = 729 placements per image). On a shared, loaded machine
 * wall time says little, so each side reports its process CPU time (ORT's threads included) and the
 * ratio of CPU times; the run also checks that the two maps agree (max |Δ| relative to max |f(x)|).
 * Called from run.ts (`--only occlusion-incremental`), or alone:
 *
 *   npm run build && node dist/bench/occlusion-incremental.js [--models vgg,resnet] [--images 1] [--window 16] [--stride 8] [--threads 2]
 *
 * Each side runs once (minutes for the full side); the incremental side's time includes building its
 * per-layer sessions, which a CLI call pays every time.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { occlusion } from '../src/attribution/occlusion.js';
import { OnnxModel } from '../src/models/model.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { argmaxRows, tensor } from '../src/tensor/tensor.js';
import { formatMs, table } from './stats.js';

export interface OcclusionIncrementalBenchOptions {
  models?: readonly ('vgg' | 'resnet')[];
  images?: number;
  window?: number;
  stride?: number;
  threads?: number;
}

async function measured<T>(f: () => Promise<T>): Promise<{ cpuMs: number; wallMs: number; value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, value };
}

export async function runOcclusionIncrementalBench(options: OcclusionIncrementalBenchOptions = {}): Promise<string[]> {
  const { models = ['vgg', 'resnet'], images = 1, window = 16, stride = 8, threads = 2 } = options;
  configureRuntime({ threads });
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const family of models) {
    const graph = family === 'vgg' ? vggStyle({ size: 224, seed: 0 }) : resNet({ size: 224, seed: 0 });
    const model = new OnnxModel(graph);
    const rng = new Random(31);
    const x = tensor([images, 3, 224, 224], Float32Array.from({ length: images * 3 * 224 * 224 }, () => rng.uniform(0, 1)));
    const target = argmaxRows(await model.forward(x));
    const run = (incremental: 'auto' | 'off') => measured(() => occlusion.attribute(model, x, { target, window, stride, baseline: 0, incremental }));
    const fast = await run('auto');
    const full = await run('off');
    const scale = Math.max(...Array.from((await model.forward(x)).data, Math.abs));
    let diff = 0;
    for (let i = 0; i < full.value.values.data.length; i++) diff = Math.max(diff, Math.abs(fast.value.values.data[i] - full.value.values.data[i]));
    const name = family === 'vgg' ? 'VGG-style 224²' : 'ResNet-18 224²';
    rows.push([
      `${name} occlusion w${window} s${stride}, ${images} img`,
      `${formatMs(fast.cpuMs)} (${formatMs(fast.wallMs)})`,
      `${formatMs(full.cpuMs)} (${formatMs(full.wallMs)})`,
      `${(full.cpuMs / fast.cpuMs).toFixed(2)}×`,
      `${(full.wallMs / fast.wallMs).toFixed(2)}×`,
      (diff / scale).toExponential(1),
    ]);
    notes.push(`  ${name}: incremental path used: ${fast.value.extras?.incremental}; ${fast.value.extras?.placements} placements per image`);
    await model.dispose();
  }
  return [
    `Occlusion by incremental inference (Krypton) vs full recomputation, ${threads} ORT thread(s), one process; CPU time (wall)`,
    table(['workload', 'incremental', 'full', 'CPU ratio', 'wall ratio', 'max |Δ| / max |f(x)|'], rows),
    ...notes,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { models: { type: 'string' }, images: { type: 'string' }, window: { type: 'string' }, stride: { type: 'string' }, threads: { type: 'string' } } });
  const lines = await runOcclusionIncrementalBench({
    models: values.models?.split(',') as ('vgg' | 'resnet')[] | undefined,
    images: values.images ? Number(values.images) : undefined,
    window: values.window ? Number(values.window) : undefined,
    stride: values.stride ? Number(values.stride) : undefined,
    threads: values.threads ? Number(values.threads) : undefined,
  });
  for (const line of lines) console.log(line);
}
