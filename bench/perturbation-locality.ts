/**
 * Would incremental inference (the machinery behind `--incremental auto` occlusion) pay for the other
 * perturbation methods? A perturbed copy can be recomputed incrementally when the elements it
 * changes fit in a small box, either against the input (the changed elements are the absent
 * features) or against the baseline image (the changed elements are the present ones: an image that
 * equals a constant baseline except a few patches is a "baseline occluded by the input"). This
 * script draws the copies each method really builds and counts, per copy, the multiply–accumulates
 * of the exact incremental recompute (the plan's boxes for the smaller of the two boxes, plus the
 * rest of the network in full) against a full forward pass; the ratio of the sums is the best
 * speed-up the machinery could give the method (measured occlusion reaches 60–70% of its FLOP bound).
 *
 *   npm run build && node dist/bench/perturbation-locality.js
 *
 * No model runs: only the plans and the coalitions, orders and boxes (a few seconds).
 */
import { fileURLToPath } from 'node:url';
import { IncrementalOcclusion } from '../src/models/incremental-occlusion.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import type { Box } from '../src/onnx/affected-box.js';
import { boxArea } from '../src/onnx/affected-box.js';
import type { Graph, Node } from '../src/onnx/graph.js';
import { stepOutputBox } from '../src/onnx/local-prefix.js';
import { inferShapes } from '../src/onnx/shapes.js';
import { Random } from '../src/tensor/random.js';
import { sampleCoalitions } from '../src/tensor/shapley-kernel.js';
import { table } from './stats.js';

const SIZE = 224;

/** Multiply–accumulates of Conv and Gemm nodes: whole forward pass, and the exact incremental recompute of one changed box. */
class IncrementalCost {
  private readonly shapes: Map<string, number[]>;
  private readonly inc: IncrementalOcclusion;
  readonly full: number;

  constructor(private readonly graph: Graph) {
    this.shapes = inferShapes(graph).shapes;
    this.inc = new IncrementalOcclusion(graph, 'input', graph.outputs[0].name);
    this.full = graph.nodes.reduce((s, n) => s + this.macs(n, null), 0);
  }

  /** MACs of a node over its whole output (box null) or over a box of it. */
  private macs(n: Node, box: Box | null): number {
    if (n.opType === 'Gemm') {
      const w = this.graph.initializers.get(n.inputs[1])!.dims;
      return w[0] * w[1];
    }
    if (n.opType !== 'Conv') return 0;
    const w = this.graph.initializers.get(n.inputs[1])!.dims;
    const s = this.shapes.get(n.outputs[0])!;
    return (box ? boxArea(box) : s[2] * s[3]) * w[0] * w[1] * w[2] * w[3];
  }

  /** MACs of recomputing a copy whose changes fit in `box` (the plan of a window of the box's size; null plan: a full pass). */
  of(box: Box): number {
    const plan = this.inc.plan([box.y1 - box.y0, box.x1 - box.x0]);
    if (!plan) return this.full;
    const boxes = new Map<string, Box | null>([['input', box]]);
    let macs = 0;
    for (const step of plan.steps) {
      const [, oh, ow] = plan.prefix.shapes.get(step.output)!;
      const b = stepOutputBox(step, step.localInputs.map((v) => boxes.get(v)!), [oh, ow]);
      boxes.set(step.output, b);
      if (b) macs += this.macs(step.node, b);
    }
    const inPlan = new Set(plan.steps.map((s) => s.node));
    for (const n of this.graph.nodes) if (!inPlan.has(n)) macs += this.macs(n, null);
    return Math.min(macs, this.full);
  }
}

/** Bounding box of the grid cells (patch side `patch`, `grid` per row) whose flag equals `value`; null when none. */
function cellsBox(z: ArrayLike<number>, value: number, grid: number, patch: number): Box | null {
  let y0 = Infinity, y1 = -Infinity, x0 = Infinity, x1 = -Infinity;
  for (let j = 0; j < z.length; j++) {
    if (z[j] !== value) continue;
    const gy = Math.floor(j / grid), gx = j % grid;
    y0 = Math.min(y0, gy * patch); y1 = Math.max(y1, Math.min(SIZE, (gy + 1) * patch));
    x0 = Math.min(x0, gx * patch); x1 = Math.max(x1, Math.min(SIZE, (gx + 1) * patch));
  }
  return y0 === Infinity ? null : { y0, y1, x0, x1 };
}

/** Cost of one copy: 0 when it equals the input or the baseline (both scored once anyway), else the cheaper incremental side. */
function copyCost(cost: IncrementalCost, z: ArrayLike<number>, grid: number, patch: number): number {
  const absent = cellsBox(z, 0, grid, patch);
  const present = cellsBox(z, 1, grid, patch);
  if (!absent || !present) return 0;
  return Math.min(cost.of(absent), cost.of(present));
}

interface Workload {
  label: string;
  copies: Uint8Array[];
  grid: number;
  patch: number;
}

function workloads(): Workload[] {
  const out: Workload[] = [];
  for (const patch of [32, 16]) {
    const grid = Math.ceil(SIZE / patch);
    const m = grid * grid;
    const ablation = Array.from({ length: m }, (_, j) => {
      const z = new Uint8Array(m).fill(1);
      z[j] = 0;
      return z;
    });
    out.push({ label: `feature ablation, ${patch}×${patch} patches (= occlusion w${patch} s${patch}): the reference`, copies: ablation, grid, patch });
    out.push({ label: `KernelSHAP, ${patch}×${patch} patches (M = ${m}), ${25 * m} coalitions`, copies: sampleCoalitions(m, 25 * m, new Random(0)), grid, patch });
    const rng = new Random(1);
    out.push({ label: `LIME, ${patch}×${patch} patches, ${25 * m} Bernoulli(½) coalitions`, copies: Array.from({ length: 25 * m }, () => Uint8Array.from({ length: m }, () => (rng.next() < 0.5 ? 1 : 0))), grid, patch });
    // Deletion curve, 20 steps: the first round(s·M/20) features by attribution are absent. Two orders:
    // a compact map (features by distance from the image centre: the best case for locality) and a scattered one (random order).
    const centre = (SIZE / patch - 1) / 2;
    const byDistance = Array.from({ length: m }, (_, j) => j).sort((a, b) => Math.hypot(Math.floor(a / grid) - centre, (a % grid) - centre) - Math.hypot(Math.floor(b / grid) - centre, (b % grid) - centre));
    const shuffled = Array.from({ length: m }, (_, j) => j);
    const r2 = new Random(2);
    for (let i = m - 1; i > 0; i--) {
      const j = r2.int(0, i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    for (const [name, order] of [['compact map', byDistance], ['scattered map', shuffled]] as const) {
      const copies = Array.from({ length: 19 }, (_, s) => {
        const z = new Uint8Array(m).fill(1);
        for (const j of order.slice(0, Math.round(((s + 1) * m) / 20))) z[j] = 0;
        return z;
      });
      out.push({ label: `deletion + insertion curves, ${patch}×${patch} patches, 20 steps, ${name}`, copies, grid, patch });
    }
  }
  return out;
}

export function runPerturbationLocality(): string[] {
  const models: [string, Graph][] = [
    ['VGG-16-style', vggStyle({ size: SIZE, seed: 0, widths: [64, 128, 256, 512, 512], convsPerStage: [2, 2, 3, 3, 3] })],
    ['ResNet-18', resNet({ size: SIZE, seed: 0 })],
  ];
  const costs = models.map(([name, g]) => [name, new IncrementalCost(g)] as const);
  const rows: string[][] = [];
  for (const w of workloads()) {
    const row = [w.label];
    let local = 0;
    for (const [, cost] of costs) {
      let incremental = 0, full = 0;
      for (const z of w.copies) {
        const c = copyCost(cost, z, w.grid, w.patch);
        if (c === 0) continue; // the all-present and all-absent rows: one pass each, with or without the machinery
        incremental += c;
        full += cost.full;
        if (c < 0.5 * cost.full) local++;
      }
      row.push(full === 0 ? '—' : `${(full / incremental).toFixed(2)}×`);
    }
    row.splice(1, 0, `${((100 * local) / costs.length / w.copies.length).toFixed(0)}%`);
    rows.push(row);
  }
  return [
    'Best speed-up exact incremental inference could give other perturbation methods (MACs of full passes / MACs of the incremental recompute, per copy the cheaper of "input with a box changed" and "baseline with a box changed")',
    table(['workload', 'copies < ½ a pass (mean of models)', ...costs.map(([n]) => `${n} FLOP bound`)], rows),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const line of runPerturbationLocality()) console.log(line);
