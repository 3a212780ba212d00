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
 *
 * trustscope's side of every row runs in a process of its own (our-side.ts → row-worker.ts), so each
 * side reports its own peak RSS (VmHWM / ru_maxrss) and process CPU time. Beside the times the table
 * prints the FLOPs one run does (the forward and generated backward graphs it calls, counted by
 * src/onnx/flops.ts), the GFLOP/s each side reaches on them, and trustscope's share of this machine's
 * fp32 peak, measured at the start of the run (machine-peak.ts). The memory rows (memory-rows.ts)
 * time IG on one 1024² image against the 2 GB peak-RSS target.
 */
const USAGE = `usage: npm run bench [-- options]   (or: node dist/bench/run.js [options])
  --quick                 3 timed runs instead of 5
  --only <list>           tiny | vgg | resnet | mobilenet | vit | family-method, comma-separated (e.g. tiny-saliency,resnet-deeplift);
                          methods: saliency occlusion integrated-gradients smoothgrad grad-cam kernel-shap rise
                          input-x-gradient gradient-shap deeplift (bench/workloads.ts lists which family has which)
                          or memory (IG 50 steps on one 1024² image, small conv net, both sides' peak RSS against
                          the 2 GB target, bench/memory-rows.ts; also part of the full run, 1 run at the largest thread count)
                          or deletion (deletion/insertion curves on the VGG-style net, bench/deletion.ts)
                          or randomisation (cascading randomisation on the tiny CNN, bench/randomisation.ts)
                          or occlusion-incremental (Krypton's incremental occlusion vs full recompute vs Captum's
                          Occlusion/FeatureAblation on VGG-16-style and ResNet-18 224², w16 s8 and s4, 16² patches,
                          CPU seconds, bench/occlusion-incremental.ts; only when named: it takes tens of minutes)
                          or tiling (a 4096² uint16 TIFF through explain/audit --tile: peak RSS and time,
                          bench/tiling.ts; only when named: it takes minutes)
                          or scale (explain --workers 1,2 and 20,000 tiles through a Redis queue and two
                          workers, bench/scale.ts; only when named: it takes minutes and needs redis-server)
                          or session (session cost vs steady state of ResNet-18 saliency: autodiff, encode,
                          ORT create per optimisation level, first/steady run, the optimised-graph store,
                          and explain --method saliency per process against Captum; bench/session-cost.ts,
                          bench/session-cli.ts; only when named)
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
import { existsSync } from 'node:fs';
import { readNpy, writeNpy } from '../src/data/formats/npy.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { encodeModel } from '../src/onnx/proto.js';
import { spinningFor } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { tensor } from '../src/tensor/tensor.js';
import { formatMs, median } from './stats.js';
import { measureMachinePeak, peakLines } from './machine-peak.js';
import { MEMORY_BUDGET_MB, memoryRows, type BenchRow } from './memory-rows.js';
import { runOurSide } from './our-side.js';
import { gflopsPerSecond, resultNotes, resultsTable, type ResultRow } from './results-table.js';
import { runDeletionBench } from './deletion.js';
import { runRandomisationBench } from './randomisation.js';
import { runTilingBench } from './tiling.js';
import { runScaleBench } from './scale.js';
import { runOcclusionIncrementalBench } from './occlusion-incremental.js';
import { runSessionCostBench } from './session-cost.js';
import { runSessionCliBench } from './session-cli.js';
import { pearson, relativeL2 } from '../src/tensor/compare.js';
import { NOT_INSTALLED, PYTHON, runTorchReference, torchVersion } from './torch-reference.js';
import { WORKLOAD_CHOICES, workloads, type Workload } from './workloads.js';

/** Seeded uniform [0, 1) images, the same for every run of the benchmark. */
function images(w: Pick<BenchRow, 'batch' | 'channels' | 'size' | 'seed'>): Tensor {
  const rng = new Random(w.seed);
  const data = new Float32Array(w.batch * w.channels * w.size * w.size);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return tensor([w.batch, w.channels, w.size, w.size], data);
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

/** IG's relative completeness error per image on both sides (bench/reference/torch_reference.py computes PyTorch's). */
interface CompletenessRow {
  label: string;
  ours: number[];
  torch: number[];
}

const pct = (x: number) => `${(100 * x).toPrecision(3)}%`;

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
  const unknown = only?.find((o) => o !== 'deletion' && o !== 'memory' && o !== 'randomisation' && o !== 'occlusion-incremental' && o !== 'tiling' && o !== 'scale' && o !== 'session' && !WORKLOAD_CHOICES.includes(o));
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
  console.log(`median of ${repeats} runs after ${warmup} warm-up (and ≥ 0.5 s); ORT threads ${threadCounts.join(' and ')}, intra-op spinning ${spinningFor({}) ? 'on' : 'off'}; load average ${load.toFixed(2)}`);
  if (load > 0.5) console.log('warning: the machine is busy (load average > 0.5); timings will be noisy');

  const selected: BenchRow[] = workloads(vggBatch).filter((w) => !only || only.includes(w.family) || only.includes(`${w.family}-${w.method}`));
  // The memory rows (IG on one 1024² image) run with everything, or when named; one run each at the
  // largest thread count (a run takes about a minute).
  const memory = !only || only.includes('memory') ? memoryRows() : [];
  const peaks = selected.length + memory.length > 0 ? await measureMachinePeak(threadCounts) : [];
  for (const line of peakLines(peaks)) console.log(line);
  const peakAt = (threads: number) => peaks.find((p) => p.threads === threads)?.peak;

  const dir = await mkdtemp(join(tmpdir(), 'trustscope-bench-'));
  const rows: ResultRow[] = [];
  const agreements: Agreement[] = [];
  const completeness: CompletenessRow[] = [];
  const uncounted = new Set<string>();
  /** Both sides of one row at each thread count: trustscope in its own process (our-side.ts), then PyTorch. */
  const measure = async (w: BenchRow, k: number, threadList: readonly number[], timing: { repeats: number; warmup: number }) => {
    // One file per family (its rows share the model; ResNet-18's is 47 MB), one per memory row.
    const family = 'family' in w ? { family: (w as Workload).family, channels: w.channels, size: w.size, classes: w.classes } : undefined;
    const modelPath = join(dir, `model-${family?.family ?? `row-${k}`}.onnx`);
    if (!existsSync(modelPath)) await writeFileAtomic(modelPath, encodeModel(w.graph));
    const targets = Array.from({ length: w.batch }, (_, i) => i % w.classes);
    const inputPath = join(dir, `x-${k}.npy`);
    const targetPath = join(dir, `targets-${k}.npy`);
    await writeNpy(inputPath, images(w));
    await writeNpy(targetPath, tensor([w.batch], targets));
    for (const [ti, threads] of threadList.entries()) {
      const oursSave = ti === 0 && torch && w.comparable ? join(dir, `ours-attribution-${k}.npy`) : undefined;
      const ours = await runOurSide({ label: w.label, vggBatch, family, model: modelPath, threads, ...timing, input: inputPath, targets: targetPath, save: oursSave });
      for (const u of ours.uncounted) uncounted.add(u);
      const row: ResultRow = {
        label: w.label,
        threads,
        oursMs: median(ours.runs),
        oursCpuMs: median(ours.cpuMs),
        oursPeakMb: ours.peakRssMb,
        flops: ours.flops,
        effective: ours.effective,
        peakGflops: peakAt(threads),
      };
      // GFLOP per CPU second: what the cores did while they ran this row, whatever else the machine was running.
      const perCpu = (cpuMs: number) => (ours.flops > 0 ? `, ${gflopsPerSecond(ours.flops, cpuMs).toFixed(1)} GFLOP per CPU s` : '');
      process.stderr.write(`  ${w.label}, ${threads} thread(s): trustscope ${formatMs(row.oursMs)} [${ours.runs.map(formatMs).join(', ')}], CPU ${formatMs(row.oursCpuMs!)}${perCpu(row.oursCpuMs!)}, peak RSS ${ours.peakRssMb.toFixed(0)} MB\n`);

      if (torch) {
        for (const [mi, malloc] of mallocModes[mallocChoice].entries()) {
          const save = oursSave && mi === 0 ? join(dir, `torch-attribution-${k}.npy`) : undefined;
          const ref = await runTorchReference({
            ...w.torch,
            model: modelPath,
            batch: w.batch,
            size: w.size,
            method: w.method,
            threads,
            ...timing,
            input: inputPath,
            targets: targetPath,
            chunk: w.chunk,
            save,
            malloc,
          });
          if (malloc === 'default') [row.torchMs, row.torchPeakMb] = [ref.median_ms, ref.peak_rss_mb];
          else [row.tunedMs, row.tunedPeakMb] = [ref.median_ms, ref.peak_rss_mb];
          const cpu = ref.cpu_ms ? `, CPU ${formatMs(median(ref.cpu_ms))}${perCpu(median(ref.cpu_ms))}` : '';
          const rss = ref.peak_rss_mb !== undefined ? `, peak RSS ${ref.peak_rss_mb.toFixed(0)} MB` : '';
          process.stderr.write(`  ${w.label}, ${threads} thread(s): PyTorch (${malloc === 'tuned' ? 'no-mmap' : 'default'} malloc) ${formatMs(ref.median_ms)} [${ref.runs.map(formatMs).join(', ')}]${cpu}${rss}\n`);
          if (save && oursSave) agreements.push(agreement(w.label, await readNpy(oursSave), await readNpy(save)));
          if (ti === 0 && mi === 0 && w.method === 'integrated-gradients' && ref.completeness && ours.completeness) completeness.push({ label: w.label, ours: ours.completeness, torch: ref.completeness });
        }
      }
      rows.push(row);
    }
  };
  try {
    for (const [k, w] of selected.entries()) await measure(w, k, threadCounts, { repeats, warmup });
    for (const [k, w] of memory.entries()) await measure(w, selected.length + k, [Math.max(...threadCounts)], { repeats: 1, warmup: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  console.log('');
  console.log(resultsTable(rows));
  for (const line of resultNotes(rows)) console.log(line);
  if (uncounted.size > 0) console.log(`FLOPs not counted (shape unknown; counted as 0): ${[...uncounted].join(', ')}`);
  const overBudget = rows.filter((r) => memory.some((m) => m.label === r.label) && r.oursPeakMb !== undefined && r.oursPeakMb > MEMORY_BUDGET_MB);
  if (memory.length > 0) console.log(`memory rows: trustscope peak RSS ${overBudget.length === 0 ? 'within' : 'ABOVE'} the ${MEMORY_BUDGET_MB} MB target (one run each, no warm-up, ${Math.max(...threadCounts)} threads)`);
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
  if (completeness.length > 0) {
    console.log('');
    console.log('IG completeness |Σφ − (f(x) − f(0))| / |f(x) − f(0)| per image, same model, steps and rule (a property of both, so they must agree):');
    for (const c of completeness) {
      const gap = Math.max(...c.ours.map((v, i) => Math.abs(v - c.torch[i])));
      console.log(`  ${c.label}: trustscope max ${pct(Math.max(...c.ours))}, PyTorch max ${pct(Math.max(...c.torch))}; largest per-image difference ${gap.toExponential(1)}`);
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
  // Incremental occlusion vs full recompute vs Captum (bench/occlusion-incremental.ts): only with --only occlusion-incremental (tens of minutes: VGG-16 at stride 4 is 2,809 placements).
  if (only?.includes('occlusion-incremental')) {
    console.log('');
    for (const line of await runOcclusionIncrementalBench({ threads: threadCounts[threadCounts.length - 1] })) console.log(line);
  }
  // Session cost vs steady state (bench/session-cost.ts, bench/session-cli.ts): only with --only session.
  if (only?.includes('session')) {
    console.log('');
    for (const line of await runSessionCostBench({ threads: threadCounts[threadCounts.length - 1], torchResnet: torch ? 'export' : undefined })) console.log(line);
    console.log('');
    for (const line of await runSessionCliBench({ repeats: Math.min(repeats, 3) })) console.log(line);
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
