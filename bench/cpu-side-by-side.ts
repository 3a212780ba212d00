/**
 * Process CPU seconds beside wall seconds, trustscope then PyTorch (tuned malloc) back to back, for
 * the benchmark's workloads (bench/workloads.ts). On a shared, loaded machine wall times are inflated
 * by whoever else runs; CPU time (all threads of the process, from process.cpuUsage() here and
 * time.process_time() in torch_reference.py) is what each engine spent on the work. Spinning thread
 * pools still count, so it is an upper bound too, but a much tighter one.
 *
 *   npm run build && nice -n 10 node dist/bench/cpu-side-by-side.js --only mobilenet,vit-saliency [--threads 2] [--repeats 3]
 *
 * Same inputs, targets and settings as `npm run bench`; one untimed warm-up per side; medians. For
 * deterministic methods the last run's maps are compared (Pearson r, as the benchmark: ≥ 0.999).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readNpy, writeNpy } from '../src/data/formats/npy.js';
import { pearson } from '../src/tensor/compare.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { OnnxModel } from '../src/models/model.js';
import { encodeModel } from '../src/onnx/proto.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { formatMs, median, table } from './stats.js';
import { runTorchReference, torchVersion } from './torch-reference.js';
import { WORKLOAD_CHOICES, workloads, type Workload } from './workloads.js';

/** The benchmark's seeded uniform [0, 1) images (the same generator and seed as bench/run.ts). */
function images(w: Workload): Tensor {
  const rng = new Random(w.seed);
  const data = new Float32Array(w.batch * w.channels * w.size * w.size);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return tensor([w.batch, w.channels, w.size, w.size], data);
}

async function main(): Promise<void> {
  const { values: opts } = parseArgs({ options: { only: { type: 'string' }, threads: { type: 'string', default: '2' }, repeats: { type: 'string', default: '3' } } });
  const only = (opts.only ?? '').split(',').filter(Boolean);
  const unknown = only.find((o) => !WORKLOAD_CHOICES.includes(o));
  if (only.length === 0 || unknown !== undefined) throw new Error(`--only takes family or family-method names such as mobilenet,resnet-deeplift (got '${unknown ?? ''}')`);
  const threads = Number(opts.threads);
  const repeats = Number(opts.repeats);
  if (!Number.isInteger(threads) || threads < 1 || !Number.isInteger(repeats) || repeats < 1) throw new Error('--threads and --repeats take positive integers');
  const torch = torchVersion();
  if (!torch) throw new Error('PyTorch is not installed: this comparison needs it');
  configureRuntime({ threads });
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-cpu-'));
  const rows: string[][] = [];
  try {
    for (const [k, w] of workloads(32).filter((w) => only.includes(w.family) || only.includes(`${w.family}-${w.method}`)).entries()) {
      const x = images(w);
      const targets = Array.from({ length: w.batch }, (_, i) => i % w.classes);
      const model = new OnnxModel(w.graph, { internalBatchSize: w.chunk });
      await w.ours(model, x, targets);
      const wall: number[] = [];
      const cpu: number[] = [];
      let last = undefined as Tensor | undefined;
      for (let r = 0; r < repeats; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        last = (await w.ours(model, x, targets)).values;
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
      await model.dispose();
      const paths = { model: join(dir, `m${k}.onnx`), input: join(dir, `x${k}.npy`), targets: join(dir, `t${k}.npy`) };
      const save = join(dir, `a${k}.npy`);
      await writeFileAtomic(paths.model, encodeModel(w.graph));
      await writeNpy(paths.input, x);
      await writeNpy(paths.targets, tensor([w.batch], targets));
      const ref = await runTorchReference({ ...w.torch, ...paths, batch: w.batch, size: w.size, method: w.method, threads, repeats, warmup: 1, chunk: w.chunk, malloc: 'tuned', save });
      const r = w.comparable && last ? pearson(last.data, (await readNpy(save)).data) : undefined;
      const s = formatMs;
      const theirCpu = ref.cpu_ms ? median(ref.cpu_ms) : NaN;
      rows.push([w.label, s(median(cpu)), s(median(wall)), s(theirCpu), s(ref.median_ms), `${(theirCpu / median(cpu)).toFixed(2)}×`, `${(ref.median_ms / median(wall)).toFixed(2)}×`, r === undefined ? '—' : `${r.toFixed(6)} ${r >= 0.999 ? 'ok' : 'DISAGREE'}`]);
      if (r !== undefined && !(r >= 0.999)) process.exitCode = 1;
      process.stderr.write(`  ${rows[rows.length - 1].join(' | ')}\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`trustscope vs PyTorch ${torch} (tuned malloc), ${threads} thread(s), median of ${repeats} after 1 warm-up:`);
  console.log(table(['workload', 'trustscope CPU', 'trustscope wall', 'PyTorch CPU', 'PyTorch wall', 'CPU ratio', 'wall ratio', 'agreement r'], rows));
}

main().catch((e: unknown) => {
  console.error(`cpu-side-by-side: ${(e as Error).message}`);
  process.exitCode = 1;
});
