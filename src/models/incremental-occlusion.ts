/**
 * Occlusion by incremental inference (Krypton: Nakandala, Kumar & Papakonstantinou, SIGMOD 2019).
 * The image runs once in full and every activation of the local prefix is kept. For each window
 * placement only the box of each activation that the window can reach is recomputed: the needed
 * region of the parent (its cached values with the parent's recomputed box written over them, plus
 * the halo a kernel needs) is cropped, the layer's own op runs on the crops of many placements at
 * once (a one-node ONNX graph with dynamic H and W, the pads cut to those at the map's borders),
 * and the rest of the network runs in full on the cached cut activations with the boxes spliced in.
 * The maps equal full recomputation up to float32 rounding (the same ops on the same numbers, in
 * other groupings inside ORT's kernels).
 */
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, tensor } from '../tensor/tensor.js';
import type { Graph } from '../onnx/graph.js';
import { attr, intAttr } from '../onnx/graph.js';
import { subgraph } from '../onnx/subgraph.js';
import { SessionCache } from '../onnx/runtime.js';
import type { Box } from '../onnx/affected-box.js';
import { boxArea } from '../onnx/affected-box.js';
import type { IncrementalPlan, LocalPrefix, LocalStep } from '../onnx/local-prefix.js';
import type { Patch } from './incremental-crops.js';
import { assembleCrop, copyOverlap } from './incremental-crops.js';
import { analyseLocalPrefix, planIncremental, stepInputRegion, stepOutputBox } from '../onnx/local-prefix.js';

export interface IncrementalOcclusionOptions {
  /**
   * Krypton's stopping rule: a value whose affected box exceeds this fraction of its map is recomputed
   * in full (default 0.9; w16 s8 at 224², CPU time per image: ResNet-18 13.1 / 11.7 / 10.5 s at
   * 0.3 / 0.5 / 0.9, VGG-style 2.1 / 1.8 s at 0.5 / 0.9 — the per-call overhead, not the box, dominates).
   */
  maxAreaRatio?: number;
  /** Placements per batch of one-layer runs and of the network's rest (default 64). */
  placementsPerBatch?: number;
}

export class IncrementalOcclusion {
  private readonly sessions = new SessionCache();
  /**
   * The one-layer runs on crops are small (tens of thousands of outputs): a second thread only adds
   * ORT's per-call thread-pool hand-off and spinning, which measured more than the work itself.
   */
  private readonly stepSessions = new SessionCache({ threads: 1 });
  private readonly plans = new Map<string, IncrementalPlan | null>();
  private readonly stages = new Map<IncrementalPlan, { head: LocalStep; output: string }[]>();
  private readonly prefix: LocalPrefix;
  private readonly maxAreaRatio: number;
  private readonly perBatch: number;

  /** `graph` has one input `input` [N, C, H, W] and its first output `output` [N, K]. */
  constructor(private readonly graph: Graph, private readonly input: string, private readonly output: string, options: IncrementalOcclusionOptions = {}) {
    this.prefix = analyseLocalPrefix(graph, input);
    this.maxAreaRatio = options.maxAreaRatio ?? 0.9;
    this.perBatch = Math.max(1, options.placementsPerBatch ?? 64);
  }

  /** The plan for a window size, or null when nothing in the graph can be recomputed incrementally. */
  plan(window: readonly [number, number]): IncrementalPlan | null {
    const key = window.join('x');
    if (!this.plans.has(key)) this.plans.set(key, planIncremental(this.graph, this.prefix, window, this.maxAreaRatio));
    return this.plans.get(key)!;
  }

  private shape(v: string): readonly [number, number, number] {
    return this.prefix.shapes.get(v)!;
  }

  /**
   * Outputs [n·P, K] of the images with each placement (row i·P + p: image i, placement p) replaced
   * by the baseline (one value per input element, [n, C, H, W] flattened); null when the graph has
   * no incremental plan for this window.
   */
  async forwardOccluded(x: Tensor, placements: readonly (readonly [number, number])[], window: readonly [number, number], baseline: Float32Array): Promise<Tensor | null> {
    const plan = this.plan(window);
    // No rows to score: the caller's full path already returns the right empty shapes.
    if (!plan || x.shape[0] === 0 || placements.length === 0) return null;
    const [c, h, w] = this.shape(this.input);
    const image = c * h * w;
    const cached = [...new Set([...this.stagesOf(plan).flatMap((s) => s.head.localInputs), ...plan.cut])].filter((v) => v !== this.input);
    const full = await this.sessions.get(`full:${cached.join('|')}`, () => subgraph(this.graph, [{ name: this.input, shape: ['N', c, h, w] }], cached.map((v) => ({ name: v, shape: ['N', ...this.shape(v)] })), `${this.graph.name}:prefix`));
    const outputs: Tensor[] = [];
    for (let i = 0; i < x.shape[0]; i++) {
      const one = tensor([1, c, h, w], x.data.subarray(i * image, (i + 1) * image));
      const cache = new Map<string, Float32Array>([[this.input, one.data]]);
      if (cached.length > 0) {
        const r = await full.run({ [this.input]: one }, cached);
        for (const v of cached) cache.set(v, r[v].data);
      }
      for (let first = 0; first < placements.length; first += this.perBatch) {
        const batch = placements.slice(first, first + this.perBatch);
        const patches = new Map<string, Patch[]>();
        patches.set(this.input, batch.map(([y0, x0]) => {
          const box = { y0, y1: Math.min(h, y0 + window[0]), x0, x1: Math.min(w, x0 + window[1]) };
          const data = new Float32Array(c * boxArea(box));
          copyOverlap(baseline.subarray(i * image, (i + 1) * image), { y0: 0, y1: h, x0: 0, x1: w }, data, box, c);
          return { box, data };
        }));
        for (const stage of this.stagesOf(plan)) patches.set(stage.output, await this.runStep(stage.head, patches, cache, stage.output));
        outputs.push(await this.runRest(plan, batch.length, patches, cache));
      }
    }
    return concatRows(outputs);
  }

  /**
   * The plan's steps as stages: a step followed by the pointwise ops that alone read its output
   * (Conv → Relu, Add → Relu, Conv → BatchNormalization → Relu) runs as one graph, so each stage
   * costs one ORT call and one crop per group (the pointwise ops keep the box they are given).
   */
  private stagesOf(plan: IncrementalPlan): { head: LocalStep; output: string }[] {
    const cached = this.stages.get(plan);
    if (cached) return cached;
    const readers = new Map<string, number>();
    for (const n of this.graph.nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
    const visible = new Set([...plan.cut, ...this.graph.outputs.map((o) => o.name)]);
    const stages: { head: LocalStep; output: string }[] = [];
    for (const step of plan.steps) {
      const last = stages[stages.length - 1];
      const follows = last && step.kind === 'pointwise' && step.localInputs.length === 1 && step.localInputs[0] === last.output;
      if (follows && readers.get(last.output) === 1 && !visible.has(last.output)) last.output = step.output;
      else stages.push({ head: step, output: step.output });
    }
    this.stages.set(plan, stages);
    return stages;
  }

  /** Recomputes a step's affected box for every placement of the batch, grouping placements whose crops have one shape. */
  private async runStep(step: LocalStep, patches: Map<string, Patch[]>, cache: Map<string, Float32Array>, output: string): Promise<Patch[]> {
    const [cout, oh, ow] = this.shape(output);
    const [, ih, iw] = this.shape(step.localInputs[0]);
    const parents = step.localInputs.map((v) => patches.get(v)!);
    const count = parents[0].length;
    const result: Patch[] = new Array(count);
    const padValue = cropPadValue(step);
    const groups = new Map<string, { placements: number[]; out: Box[]; crops: Box[]; pads: readonly number[] }>();
    for (let p = 0; p < count; p++) {
      const out = stepOutputBox(step, parents.map((ps) => ps[p].box), [oh, ow]);
      if (!out) {
        result[p] = { box: null, data: new Float32Array(0) };
        continue;
      }
      const { box, pads } = stepInputRegion(step, out, [ih, iw]);
      // With the padding written into the crop, every crop of one size shares one graph (and one call).
      const crop = padValue === null ? box : { y0: box.y0 - pads[0], x0: box.x0 - pads[1], y1: box.y1 + pads[2], x1: box.x1 + pads[3] };
      const graphPads = padValue === null ? pads : NO_PADS;
      const key = `${graphPads.join(',')}|${crop.y1 - crop.y0}x${crop.x1 - crop.x0}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { placements: [], out: [], crops: [], pads: graphPads }));
      g.placements.push(p);
      g.out.push(out);
      g.crops.push(crop);
    }
    for (const g of groups.values()) {
      const session = await this.stepSessions.get(`step:${step.node.name}>${output}|${g.pads.join(',')}`, () => this.stepGraph(step, g.pads, output));
      const feeds: Record<string, Tensor> = {};
      step.localInputs.forEach((v, k) => {
        const [ch, vh, vw] = this.shape(v);
        const crop = g.crops[0];
        const size = ch * boxArea(crop);
        const data = new Float32Array(g.placements.length * size);
        const map = cache.get(v)!;
        g.placements.forEach((p, r) => {
          assembleCrop(data.subarray(r * size, (r + 1) * size), ch, g.crops[r], map, vh, vw, parents[k][p], padValue ?? 0);
        });
        feeds[v] = tensor([g.placements.length, ch, crop.y1 - crop.y0, crop.x1 - crop.x0], data);
      });
      const y = (await session.run(feeds, [output]))[output];
      const size = cout * boxArea(g.out[0]);
      if (y.data.length !== g.placements.length * size) throw new Error(`incremental occlusion: step '${step.node.name}' returned ${y.shape.join('×')} for boxes of ${g.out[0].y1 - g.out[0].y0}×${g.out[0].x1 - g.out[0].x0}`);
      g.placements.forEach((p, r) => (result[p] = { box: g.out[r], data: y.data.subarray(r * size, (r + 1) * size) }));
    }
    return result;
  }

  /** A graph of the step's node (and the pointwise ops fused after it, up to `output`), its pads replaced, its local inputs fed with dynamic H and W. */
  private stepGraph(step: LocalStep, pads: readonly number[], output: string): Graph {
    const node = step.kind === 'window' ? { ...step.node, attributes: { ...step.node.attributes, pads: attr.ints(pads), auto_pad: attr.string('NOTSET') } } : step.node;
    const graph = { ...this.graph, nodes: this.graph.nodes.map((n) => (n === step.node ? node : n)) };
    const cut = (v: string) => ({ name: v, shape: ['N', this.shape(v)[0], 'H', 'W'] });
    return subgraph(graph, step.localInputs.map(cut), [cut(output)], `${this.graph.name}:${step.node.name}`);
  }

  /** The network after the plan, on the cut activations with each placement's boxes spliced in. */
  private async runRest(plan: IncrementalPlan, rows: number, patches: Map<string, Patch[]>, cache: Map<string, Float32Array>): Promise<Tensor> {
    const session = await this.sessions.get(`rest:${plan.cut.join('|')}`, () =>
      subgraph(this.graph, plan.cut.map((v) => ({ name: v, shape: ['N', ...this.shape(v)] })), [{ name: this.output, shape: ['N', 'K'] }], `${this.graph.name}:rest`),
    );
    const feeds: Record<string, Tensor> = {};
    for (const v of plan.cut) {
      const [ch, vh, vw] = this.shape(v);
      const size = ch * vh * vw;
      const data = new Float32Array(rows * size);
      const base = cache.get(v)!;
      for (let r = 0; r < rows; r++) {
        const into = data.subarray(r * size, (r + 1) * size);
        into.set(base);
        const patch = patches.get(v)![r];
        if (patch.box) copyOverlap(patch.data, patch.box, into, { y0: 0, y1: vh, x0: 0, x1: vw }, ch);
      }
      feeds[v] = tensor([rows, ch, vh, vw], data);
    }
    return (await session.run(feeds, [this.output]))[this.output];
  }

  async dispose(): Promise<void> {
    await this.sessions.dispose();
    await this.stepSessions.dispose();
  }
}

const NO_PADS = [0, 0, 0, 0] as const;

/**
 * The value a step's own padding stands for, when writing it into the crop is exact: 0 for Conv and
 * for AveragePool that counts the pads, −∞ for MaxPool (a window always holds a real pixel), 0 for
 * pointwise ops (their crops never leave the map). null: the pads must stay the op's (AveragePool
 * that divides by the real pixels only).
 */
function cropPadValue(step: LocalStep): number | null {
  switch (step.node.opType) {
    case 'MaxPool':
      return -Infinity;
    case 'AveragePool':
      return intAttr(step.node, 'count_include_pad', 0) === 1 ? 0 : null;
    default:
      return 0;
  }
}
