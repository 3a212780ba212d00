/**
 * Occlusion by incremental inference (Krypton) against full recomputation and against Captum's own
 * Occlusion, on the same weights, image and targets: VGG-16-style (3×224×224, widths 64–512, 13
 * convolutions), ResNet-18 (224²) and the zoo's small VGG-style (widths 16–128), window 16, strides
 * 8 and 4. On a shared, loaded machine wall time says little, so every side reports process CPU time
 * (ORT's and PyTorch's threads included) with wall time in brackets, and the ratios are of CPU times.
 *
 *   npm run build && node dist/bench/occlusion-incremental.js [--models vgg16,resnet,vgg] [--strides 8,4]
 *       [--ablation-patches 16] [--images 1] [--window 16] [--threads 2] [--full-placements 128] [--captum-placements 192] [--no-captum]
 *
 * - ours, incremental: `occlusion.attribute(…, { incremental: 'auto' })` over every placement; its
 *   time includes building the per-layer sessions, which a CLI call pays every time.
 * - ours, full: the path `--incremental off` takes (scorePerturbedCopies: one full forward per
 *   occluded copy), timed on the first --full-placements placements per image and scaled to all
 *   (marked *; 0 runs them all), after one untimed batch. The same placements are scored incrementally too and compared:
 *   max |Δ score| / max |f(x)| is the exactness column.
 * - Captum: bench/reference/captum_occlusion.py (captum.attr.Occlusion, perturbations_per_eval 64,
 *   tuned allocator, same threads), timed on --captum-placements placements (≥ 2 batches of 64; the
 *   first batch's one-time costs counted once, the later batches' rate scaled to all; marked *), or
 *   run in full (0, or when that is at most 1.5× the subset), when its map is compared with ours as well. Skipped when captum does not import.
 * - feature ablation on a grid of patches (Captum's FeatureAblation with a feature_mask) is our
 *   occlusion with window = stride = patch: the same machinery, one row per --ablation-patches entry.
 * Called from run.ts (`--only occlusion-incremental`) or alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { occlusion, windowStarts } from '../src/attribution/occlusion.js';
import { scorePerturbedCopies } from '../src/attribution/common/perturbed-copies.js';
import { readNpy, writeNpy } from '../src/data/formats/npy.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import type { Graph } from '../src/onnx/graph.js';
import { encodeModel } from '../src/onnx/proto.js';
import { OnnxModel } from '../src/models/model.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { argmaxRows, tensor } from '../src/tensor/tensor.js';
import { captumVersion, runCaptumOcclusion } from './captum-reference.js';
import { formatMs, measured, table, type Measured } from './stats.js';

export const OCCLUSION_BENCH_MODELS = ['vgg16', 'resnet', 'vgg'] as const;
export type OcclusionBenchModel = (typeof OCCLUSION_BENCH_MODELS)[number];

export interface OcclusionIncrementalBenchOptions {
  models?: readonly OcclusionBenchModel[];
  strides?: readonly number[];
  images?: number;
  window?: number;
  threads?: number;
  /**
   * Feature ablation with a grid of patch×patch features (Captum's FeatureAblation with a
   * feature_mask): our occlusion with window = stride = patch, which is the same computation, so it
   * takes the incremental path as well (default [16]).
   */
  ablationPatches?: readonly number[];
  /** Placements per image the full path is timed on (0: all). */
  fullPlacements?: number;
  /** Placements per image Captum is timed on (0: all). */
  captumPlacements?: number;
  captum?: boolean;
}

const MODELS: Record<OcclusionBenchModel, { name: string; build: () => Graph }> = {
  vgg16: { name: 'VGG-16-style 224²', build: () => vggStyle({ size: 224, seed: 0, widths: [64, 128, 256, 512, 512], convsPerStage: [2, 2, 3, 3, 3] }) },
  resnet: { name: 'ResNet-18 224²', build: () => resNet({ size: 224, seed: 0 }) },
  vgg: { name: 'VGG-style (w16–128) 224²', build: () => vggStyle({ size: 224, seed: 0 }) },
};

/** Scores of image i with placement p occluded by 0 through whole forward passes (the `--incremental off` path), rows i·P + p. */
function fullScores(model: OnnxModel, x: Tensor, cotangent: Tensor, placements: readonly (readonly [number, number])[], window: number): Promise<Float64Array> {
  const [, c, h, w] = x.shape;
  const image = c * h * w;
  const count = placements.length;
  return scorePerturbedCopies(model, x, cotangent, {
    count: x.shape[0] * count,
    inputOf: (copy) => Math.floor(copy / count),
    fill(copy, into) {
      const img = Math.floor(copy / count);
      into.set(x.data.subarray(img * image, (img + 1) * image));
      const [y0, x0] = placements[copy % count];
      for (let ch = 0; ch < c; ch++) for (let y = y0; y < Math.min(h, y0 + window); y++) into.fill(0, ch * h * w + y * w + x0, ch * h * w + y * w + Math.min(w, x0 + window));
    },
  });
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Captum's perturbations_per_eval: a batch as large as ours (its default of 1 would be far slower); the subset spans ≥ 2 of them. */
const CAPTUM_PER_EVAL = 64;

const cpuWall = (cpuMs: number, wallMs: number, scaled: boolean): string => `${formatMs(cpuMs)} (${formatMs(wallMs)})${scaled ? '*' : ''}`;

export async function runOcclusionIncrementalBench(options: OcclusionIncrementalBenchOptions = {}): Promise<string[]> {
  const { models = ['vgg16', 'resnet'], strides = [8, 4], ablationPatches = [16], images = 1, threads = 2, fullPlacements = 128, captumPlacements = 192 } = options;
  const configs = [
    ...strides.map((stride) => ({ method: 'occlusion' as const, window: options.window ?? 16, stride })),
    ...ablationPatches.map((patch) => ({ method: 'ablation' as const, window: patch, stride: patch })),
  ];
  configureRuntime({ threads });
  const captum = options.captum === false ? undefined : captumVersion();
  const rows: string[][] = [];
  const notes: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-occlusion-'));
  try {
    for (const family of models) {
      const { name, build } = MODELS[family];
      const graph = build();
      const model = new OnnxModel(graph);
      const rng = new Random(31);
      const x = tensor([images, 3, 224, 224], Float32Array.from({ length: images * 3 * 224 * 224 }, () => rng.uniform(0, 1)));
      const logits = await model.forward(x);
      const target = argmaxRows(logits);
      const cotangent = tensor([images, model.outputSize], new Float32Array(images * model.outputSize));
      target.forEach((k, i) => (cotangent.data[i * model.outputSize + k] = 1));
      const scale = maxAbs(logits.data);
      const modelPath = join(dir, `${family}.onnx`);
      const inputPath = join(dir, 'x.npy');
      const targetPath = join(dir, `${family}-targets.npy`);
      await writeFileAtomic(modelPath, encodeModel(graph));
      await writeNpy(inputPath, x);
      await writeNpy(targetPath, tensor([images], Float32Array.from(target)));
      for (const { method, window, stride } of configs) {
        const starts = windowStarts(224, window, stride);
        const placements = starts.flatMap((y) => starts.map((x0) => [y, x0] as const));
        const label = method === 'occlusion' ? `${name} occlusion w${window} s${stride}, ${images} img` : `${name} feature ablation, ${window}×${window} patches, ${images} img`;
        process.stderr.write(`  ${label}: ${placements.length} placements per image\n`);

        const fast = await measured(() => occlusion.attribute(model, x, { target, window, stride, baseline: 0, incremental: 'auto' }));
        process.stderr.write(`    ours, incremental: ${cpuWall(fast.cpuMs, fast.wallMs, false)}\n`);

        const k = fullPlacements > 0 ? Math.min(fullPlacements, placements.length) : placements.length;
        const subset = placements.slice(0, k);
        // An untimed batch first: ORT's arena grows on the first large batch, a one-time cost that scaling would multiply.
        if (k < placements.length) await fullScores(model, x, cotangent, placements.slice(-64), window);
        const full = await measured(() => fullScores(model, x, cotangent, subset, window));
        const fullScale = placements.length / k;
        const incrementalScores = await model.forwardOccluded!(x, subset, [window, window], new Float32Array(x.data.length));
        let worst = 0;
        for (let i = 0; i < images; i++)
          for (let p = 0; p < k; p++) worst = Math.max(worst, Math.abs(full.value[i * k + p] - incrementalScores!.data[(i * k + p) * model.outputSize + target[i]]));
        process.stderr.write(`    ours, full: ${cpuWall(full.cpuMs * fullScale, full.wallMs * fullScale, k < placements.length)}\n`);

        let captumCell = 'not installed', captumRatio = '—';
        if (captum) {
          // Close to the subset anyway (the 196 patches of feature ablation): run them all and compare the maps too.
          const all = captumPlacements === 0 || placements.length <= 1.5 * captumPlacements;
          const save = all ? join(dir, `captum-${family}-${method}-${stride}.npy`) : undefined;
          const r = await runCaptumOcclusion({ method, model: modelPath, input: inputPath, targets: targetPath, window, stride, threads, perEval: CAPTUM_PER_EVAL, maxPlacements: all ? 0 : Math.max(captumPlacements, 2 * CAPTUM_PER_EVAL), save });
          captumCell = cpuWall(r.cpu_s * 1000, r.wall_s * 1000, r.extrapolated);
          captumRatio = `${((r.cpu_s * 1000) / fast.cpuMs).toFixed(2)}×`;
          process.stderr.write(`    Captum: ${captumCell}\n`);
          if (save) {
            const theirs = await readNpy(save);
            notes.push(`  ${label}: our map vs Captum's: max |Δ| / max |map| = ${(maxAbsDiff(theirs.data, fast.value.values.data) / maxAbs(theirs.data)).toExponential(1)}`);
          }
        }
        rows.push([
          label,
          `${placements.length}`,
          cpuWall(fast.cpuMs, fast.wallMs, false),
          cpuWall(full.cpuMs * fullScale, full.wallMs * fullScale, k < placements.length),
          captumCell,
          `${((full.cpuMs * fullScale) / fast.cpuMs).toFixed(2)}×`,
          captumRatio,
          (worst / scale).toExponential(1),
        ]);
        if (!fast.value.extras?.incremental) notes.push(`  ${label}: no incremental plan; both sides recomputed in full`);
      }
      await model.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    `Occlusion by incremental inference (Krypton) vs full recomputation vs Captum ${captum ?? '(not installed)'} Occlusion / FeatureAblation (perturbations_per_eval 64, tuned malloc), ${threads} thread(s); process CPU time (wall); * = timed on ${fullPlacements} (ours, full) / ${captumPlacements} (Captum) placements per image and scaled to all`,
    table(['workload', 'placements', 'ours, incremental', 'ours, full', 'Captum, tuned', 'incr vs full', 'incr vs Captum', 'max |Δ score| / max |f(x)|'], rows),
    ...notes,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' }, strides: { type: 'string' }, images: { type: 'string' }, window: { type: 'string' }, threads: { type: 'string' },
      'ablation-patches': { type: 'string' }, 'full-placements': { type: 'string' }, 'captum-placements': { type: 'string' }, 'no-captum': { type: 'boolean' },
    },
  });
  const models = values.models?.split(',');
  const bad = models?.find((m) => !(OCCLUSION_BENCH_MODELS as readonly string[]).includes(m));
  if (bad) throw new Error(`--models takes ${OCCLUSION_BENCH_MODELS.join(', ')} (got '${bad}')`);
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const lines = await runOcclusionIncrementalBench({
    models: models as OcclusionBenchModel[] | undefined,
    strides: values.strides?.split(',').map(Number),
    ablationPatches: values['ablation-patches'] === undefined ? undefined : values['ablation-patches'].split(',').filter((v) => v).map(Number),
    images: num(values.images),
    window: num(values.window),
    threads: num(values.threads),
    fullPlacements: num(values['full-placements']),
    captumPlacements: num(values['captum-placements']),
    captum: !values['no-captum'],
  });
  for (const line of lines) console.log(line);
}
