/**
 * Integrated gradients with `--steps auto` against fixed step counts on the benchmark's IG workloads
 * (tiny CNN: 16 images of seeded uniform noise, targets i mod 2; VGG-style: 1 image), zero baseline,
 * Gauss–Legendre: the steps each image took, the relative completeness error reached, and the CPU
 * time (process CPU, ORT's threads included; wall in brackets) of the adaptive run beside fixed 50
 * steps and beside fixed steps equal to the largest count the adaptive run needed.
 *
 *   npm run build && nice -n 10 node dist/bench/ig-adaptive.js [--models tiny,vgg] [--tolerance 0.01] [--threads 1]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import type { AdaptiveStepsResult } from '../src/attribution/adaptive-steps.js';
import type { CompletenessCheck } from '../src/attribution/common/completeness.js';
import { OnnxModel } from '../src/models/model.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { tensor } from '../src/tensor/tensor.js';
import { formatMs, measured, table } from './stats.js';

const WORKLOADS = {
  tiny: { graph: () => tinyCnn(), images: 16, channels: 1, size: 32, classes: 2, chunk: 400, seed: 5 },
  vgg: { graph: () => vggStyle(), images: 1, channels: 3, size: 224, classes: 10, chunk: 25, seed: 6 },
} as const;

const pct = (x: number) => `${(100 * x).toPrecision(2)}%`;

export async function runIgAdaptiveBench(o: { models?: readonly (keyof typeof WORKLOADS)[]; tolerance?: number; threads?: number } = {}): Promise<string[]> {
  const tolerance = o.tolerance ?? 0.01;
  configureRuntime({ threads: o.threads ?? 1 });
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const name of o.models ?? ['tiny']) {
    const w = WORKLOADS[name];
    const rng = new Random(w.seed);
    const d = w.channels * w.size * w.size;
    // The benchmark's images (bench/run.ts): seeded uniform [0, 1).
    const x = tensor([w.images, w.channels, w.size, w.size], Float32Array.from({ length: w.images * d }, () => rng.next()));
    const target = Array.from({ length: w.images }, (_, i) => i % w.classes);
    const model = new OnnxModel(w.graph(), { internalBatchSize: w.chunk });
    await integratedGradients.attribute(model, x, { target, steps: 16 });
    const auto = await measured(() => integratedGradients.attribute(model, x, { target, steps: 'auto', stepsTolerance: tolerance }));
    const a = auto.value.extras?.adaptiveSteps as AdaptiveStepsResult;
    const most = Math.max(...a.stepsPerImage);
    const fixed = async (steps: number) => {
      const r = await measured(() => integratedGradients.attribute(model, x, { target, steps }));
      return { ...r, worst: Math.max(...(r.value.extras?.completeness as CompletenessCheck).relativeGap) };
    };
    const f50 = await fixed(50);
    const fMost = await fixed(most);
    await model.dispose();
    const counts = [...new Set(a.stepsPerImage)].sort((p, q) => p - q).map((s) => `${s}: ${a.stepsPerImage.filter((v) => v === s).length}`);
    const cell = (m: { cpuMs: number; wallMs: number }) => `${formatMs(m.cpuMs)} (${formatMs(m.wallMs)})`;
    rows.push([`${name} ${w.images} img`, `${counts.join(', ')}`, `${cell(auto)}, max ${pct(Math.max(...a.relativeError))}`, `${cell(f50)}, max ${pct(f50.worst)}`, `${most}: ${cell(fMost)}, max ${pct(fMost.worst)}`]);
    if (a.warning) notes.push(`  ${name}: ${a.warning}`);
  }
  return [
    `IG --steps auto (tolerance ${pct(tolerance)}, Gauss–Legendre, zero baseline) vs fixed steps, ORT threads ${o.threads ?? 1}; CPU (wall), max relative completeness error:`,
    table(['workload', 'steps per image (steps: images)', 'auto', 'fixed 50', 'fixed at the largest auto count'], rows),
    ...notes,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { models: { type: 'string', default: 'tiny' }, tolerance: { type: 'string', default: '0.01' }, threads: { type: 'string', default: '1' } } });
  const models = values.models.split(',') as (keyof typeof WORKLOADS)[];
  const bad = models.find((m) => !(m in WORKLOADS));
  if (bad) throw new Error(`--models takes tiny and/or vgg (got '${bad}')`);
  runIgAdaptiveBench({ models, tolerance: Number(values.tolerance), threads: Number(values.threads) })
    .then((lines) => console.log(lines.join('\n')))
    .catch((e: unknown) => {
      console.error(`ig-adaptive: ${(e as Error).message}`);
      process.exitCode = 1;
    });
}
