/**
 * trustscope against PyTorch on the same ONNX weights: saliency, occlusion, Integrated Gradients,
 * SmoothGrad, Grad-CAM, KernelSHAP, RISE, input × gradient, GradientSHAP and DeepLIFT (bench/workloads.ts)
 * on the tiny CNN (1×32×32) and the VGG-style, ResNet-18, MobileNetV2 and ViT-Ti models (3×224×224), with ONNX Runtime at 1 and 2 threads and PyTorch
 * (bench/reference/torch_reference.py, when torch is installed) at the same thread counts.
 *
 *   npm run bench                      # build, then everything (a few minutes on 2 cores)
 *   node dist/bench/run.js --quick     # 3 timed runs instead of 5
 *   node dist/bench/run.js --only tiny # or vgg, resnet, mobilenet, vit, or family-method names such as tiny-rise,resnet-deeplift
 *   options: --repeats N, --threads 1,2, --no-torch,
 *            --vgg-batch N (VGG saliency batch; default 32 to keep the whole run near 4 minutes on 2
 *            cores — use 64 for DESIGN.md's VGG-ish row),
 *            --torch-malloc default|tuned|both (both: PyTorch with glibc malloc as it comes, and with
 *            mmap disabled so big tensors are reused rather than page-faulted in on every run)
 *
 * Each timing is the median of the timed runs after one untimed warm-up run (which also creates the
 * ONNX Runtime sessions and builds the gradient graph; ORT's arena still grows during the first timed
 * VGG run, which the median discards). The two sides get the same inputs (seeded
 * noise written as .npy) and the same targets (row % classes), and the benchmark checks that their
 * attributions agree (Pearson r ≥ 0.999) in the same run.
 */
const USAGE = `usage: npm run bench [-- options]   (or: node dist/bench/run.js [options])
  --quick                 3 timed runs instead of 5
  --only <list>           tiny | vgg | resnet | mobilenet | vit | family-method, comma-separated (e.g. tiny-saliency,resnet-deeplift);
                          methods: saliency occlusion integrated-gradients smoothgrad grad-cam kernel-shap rise
                          input-x-gradient gradient-shap deeplift (bench/workloads.ts lists which family has which)
                          or deletion (deletion/insertion curves on the VGG-style net, bench/deletion.ts)
                          or randomisation (cascading randomisation on the tiny CNN, bench/randomisation.ts)
                          or occlusion-incremental (Krypton's incremental occlusion vs full recompute on VGG-style
                          and ResNet-18 224², w16 s8, CPU-time ratio, bench/occlusion-incremental.ts; only when named)
                          or tiling (a 4096² uint16 TIFF through explain/audit --tile: peak RSS and time,
                          bench/tiling.ts; only when named: it takes minutes)
                          or scale (explain --workers 1,2 and 20,000 tiles through a Redis queue and two
                          workers, bench/scale.ts; only when named: it takes minutes and needs redis-server)
  --repeats <n>           timed runs per figure (median reported)
  --threads <list>        ONNX Runtime / PyTorch thread counts (default 1,2)
  --vgg-batch <n>         VGG saliency batch (default 32; 64 for DESIGN.md's row)
  --no-torch              skip the PyTorch reference
  --torch-malloc <mode>   default | tuned | both (default both)`;

import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { readNpy, writeNpy } from '../src/data/formats/npy.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { OnnxModel } from '../src/models/model.js';
import { encodeModel } from '../src/onnx/proto.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { tensor } from '../src/tensor/tensor.js';
import { formatMs, median, table, timeRuns } from './stats.js';
import { runDeletionBench } from './deletion.js';
import { runRandomisationBench } from './randomisation.js';
import { runTilingBench } from './tiling.js';
import { runScaleBench } from './scale.js';
import { runOcclusionIncrementalBench } from './occlusion-incremental.js';
import { pearson, relativeL2 } from '../src/tensor/compare.js';
import { NOT_INSTALLED, PYTHON, runTorchReference, torchVersion } from './torch-reference.js';
import { WORKLOAD_CHOICES, workloads, type Workload } from './workloads.js';

/** Seeded uniform [0, 1) images, the same for every run of the benchmark. */
function images(w: Pick<Workload, 'batch' | 'channels' | 'size' | 'seed'>): Tensor {
  const rng = new Random(w.seed);
  const data = new Float32Array(w.batch * w.channels * w.size * w.size);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return tensor([w.batch, w.channels, w.size, w.size], data);
}

interface Row {
  label: string;
  threads: number;
  oursMs: number;
  torchMs?: number;
  /** PyTorch with MALLOC_MMAP_MAX_=0 (see torch-reference.ts). */
  tunedMs?: number;
  batch: number;
}

interface Agreement {
  label: string;
  r: number;
  relL2: number;
  /** Lowest per-image r, and how many images fall below 0.999 (float32 max-pool near-ties flip single images). */
  worstImageR: number;
  imagesBelow: number;
}

function agreement(label: string, ours: Tensor, theirs: Tensor): Agreement {
  if (ours.shape.join() !== theirs.shape.join()) throw new Error(`${label}: PyTorch attribution has shape [${theirs.shape}] but ours is [${ours.shape}]`);
  const n = ours.shape[0];
  const per = ours.data.length / n;
  const rs = Array.from({ length: n }, (_, i) => pearson(ours.data.subarray(i * per, (i + 1) * per), theirs.data.subarray(i * per, (i + 1) * per)));
  return {
    label,
    r: pearson(ours.data, theirs.data),
    relL2: relativeL2(ours.data, theirs.data),
    worstImageR: Math.min(...rs),
    imagesBelow: rs.filter((r) => !(r >= 0.999)).length,
  };
}

function ortVersion(): string {
  try {
    return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const { values: opts } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      repeats: { type: 'string' },
      threads: { type: 'string', default: '1,2' },
      'vgg-batch': { type: 'string', default: '32' },
      'no-torch': { type: 'boolean', default: false },
      'torch-malloc': { type: 'string', default: 'both' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const only = opts.only?.split(',').map((o) => o.trim());
  const unknown = only?.find((o) => o !== 'deletion' && o !== 'randomisation' && o !== 'occlusion-incremental' && o !== 'tiling' && o !== 'scale' && !WORKLOAD_CHOICES.includes(o));
  if (unknown !== undefined) throw new Error(`--only takes tiny, vgg, resnet, mobilenet, vit or family-method names such as ${WORKLOAD_CHOICES.slice(5, 8).join(', ')} (got '${unknown}')`);
  const repeats = opts.repeats !== undefined ? Number(opts.repeats) : opts.quick ? 3 : 5;
  const warmup = 1;
  const threadCounts = opts.threads.split(',').map(Number);
  const vggBatch = Number(opts['vgg-batch']);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive integer');
  if (threadCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--threads takes a list such as 1,2');
  if (!Number.isInteger(vggBatch) || vggBatch < 1) throw new Error('--vgg-batch must be a positive integer');
  const mallocModes = { default: ['default'], tuned: ['tuned'], both: ['default', 'tuned'] } as const;
  const mallocChoice = opts['torch-malloc'] as keyof typeof mallocModes;
  if (!(mallocChoice in mallocModes)) throw new Error(`--torch-malloc takes default, tuned or both (got '${opts['torch-malloc']}')`);

  const torch = opts['no-torch'] ? undefined : torchVersion();
  const load = loadavg()[0];
  console.log(`trustscope bench: node ${process.version}, onnxruntime-node ${ortVersion()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
  console.log(torch ? `PyTorch reference: torch ${torch} (${PYTHON})` : opts['no-torch'] ? 'PyTorch reference: skipped (--no-torch)' : NOT_INSTALLED);
  console.log(`median of ${repeats} runs after ${warmup} warm-up; ORT threads ${threadCounts.join(' and ')}; load average ${load.toFixed(2)}`);
  if (load > 0.5) console.log('warning: the machine is busy (load average > 0.5); timings will be noisy');

  const dir = await mkdtemp(join(tmpdir(), 'trustscope-bench-'));
  const rows: Row[] = [];
  const agreements: Agreement[] = [];
  try {
    const selected = workloads(vggBatch).filter((w) => !only || only.includes(w.family) || only.includes(`${w.family}-${w.method}`));
    for (const [k, w] of selected.entries()) {
      const modelPath = join(dir, `${w.family}.onnx`);
      await writeFileAtomic(modelPath, encodeModel(w.graph));
      const x = images(w);
      const targets = Array.from({ length: w.batch }, (_, i) => i % w.classes);
      const inputPath = join(dir, `x-${k}.npy`);
      const targetPath = join(dir, `targets-${k}.npy`);
      await writeNpy(inputPath, x);
      await writeNpy(targetPath, tensor([w.batch], targets));

      for (const [ti, threads] of threadCounts.entries()) {
        configureRuntime({ threads });
        // Sessions are cached per OnnxModel: a new model picks up the new thread count.
        const model = new OnnxModel(w.graph, { internalBatchSize: w.chunk });
        const run = () => w.ours(model, x, targets);
        const ours = await timeRuns(run, warmup, repeats);
        // Free ORT's arena before PyTorch runs: a VGG gradient session holds gigabytes.
        await model.dispose();
        const row: Row = { label: w.label, threads, oursMs: median(ours.runs), batch: w.batch };
        process.stderr.write(`  ${w.label}, ${threads} thread(s): trustscope ${formatMs(row.oursMs)} [${ours.runs.map(formatMs).join(', ')}]\n`);

        if (torch) {
          for (const [mi, malloc] of mallocModes[mallocChoice].entries()) {
            const save = ti === 0 && mi === 0 ? join(dir, `torch-attribution-${k}.npy`) : undefined;
            const ref = await runTorchReference({
              ...w.torch,
              model: modelPath,
              batch: w.batch,
              size: w.size,
              method: w.method,
              threads,
              repeats,
              warmup,
              input: inputPath,
              targets: targetPath,
              chunk: w.chunk,
              save,
              malloc,
            });
            if (malloc === 'default') row.torchMs = ref.median_ms;
            else row.tunedMs = ref.median_ms;
            process.stderr.write(`  ${w.label}, ${threads} thread(s): PyTorch (${malloc === 'tuned' ? 'no-mmap' : 'default'} malloc) ${formatMs(ref.median_ms)} [${ref.runs.map(formatMs).join(', ')}]\n`);
            if (save && w.comparable) {
              const theirs = await readNpy(save);
              agreements.push(agreement(w.label, ours.last.values, theirs));
            }
          }
        }
        rows.push(row);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  console.log('');
  const ms = (v?: number) => (v !== undefined ? formatMs(v) : '—');
  const ratio = (v: number | undefined, ours: number) => (v !== undefined ? `${(v / ours).toFixed(2)}×` : '—');
  const perSecond = (batch: number, v?: number) => (v !== undefined ? (batch / (v / 1000)).toFixed(1) : '—');
  console.log(
    table(
      ['workload', 'threads', 'trustscope', 'PyTorch', 'ratio', 'PyTorch, no-mmap malloc', 'ratio', 'trustscope img/s', 'PyTorch img/s'],
      rows.map((r) => [
        r.label,
        `${r.threads}`,
        formatMs(r.oursMs),
        ms(r.torchMs),
        ratio(r.torchMs, r.oursMs),
        ms(r.tunedMs),
        ratio(r.tunedMs, r.oursMs),
        perSecond(r.batch, r.oursMs),
        perSecond(r.batch, r.torchMs ?? r.tunedMs),
      ]),
    ),
  );
  console.log('ratio = PyTorch ms / trustscope ms (> 1: trustscope is faster). "no-mmap malloc": PyTorch run with');
  console.log('MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1e12, so big tensors are reused instead of page-faulted in on every run.');
  if (agreements.length > 0) {
    console.log('');
    console.log('agreement with PyTorch (same weights, inputs and targets; attributions from the first thread count):');
    console.log('(per-image r below 0.999 means a float32 max-pool near-tie broke differently in the two engines)');
    for (const a of agreements) {
      const ok = a.r >= 0.999;
      const perImage = `worst image r = ${a.worstImageR.toFixed(4)} (${a.imagesBelow} below 0.999)`;
      console.log(`  ${a.label}: Pearson r = ${a.r.toFixed(6)}, relative L2 = ${a.relL2.toExponential(2)}; ${perImage}  ${ok ? 'ok' : 'DISAGREE (r < 0.999)'}`);
      if (!ok) process.exitCode = 1;
    }
  }
  // Cascading randomisation on the tiny CNN (bench/randomisation.ts): with --only tiny or randomisation, or everything.
  if (!only || only.includes('tiny') || only.includes('randomisation')) {
    console.log('');
    for (const line of await runRandomisationBench({ threads: threadCounts, repeats, torch: torch !== undefined })) console.log(line);
  }
  // Deletion/insertion curves on the VGG-style net (bench/deletion.ts): with --only vgg or deletion, or everything.
  if (!only || only.includes('vgg') || only.includes('deletion')) {
    console.log('');
    for (const line of await runDeletionBench({ threads: threadCounts, repeats: Math.min(repeats, 3), torch: torch !== undefined })) console.log(line);
  }
  // Whole micrographs (bench/tiling.ts): only with --only tiling (each command is its own process under /usr/bin/time).
  if (only?.includes('tiling')) {
    console.log('');
    for (const line of await runTilingBench()) console.log(line);
  }
  // Incremental occlusion vs full recompute (bench/occlusion-incremental.ts): only with --only occlusion-incremental (minutes: the full side runs 729 placements per model).
  if (only?.includes('occlusion-incremental')) {
    console.log('');
    for (const line of await runOcclusionIncrementalBench({ threads: threadCounts[threadCounts.length - 1] })) console.log(line);
  }
  // Cores and a job queue (bench/scale.ts): only with --only scale (each command is its own process).
  if (only?.includes('scale')) {
    console.log('');
    for (const line of await runScaleBench()) console.log(line);
  }
  const after = loadavg()[0];
  if (after > threadCounts[threadCounts.length - 1] + 0.5) console.log(`note: load average at the end was ${after.toFixed(2)} (the benchmark itself accounts for up to ${Math.max(...threadCounts)})`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
});
