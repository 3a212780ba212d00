/**
 * Where the time of a gradient method goes (issue 21): ONNX Runtime's own profile of the saliency
 * backward graph (input gradient of the target logit) for the zoo's VGG-style net, ResNet-18 and
 * MobileNetV2 at 224², summarised by op type and by node, plus the JS side of a `saliency.attribute` call (input
 * slicing, output copies, |gradient|) against ORT's run time. Graph variants (backward-rule forms,
 * session options) are compared back-to-back in the same process, interleaved run by run, in wall
 * and process CPU time — the machine is shared, so CPU seconds are the steadier figure.
 *
 *   npm run build && nice -n 10 node dist/bench/profile-gradients.js
 *   options: --models vgg,resnet,mobilenet  --batches 16,32  --threads 1,2  --runs 3  --top 12
 *            --variants current,...  (bench/gradient-variants.ts; a+b applies both)  --no-profile (timings only)  --no-js
 *            --torch (process CPU per run of saliency and IG 50 steps against PyTorch with the tuned
 *            allocator: torch_reference.py under /usr/bin/time with 1 and 1 + runs timed runs, the
 *            difference divided by runs, so Python's start-up and model loading cancel out)
 */
import './../src/onnx/ort-privacy.js';
import * as ort from 'onnxruntime-node';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { saliency } from '../src/attribution/saliency.js';
import { OnnxModel } from '../src/models/model.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { mobileNetV2 } from '../src/models/zoo/mobilenet-v2.js';
import { buildGradientGraph } from '../src/onnx/autodiff/gradient.js';
import type { Graph } from '../src/onnx/graph.js';
import { encodeModel } from '../src/onnx/proto.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { sliceRows, tensor, type Tensor } from '../src/tensor/tensor.js';
import { profiledSession, summariseProfile, type KernelSummary } from './ort-profile.js';
import { formatMs, median, table } from './stats.js';
import { spawnSync } from 'node:child_process';
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import { writeNpy } from '../src/data/formats/npy.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { torchReferenceCommand, torchVersion, type TorchRun } from './torch-reference.js';
import { combinedVariant, GRADIENT_VARIANTS, type GradientVariant } from './gradient-variants.js';

const MODELS: Record<string, { graph: () => Graph; classes: number }> = {
  vgg: { graph: () => vggStyle(), classes: 10 },
  resnet: { graph: () => resNet(), classes: 1000 },
  mobilenet: { graph: () => mobileNetV2(), classes: 1000 },
};

interface Case {
  model: string;
  batch: number;
  threads: number;
}

function images(batch: number, seed: number): Tensor {
  const rng = new Random(seed);
  const data = new Float32Array(batch * 3 * 224 * 224);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return tensor([batch, 3, 224, 224], data);
}

function oneHot(batch: number, classes: number): Tensor {
  const c = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) c[i * classes + (i % classes)] = 1;
  return tensor([batch, classes], c);
}

/** The saliency backward graph of `forward` as the variant builds it (rule forms are set only while building). */
function backwardGraph(forward: Graph, variant: GradientVariant): { graph: Graph; input: string; cotangent: string; output: string; gradient: string } {
  const restore = variant.apply?.() ?? (() => {});
  try {
    const out = forward.outputs[0].name;
    const input = forward.inputs[0].name;
    const g = buildGradientGraph({ ...forward, outputs: [forward.outputs[0]] }, { outputs: [out], wrt: [input] });
    return { graph: g.graph, input, cotangent: g.cotangents[0], output: out, gradient: g.gradients[0] };
  } finally {
    restore();
  }
}

function openSession(graph: Graph, threads: number, variant: GradientVariant, profilePrefix?: string): Promise<ort.InferenceSession> {
  return profiledSession(graph, threads, variant.sessionOptions ?? {}, profilePrefix);
}

interface Timing {
  wallMs: number[];
  cpuMs: number[];
  /** System CPU (page faults, madvise/munmap of freed buffers): high when memory is not reused between runs. */
  sysMs: number[];
}

async function timed(f: () => Promise<unknown>, into: Timing): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await f();
  into.wallMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const c = process.cpuUsage(c0);
  into.cpuMs.push((c.user + c.system) / 1000);
  into.sysMs.push(c.system / 1000);
}

/** Per-variant ORT profile of one case (separate profiled sessions, warm-up excluded). */
async function profileCase(c: Case, variants: GradientVariant[], runs: number, dir: string): Promise<Map<string, KernelSummary>> {
  const forward = MODELS[c.model].graph();
  const x = images(c.batch, 3);
  const cot = oneHot(c.batch, MODELS[c.model].classes);
  const out = new Map<string, KernelSummary>();
  for (const v of variants) {
    const g = backwardGraph(forward, v);
    const sub = await mkdtemp(join(dir, `${c.model}-${c.batch}-${c.threads}-${v.name}-`));
    const session = await openSession(g.graph, c.threads, v, join(sub, 'trace'));
    const feeds = { [g.input]: new ort.Tensor('float32', x.data, [...x.shape]), [g.cotangent]: new ort.Tensor('float32', cot.data, [...cot.shape]) };
    for (let i = 0; i < runs + 1; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const [file] = (await readdir(sub)).filter((f) => f.endsWith('.json'));
    out.set(v.name, await summariseProfile(join(sub, file), runs));
  }
  return out;
}

/** Unprofiled sessions of every variant, run interleaved (A B C A B C …) so load changes hit all alike. */
async function timeCase(c: Case, variants: GradientVariant[], runs: number): Promise<Map<string, Timing>> {
  const forward = MODELS[c.model].graph();
  const x = images(c.batch, 3);
  const cot = oneHot(c.batch, MODELS[c.model].classes);
  const sessions = [];
  for (const v of variants) {
    const g = backwardGraph(forward, v);
    const session = await openSession(g.graph, c.threads, v);
    const feeds = { [g.input]: new ort.Tensor('float32', x.data, [...x.shape]), [g.cotangent]: new ort.Tensor('float32', cot.data, [...cot.shape]) };
    await session.run(feeds);
    sessions.push({ v, session, feeds, timing: { wallMs: [], cpuMs: [], sysMs: [] } as Timing });
  }
  for (let i = 0; i < runs; i++) for (const s of sessions) await timed(() => s.session.run(s.feeds), s.timing);
  for (const s of sessions) await s.session.release();
  return new Map(sessions.map((s) => [s.v.name, s.timing]));
}

/**
 * The JS side of `saliency.attribute` with the shipped rules: the whole call against the ORT run
 * inside it (same graph, same session options), and the pieces in JS (row slicing of input and
 * cotangent, wrapping as ort.Tensor, |gradient|).
 */
async function jsSide(c: Case, runs: number): Promise<string[]> {
  configureRuntime({ threads: c.threads });
  const graph = MODELS[c.model].graph();
  const x = images(c.batch, 3);
  const targets = Array.from({ length: c.batch }, (_, i) => i % MODELS[c.model].classes);
  const model = new OnnxModel(graph, { internalBatchSize: c.batch });
  await saliency.attribute(model, x, { target: targets });
  const whole: Timing = { wallMs: [], cpuMs: [], sysMs: [] };
  for (let i = 0; i < runs; i++) await timed(() => saliency.attribute(model, x, { target: targets }), whole);
  await model.dispose();
  const g = backwardGraph(graph, GRADIENT_VARIANTS.current);
  const session = await openSession(g.graph, c.threads, GRADIENT_VARIANTS.current);
  const cot = oneHot(c.batch, MODELS[c.model].classes);
  const feeds = { [g.input]: new ort.Tensor('float32', x.data, [...x.shape]), [g.cotangent]: new ort.Tensor('float32', cot.data, [...cot.shape]) };
  await session.run(feeds);
  const ortOnly: Timing = { wallMs: [], cpuMs: [], sysMs: [] };
  let grad: Float32Array = new Float32Array(0);
  for (let i = 0; i < runs; i++) await timed(async () => (grad = (await session.run(feeds))[g.gradient].data as Float32Array), ortOnly);
  await session.release();
  const piece = (f: () => unknown) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) f();
    return Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  };
  const slice = piece(() => sliceRows(x, 0, c.batch - 1));
  const wrap = piece(() => new ort.Tensor('float32', x.data, [...x.shape]));
  const abs = piece(() => grad.map(Math.abs));
  const absLoop = piece(() => {
    const out = new Float32Array(grad.length);
    for (let i = 0; i < grad.length; i++) out[i] = Math.abs(grad[i]);
    return out;
  });
  // CPU, not wall: on a shared machine the wall times of two back-to-back measurements differ by more than the JS side.
  const w = median(whole.cpuMs);
  const o = median(ortOnly.cpuMs);
  return [
    `JS side, ${c.model} batch ${c.batch}, ${c.threads} thread(s): saliency.attribute CPU ${formatMs(w)} (wall ${formatMs(median(whole.wallMs))}), ` +
      `its session.run alone CPU ${formatMs(o)} (wall ${formatMs(median(ortOnly.wallMs))}); outside ORT ${formatMs(w - o)} CPU (${((100 * (w - o)) / w).toFixed(1)}%)`,
    `  pieces: copy of the input rows (sliceRows, ${(x.data.length * 4) / 1e6} MB) ${formatMs(slice)}, ort.Tensor wrap ${formatMs(wrap)}, |gradient| by Float32Array.map ${formatMs(abs)}, by a loop ${formatMs(absLoop)}`,
  ];
}

/** Process CPU (user + system) and wall seconds of one command, from /usr/bin/time. */
function timedCommand(python: string, args: string[], env: NodeJS.ProcessEnv): { cpu: number; wall: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %e', python, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stderr.split('\n').reverse().find((l) => l.startsWith('TIME '));
  if (r.status !== 0 || !line) throw new Error(`torch_reference.py failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const [user, system, wall] = line.slice(5).split(' ').map(Number);
  return { cpu: user + system, wall };
}

/**
 * trustscope against PyTorch (tuned allocator) in process CPU per run, back to back: saliency on the
 * case's batch and IG (50 steps, 1 image, 25 rows per call, as bench/workloads.ts).
 */
async function againstTorch(c: Case, runs: number, dir: string): Promise<string[]> {
  configureRuntime({ threads: c.threads });
  const graph = MODELS[c.model].graph();
  const classes = MODELS[c.model].classes;
  const modelPath = join(dir, `${c.model}.onnx`);
  await writeFileAtomic(modelPath, encodeModel(graph));
  const lines: string[] = [];
  const methods = [
    { method: 'saliency' as const, batch: c.batch, chunk: c.batch, torch: {}, ours: (m: OnnxModel, x: Tensor, t: number[]) => saliency.attribute(m, x, { target: t }) },
    { method: 'integrated-gradients' as const, batch: 1, chunk: 25, torch: { steps: 50 }, ours: (m: OnnxModel, x: Tensor, t: number[]) => integratedGradients.attribute(m, x, { target: t, steps: 50 }) },
  ];
  for (const w of methods) {
    const x = images(w.batch, 3);
    const targets = Array.from({ length: w.batch }, (_, i) => i % classes);
    const model = new OnnxModel(graph, { internalBatchSize: w.chunk });
    await w.ours(model, x, targets);
    const ours: Timing = { wallMs: [], cpuMs: [], sysMs: [] };
    for (let i = 0; i < runs; i++) await timed(() => w.ours(model, x, targets), ours);
    await model.dispose();
    const input = join(dir, `x-${w.method}-${w.batch}.npy`);
    const targetPath = join(dir, `t-${w.method}-${w.batch}.npy`);
    await writeNpy(input, x);
    await writeNpy(targetPath, tensor([w.batch], targets));
    const run = (repeats: number) => {
      const o: TorchRun = { ...w.torch, model: modelPath, batch: w.batch, size: 224, method: w.method, threads: c.threads, repeats, warmup: 1, input, targets: targetPath, chunk: w.chunk, malloc: 'tuned' };
      const { python, args, env } = torchReferenceCommand(o);
      return timedCommand(python, args, env);
    };
    const one = run(1);
    const many = run(1 + runs);
    const torchCpu = ((many.cpu - one.cpu) / runs) * 1000;
    const torchWall = ((many.wall - one.wall) / runs) * 1000;
    const oursCpu = median(ours.cpuMs);
    lines.push(
      `${c.model} ${w.method === 'saliency' ? `saliency, ${w.batch} img` : 'IG 50 steps, 1 img'}, ${c.threads} thread(s): ` +
        `trustscope CPU ${formatMs(oursCpu)}/run (wall ${formatMs(median(ours.wallMs))}), PyTorch tuned CPU ${formatMs(torchCpu)}/run (wall ${formatMs(torchWall)}): ` +
        `CPU ratio ${(torchCpu / oursCpu).toFixed(2)}× (load ${loadavg()[0].toFixed(2)})`,
    );
  }
  return lines;
}

function printSummary(c: Case, name: string, s: KernelSummary, top: number): void {
  console.log(`\n${c.model} batch ${c.batch}, ${c.threads} thread(s), variant '${name}': model_run ${formatMs(s.runMs)}, kernels ${formatMs(s.kernelMs)} per run`);
  console.log(table(['op type', 'nodes', 'ms/run', 'share'], s.byOp.map((o) => [o.op, `${o.nodes}`, o.ms.toFixed(1), `${((100 * o.ms) / s.kernelMs).toFixed(1)}%`])));
  console.log(table(['node (top)', 'op', 'ms/run'], s.byNode.slice(0, top).map((n) => [n.node, n.op, n.ms.toFixed(1)])));
}

async function main(): Promise<void> {
  const { values: opts } = parseArgs({
    options: {
      models: { type: 'string', default: 'vgg,resnet' },
      batches: { type: 'string', default: '16,32' },
      threads: { type: 'string', default: '1,2' },
      runs: { type: 'string', default: '3' },
      top: { type: 'string', default: '12' },
      variants: { type: 'string', default: 'current' },
      'no-profile': { type: 'boolean', default: false },
      'no-js': { type: 'boolean', default: false },
      torch: { type: 'boolean', default: false },
    },
  });
  const list = (s: string) => s.split(',').map((v) => v.trim()).filter(Boolean);
  const models = list(opts.models);
  const bad = models.find((m) => !(m in MODELS));
  if (bad) throw new Error(`--models takes ${Object.keys(MODELS).join(', ')} (got '${bad}')`);
  const variants = list(opts.variants).map((n) => {
    const parts = n.split('+').map((p) => {
      const v = GRADIENT_VARIANTS[p];
      if (!v) throw new Error(`--variants takes ${Object.keys(GRADIENT_VARIANTS).join(', ')}, or several joined by + (got '${p}')`);
      return v;
    });
    return parts.length === 1 ? parts[0] : combinedVariant(n, parts);
  });
  const runs = Number(opts.runs);
  const top = Number(opts.top);
  if (opts.torch && !torchVersion()) throw new Error('--torch needs torch, numpy and onnx importable by /usr/bin/python3.11 (see bench/torch-reference.ts)');
  const cases: Case[] = models.flatMap((model) => list(opts.batches).flatMap((b) => list(opts.threads).map((t) => ({ model, batch: Number(b), threads: Number(t) }))));
  console.log(`profile-gradients: onnxruntime-node, ${runs} timed runs after 1 warm-up; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-profile-'));
  try {
    for (const c of cases) {
      if (!opts['no-profile']) {
        const summaries = await profileCase(c, variants, runs, dir);
        for (const [name, s] of summaries) printSummary(c, name, s, top);
      }
      if (variants.length > 1 || opts['no-profile']) {
        const timings = await timeCase(c, variants, runs);
        console.log(`\n${c.model} batch ${c.batch}, ${c.threads} thread(s), interleaved, median of ${runs} (load ${loadavg()[0].toFixed(2)}):`);
        const base = timings.get(variants[0].name)!;
        console.log(
          table(
            ['variant', 'wall', 'CPU', 'of which system', `CPU vs ${variants[0].name}`],
            [...timings].map(([n, t]) => [n, formatMs(median(t.wallMs)), formatMs(median(t.cpuMs)), formatMs(median(t.sysMs)), `${(median(base.cpuMs) / median(t.cpuMs)).toFixed(2)}×`]),
          ),
        );
      }
      if (!opts['no-js']) for (const line of await jsSide(c, runs)) console.log(line);
      if (opts.torch) for (const line of await againstTorch(c, runs, dir)) console.log(line);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`profile-gradients: ${(e as Error).message}`);
  process.exitCode = 1;
});
