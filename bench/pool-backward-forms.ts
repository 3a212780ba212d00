/**
 * The non-overlapping max-pool backward on large maps (issue 21's memory row: IG on one 1024²
 * image through `smallConvNet`, whose 4×4 pool backward was 69% of the kernel time in its
 * SpaceToDepth form). Compares the first-maximum forms of max-pool.ts — 'unpool' (MaxPool with
 * Indices + MaxUnpool), 'split' (SpaceToDepth, Split, masks, Concat, Transpose), 'argmax' (one
 * ArgMax over the window axis) — on
 *   (a) the memory row's input-gradient graph (2 rows of 1×1024², the rows per call its 512 MB
 *       budget gives), and
 *   (b) ReLU → MaxPool k×k alone on 2 × 8 × 1024² for several k,
 * interleaved run by run (A B C A B C …) in process CPU and wall, every form's gradient checked
 * equal to the first's; with --profile, ORT's kernel time by op type for (a), per form; with
 * --ig N, the memory row itself (Integrated Gradients, 50 steps, through OnnxModel) N times per
 * form, interleaved, in process CPU (the peak RSS of the row is run.ts's --only memory).
 *
 *   npm run build && nice -n 10 node dist/bench/pool-backward-forms.js [--runs 5] [--threads 2] [--kernels 2,3,4,8] [--profile] [--ig 1]
 */
import '../src/onnx/ort-privacy.js';
import * as ort from 'onnxruntime-node';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { smallConvNet } from '../src/models/zoo/small-conv-net.js';
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import { OnnxModel } from '../src/models/model.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { tensor } from '../src/tensor/tensor.js';
import { buildGradientGraph } from '../src/onnx/autodiff/gradient.js';
import { maxPoolGradientForms } from '../src/onnx/autodiff/max-pool.js';
import { GraphEditor } from '../src/onnx/editor.js';
import { attr, type Graph } from '../src/onnx/graph.js';
import { Random } from '../src/tensor/random.js';
import { profiledSession, summariseProfile } from './ort-profile.js';
import { formatMs, median, table } from './stats.js';

type Form = typeof maxPoolGradientForms.firstMax;
const FORMS: Form[] = ['unpool', 'split', 'argmax'];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    kernels: { type: 'string', default: '2,3,4,8' },
    size: { type: 'string', default: '1024' },
    profile: { type: 'boolean', default: false },
    ig: { type: 'string', default: '0' },
  },
});
const runs = Number(values.runs);
const threads = Number(values.threads);
const size = Number(values.size);

interface Case {
  label: string;
  graph: Graph;
  /** Input shape, batch included. */
  shape: number[];
}

function poolAlone(k: number): Case {
  const e = new GraphEditor(`pool${k}`, 17);
  const x = e.input('x', ['N', 8, size, size]);
  e.output(e.op('MaxPool', [e.op('Relu', [x])], { kernel_shape: attr.ints([k, k]), strides: attr.ints([k, k]) }));
  return { label: `ReLU → MaxPool ${k}×${k} alone, 2 × 8 × ${size}²`, graph: e.build(), shape: [2, 8, size, size] };
}

function random(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** The input-gradient graph of `graph` with one max-pool form; the cotangent input's shape comes from the graph. */
function gradientOf(graph: Graph, form: Form) {
  const before = maxPoolGradientForms.firstMax;
  maxPoolGradientForms.firstMax = form;
  try {
    return buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: [graph.inputs[0].name] });
  } finally {
    maxPoolGradientForms.firstMax = before;
  }
}

function open(graph: Graph, profilePrefix?: string): Promise<ort.InferenceSession> {
  return profiledSession(graph, threads, {}, profilePrefix);
}

function feedsFor(c: Case, g: ReturnType<typeof gradientOf>): Record<string, ort.Tensor> {
  const cot = g.graph.inputs.find((i) => i.name === g.cotangents[0])!;
  const cotShape = [c.shape[0], ...(cot.shape!.slice(1) as number[])];
  const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    [c.graph.inputs[0].name]: new ort.Tensor('float32', random(count(c.shape), 1), c.shape),
    [g.cotangents[0]]: new ort.Tensor('float32', random(count(cotShape), 2), cotShape),
  };
}

/** Interleaved timing of every form on one case; returns table rows and whether the gradients agree exactly. */
async function timeCase(c: Case): Promise<string[][]> {
  const sides = [];
  for (const form of FORMS) {
    const g = gradientOf(c.graph, form);
    const session = await open(g.graph);
    const feeds = feedsFor(c, g);
    const first = await session.run(feeds);
    sides.push({ form, session, feeds, grad: first[g.gradients[0]].data as Float32Array, nodes: g.graph.nodes.length, cpu: [] as number[], wall: [] as number[] });
  }
  for (let r = 0; r < runs; r++) {
    for (const s of sides) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await s.session.run(s.feeds);
      s.wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const u = process.cpuUsage(c0);
      s.cpu.push((u.user + u.system) / 1000);
    }
  }
  const base = sides[0];
  const rows = sides.map((s) => {
    let diff = 0;
    for (let i = 0; i < s.grad.length; i++) if (s.grad[i] !== base.grad[i]) diff++;
    return [c.label, s.form, String(s.nodes), formatMs(median(s.cpu)), formatMs(median(s.wall)), (median(s.cpu) / median(base.cpu)).toFixed(2), diff === 0 ? 'identical' : `${diff} differ`];
  });
  for (const s of sides) await s.session.release();
  return rows;
}

/** ORT's kernel time by op type per form (separate profiled sessions, warm-up excluded). */
async function profileCase(c: Case): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pool-forms-'));
  const lines: string[] = [];
  try {
    for (const form of FORMS) {
      const g = gradientOf(c.graph, form);
      const sub = await mkdtemp(join(dir, `${form}-`));
      const session = await open(g.graph, join(sub, 'trace'));
      const feeds = feedsFor(c, g);
      for (let i = 0; i < runs + 1; i++) await session.run(feeds);
      session.endProfiling();
      await session.release();
      const [file] = (await readdir(sub)).filter((f) => f.endsWith('.json'));
      const p = await summariseProfile(join(sub, file), runs);
      const top = p.byOp.slice(0, 8).map((o) => `${o.op} ${((100 * o.ms) / p.kernelMs).toFixed(0)}% (${formatMs(o.ms)}, ${o.nodes})`);
      lines.push(`${c.label}, ${form}: kernel ${formatMs(p.kernelMs)} per run (run ${formatMs(p.runMs)}): ${top.join(', ')}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}

/** The memory row as bench/memory-rows.ts runs it (IG 50 steps, target 0, the model's default budget), per form, interleaved. */
async function igRow(repeats: number): Promise<string[][]> {
  configureRuntime({ threads });
  const graph = smallConvNet(size);
  const x = tensor([1, 1, size, size], random(size * size, 41));
  const cpu = new Map<Form, number[]>(FORMS.map((f) => [f, []]));
  const maps = new Map<Form, Float32Array>();
  for (let r = 0; r < repeats; r++) {
    for (const form of FORMS) {
      const before = maxPoolGradientForms.firstMax;
      maxPoolGradientForms.firstMax = form;
      // A fresh model per run: the gradient graph is built with this form (and its session with it).
      const model = new OnnxModel(graph);
      try {
        const c0 = process.cpuUsage();
        const a = await integratedGradients.attribute(model, x, { target: 0, steps: 50 });
        const u = process.cpuUsage(c0);
        cpu.get(form)!.push((u.user + u.system) / 1000);
        maps.set(form, a.values.data);
      } finally {
        maxPoolGradientForms.firstMax = before;
        await model.dispose();
      }
    }
  }
  const base = maps.get(FORMS[0])!;
  return FORMS.map((f) => {
    const m = maps.get(f)!;
    const same = m.every((v, i) => v === base[i]);
    return [`memory row: IG 50 steps, 1 × ${size}² (OnnxModel, sessions included)`, f, formatMs(median(cpu.get(f)!)), cpu.get(f)!.map(formatMs).join(' / '), (median(cpu.get(f)!) / median(cpu.get(FORMS[0])!)).toFixed(2), same ? 'identical' : 'differ'];
  });
}

const memoryRow: Case = { label: `memory row: smallConvNet(${size}) input gradient, 2 rows`, graph: smallConvNet(size), shape: [2, 1, size, size] };
const cases = [memoryRow, ...values.kernels!.split(',').filter(Boolean).map((k) => poolAlone(Number(k)))];
console.log(`threads ${threads}, median of ${runs} interleaved runs after 1 warm-up; load average at start ${loadavg()[0].toFixed(1)}`);
const rows: string[][] = [];
for (const c of cases) rows.push(...(await timeCase(c)));
console.log(table(['graph', 'form', 'nodes', 'CPU', 'wall', 'CPU ÷ unpool CPU', 'gradient vs unpool'], rows));
if (values.profile) for (const line of await profileCase(memoryRow)) console.log(line);
if (Number(values.ig) > 0) console.log(table(['row', 'form', 'CPU (median)', 'CPU (each)', 'CPU ÷ unpool CPU', 'map vs unpool'], await igRow(Number(values.ig))));
console.log(`load average at end ${loadavg()[0].toFixed(1)}`);
