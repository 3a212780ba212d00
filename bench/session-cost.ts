/**
 * Where a saliency call's time goes before and after the first kernel (issue 21: "the session cost
 * and the steady-state kernels count: report them separately"). For each model, the input-gradient
 * (vjp) graph of a 16-image saliency pass, step by step:
 *
 *   (a) autodiff: building our backward graph (JS)      (b) encoding it as ONNX bytes
 *   (c) InferenceSession.create at each ORT optimisation level
 *   (d) the first run                                   (e) a steady-state run (median of the rest)
 *
 * and the optimised-graph store (src/onnx/optimized-graph-store.ts): a miss (optimise + write the
 * graph) and a hit (read + load with optimisation off), with the hit session's output compared to
 * the uncached one exactly. Each step reports process CPU time (ORT's threads included) and wall
 * time: the machine is shared, so CPU seconds are the steadier figure.
 *
 * Models: the zoo's ResNet-18 (224², 1000 classes), the zoo's tiny CNN (to show where storing stops
 * paying) and, with --torch-resnet FILE.onnx, a PyTorch-exported ResNet-18
 * (`/usr/bin/python3 bench/reference/export_resnet18.py /tmp/resnet18 17`).
 *
 *   npm run bench -- --only session
 *   npm run build && node dist/bench/session-cost.js [--images 16] [--threads 2] [--runs 3] [--levels all,extended,basic,disabled] [--torch-resnet F.onnx|export]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGradientGraph } from '../src/onnx/autodiff/gradient.js';
import type { Graph } from '../src/onnx/graph.js';
import { OptimizedGraphStore } from '../src/onnx/optimized-graph-store.js';
import { decodeModel, encodeModel } from '../src/onnx/proto.js';
import { createSession, sessionFromBytes, useOptimizedGraphStore, type OptimizationLevel, type Session } from '../src/onnx/runtime.js';
import { OnnxModel } from '../src/models/model.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { Random } from '../src/tensor/random.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { formatMs, measured, median, table, type Measured } from './stats.js';
import { encodeNpy } from '../src/data/formats/npy.js';
import { explainDropped } from '../src/web/explain-session.js';
import { droppedModels } from '../src/web/model-shelf.js';
import { PYTHON } from './torch-reference.js';

export interface SessionCostOptions {
  images?: number;
  threads?: number;
  /** Runs per session: the first, then the steady state is the median of the others (default 3). */
  runs?: number;
  levels?: readonly OptimizationLevel[];
  /** A PyTorch-exported ResNet-18 .onnx; 'export' writes one with bench/reference/export_resnet18.py when torch is there. */
  torchResnet?: string;
}

/** Exports the PyTorch ResNet-18 (opset 17) into `dir`; undefined when torch is not installed. */
function exportTorchResnet(dir: string): string | undefined {
  const script = [new URL('../../bench/reference/export_resnet18.py', import.meta.url), new URL('./reference/export_resnet18.py', import.meta.url)].map((u) => fileURLToPath(u)).find(existsSync);
  if (!script || !existsSync(PYTHON)) return undefined;
  const r = spawnSync(PYTHON, [script, join(dir, 'resnet18'), '17'], { encoding: 'utf8', timeout: 10 * 60_000 });
  const path = join(dir, 'resnet18-opset17.onnx');
  return r.status === 0 && existsSync(path) ? path : undefined;
}

const cell = (t: { cpuMs: number; wallMs: number }) => `${formatMs(t.cpuMs)} (${formatMs(t.wallMs)})`;

interface Case {
  label: string;
  graph: Graph;
}

/** The vjp graph exactly as OnnxModel.vjp builds it (gradient rules, input gradient, the flat output). */
function vjpGraph(model: OnnxModel) {
  const forward = { ...model.graph, outputs: [model.graph.outputs[0]] };
  return buildGradientGraph(forward, { outputs: [model.outputName], wrt: [model.inputName] });
}

async function runs(session: Session, feeds: Record<string, Tensor>, count: number) {
  const first = await measured(() => session.run(feeds));
  const rest: Measured<unknown>[] = [];
  for (let i = 1; i < count; i++) rest.push(await measured(() => session.run(feeds)));
  const steady = rest.length ? { cpuMs: median(rest.map((r) => r.cpuMs)), wallMs: median(rest.map((r) => r.wallMs)) } : first;
  return { first, steady, output: first.value };
}

export async function runSessionCostBench(options: SessionCostOptions = {}): Promise<string[]> {
  const { images = 16, threads = 2, runs: count = 3, levels = ['disabled', 'basic', 'extended', 'all'] } = options;
  const buildRows: string[][] = [];
  const callRows: string[][] = [];
  const levelRows: string[][] = [];
  const storeRows: string[][] = [];
  const abRows: string[][] = [];
  const workbenchRows: string[][] = [];
  const abPairs = 7;
  const notes: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-session-cost-'));
  const torchResnet = options.torchResnet === 'export' ? exportTorchResnet(dir) : options.torchResnet;
  if (options.torchResnet === 'export' && !torchResnet) notes.push(`PyTorch-exported ResNet-18: skipped (${PYTHON} with torch not available)`);
  const cases: Case[] = [
    { label: 'ResNet-18 (zoo) 224²', graph: resNet({ size: 224, seed: 0 }) },
    { label: 'tiny CNN (zoo) 32²', graph: tinyCnn({ seed: 0 }) },
  ];
  if (torchResnet) cases.push({ label: 'ResNet-18 (torch.onnx.export) 224²', graph: decodeModel(readFileSync(torchResnet), torchResnet) });

  // Sessions here are built with explicit stores; the process-wide one stays off.
  useOptimizedGraphStore(undefined);
  try {
    for (const c of cases) {
      const model = new OnnxModel(c.graph);
      const autodiff = await measured(() => vjpGraph(model));
      const g = autodiff.value;
      const encoded = await measured(() => encodeModel(g.graph));
      const bytes = encoded.value;
      buildRows.push([c.label, `${g.graph.nodes.length}`, `${(bytes.length / 1e6).toFixed(1)} MB`, cell(autodiff), cell(encoded)]);

      const rng = new Random(7);
      const x = tensor([images, ...model.inputShape], Float32Array.from({ length: images * model.inputShape.reduce((a, b) => a * b, 1) }, () => rng.next()));
      const cotangent = tensor([images, model.outputSize]);
      for (let i = 0; i < images; i++) cotangent.data[i * model.outputSize + (i % model.outputSize)] = 1;
      const feeds = { [model.inputName]: x, [g.cotangents[0]]: cotangent };

      let reference: Record<string, Tensor> | undefined;
      for (const level of levels) {
        const created = await measured(() => sessionFromBytes(bytes, g.graph.name, { threads, optimizationLevel: level }));
        const r = await runs(created.value, feeds, count);
        if (level === 'all') reference = r.output;
        await created.value.release();
        levelRows.push([c.label, level, cell(created), cell(r.first), cell(r.steady)]);
      }

      // The store: a miss optimises at 'all' and writes; a hit reads and loads with optimisation off.
      const store = new OptimizedGraphStore(join(dir, c.label.replace(/\W+/g, '-')), { minModelBytes: 0 });
      useOptimizedGraphStore(store);
      const miss = await measured(() => createSession(g.graph, { threads, optimizationLevel: 'all' }));
      await miss.value.release();
      await store.settled();
      const hit = await measured(() => createSession(g.graph, { threads, optimizationLevel: 'all' }));
      useOptimizedGraphStore(undefined);
      const r = await runs(hit.value, feeds, count);
      await hit.value.release();
      let identical = '—';
      if (reference) {
        const same = Object.keys(reference).every((k) => reference![k].data.length === r.output[k].data.length && reference![k].data.every((v, i) => Object.is(v, r.output[k].data[i])));
        identical = same ? 'yes' : 'NO';
        if (!same) process.exitCode = 1;
      }
      storeRows.push([c.label, `${miss.value.optimizedGraph} → ${hit.value.optimizedGraph}`, cell(miss), cell(hit), cell(r.first), cell(r.steady), identical]);
      // A/B from the graph, alternating so that load drifts hit both sides: createSession without a
      // store (encode + optimise) against a warm hit, for the forward graph and the vjp graph.
      for (const [variant, graph] of [['forward', { ...model.graph, outputs: [model.graph.outputs[0]] }], ['vjp', g.graph]] as const) {
        const sides: Record<'off' | 'hit', number[]> = { off: [], hit: [] };
        const once = async (side: 'off' | 'hit') => {
          useOptimizedGraphStore(side === 'hit' ? store : undefined);
          const t = await measured(() => createSession(graph, { threads, optimizationLevel: 'all' }));
          await t.value.release();
          await store.settled();
          sides[side].push(t.cpuMs);
        };
        await once('hit');
        sides.hit.length = 0;
        for (let i = 0; i < abPairs; i++) {
          await once('off');
          await once('hit');
        }
        useOptimizedGraphStore(undefined);
        abRows.push([c.label, variant, formatMs(median(sides.off)), formatMs(median(sides.hit)), formatMs(median(sides.off) - median(sides.hit))]);
      }
      await model.dispose();

      // What `explain --method saliency` runs, through the Model: a forward pass for the predicted
      // classes, then the vjp; the first call of each builds its graph and session, the second does not.
      const fresh = new OnnxModel(c.graph);
      const forwardCold = await measured(() => fresh.forward(x));
      const forwardWarm = await measured(() => fresh.forward(x));
      const vjpCold = await measured(() => fresh.vjp(x, cotangent));
      const vjpWarm = await measured(() => fresh.vjp(x, cotangent));
      const session = { cpuMs: forwardCold.cpuMs - forwardWarm.cpuMs + vjpCold.cpuMs - vjpWarm.cpuMs, wallMs: forwardCold.wallMs - forwardWarm.wallMs + vjpCold.wallMs - vjpWarm.wallMs };
      callRows.push([c.label, cell(forwardCold), cell(forwardWarm), cell(vjpCold), cell(vjpWarm), cell(session), `${fresh.rowsPerCall('backward')}`]);
      await fresh.dispose();
    }
    // The workbench's explain request (src/web/explain-session.ts, here on onnxruntime-node), three
    // times on the same dropped model: the first builds everything, the next reuse it (model-shelf.ts).
    const shelf = cases[0];
    const rng = new Random(7);
    const x = tensor([images, 3, 224, 224], Float32Array.from({ length: images * 3 * 224 * 224 }, () => rng.next()));
    const request = { model: { name: 'resnet18.onnx', bytes: encodeModel(shelf.graph) }, images: [{ name: 'x.npy', bytes: encodeNpy(x) }], method: 'saliency', batchSize: images };
    const env = { trustscope: 'bench', onnxruntime: 'node', platform: 'Node', os: process.platform, arch: process.arch, cores: 2 };
    const requests: string[] = [];
    for (let i = 0; i < 3; i++) requests.push(cell(await measured(() => explainDropped(request, env))));
    await droppedModels.clear();
    workbenchRows.push([shelf.label, ...requests]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  notes.push(`${images} images per run, ${threads} ORT thread(s); figures are process CPU time (wall time); steady state = median of runs 2..${count}.`);
  return [
    'Session cost of the input-gradient (saliency) graph: building it',
    table(['model', 'backward nodes', 'encoded', '(a) autodiff', '(b) encode'], buildRows),
    '',
    'A saliency call through the Model (forward for the targets, then the vjp): first call (graphs and sessions built) and second',
    table(['model', 'forward, first', 'forward, second', 'vjp, first', 'vjp, second', 'session cost (first − second)', 'vjp rows per ORT call'], callRows),
    '',
    'ORT optimisation levels: (c) InferenceSession.create, (d) first run, (e) steady-state run',
    table(['model', 'level', '(c) create', '(d) first run', '(e) steady run'], levelRows),
    '',
    "Optimised-graph store (level 'all'), from the graph: miss = fingerprint + encode + optimise (ORT writes the graph; our checked copy is made in the background); hit = fingerprint + read + check + load with optimisation off",
    table(['model', 'store', 'create, miss', 'create, hit', 'first run (hit)', 'steady run (hit)', 'output identical to uncached'], storeRows),
    '',
    `Optimised-graph store, A/B from the graph (median CPU of ${abPairs} alternating pairs): createSession without a store against a warm hit`,
    table(['model', 'graph', 'no store', 'hit', 'saved'], abRows),
    '',
    `The workbench's explain request (saliency, ${images} images, page included) three times on the same dropped model: the model and its sessions are kept after the first`,
    table(['model', 'request 1', 'request 2', 'request 3'], workbenchRows),
    ...notes,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { images: { type: 'string' }, threads: { type: 'string' }, runs: { type: 'string' }, levels: { type: 'string' }, 'torch-resnet': { type: 'string' } },
  });
  const lines = await runSessionCostBench({
    images: values.images ? Number(values.images) : undefined,
    threads: values.threads ? Number(values.threads) : undefined,
    runs: values.runs ? Number(values.runs) : undefined,
    levels: values.levels?.split(',') as OptimizationLevel[] | undefined,
    torchResnet: values['torch-resnet'],
  });
  for (const line of lines) console.log(line);
}
