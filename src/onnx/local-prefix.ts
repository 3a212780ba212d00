/**
 * The local prefix of an image model: the ops from the input up to the first global op (Flatten,
 * Gemm, GlobalAveragePool, Reshape, …) whose every output pixel depends on a bounded window of its
 * inputs — Conv, MaxPool/AveragePool, pointwise activations, BatchNormalization, elementwise ops
 * with per-channel constants, and Add/Mul/… of two local branches (a ResNet block). Incremental
 * occlusion (Krypton) recomputes only the affected box of each of these values and runs the rest of
 * the network in full. Anything not recognised here ends the prefix, so unknown ops fall back to
 * full recomputation rather than to a wrong answer.
 */
import type { Graph, Node } from './graph.js';
import { topologicalOrder } from './graph.js';
import { inferShapes } from './shapes.js';
import type { Box, WindowGeometry } from './affected-box.js';
import { affectedOutputBox, boxArea, boxUnion, inputRegion, windowGeometry } from './affected-box.js';

const WINDOW_OPS = new Set(['Conv', 'MaxPool', 'AveragePool']);
/** One data input, optional constant operands that do not vary over H and W. */
const POINTWISE_OPS = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Celu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign',
  'Clip', 'BatchNormalization', 'Identity', 'Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Erf', 'Dropout',
  'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Pow',
]);

/** One op of the prefix. */
export interface LocalStep {
  readonly node: Node;
  /** Windowed ops need a halo; pointwise ops read the same box they write. */
  readonly kind: 'window' | 'pointwise';
  readonly geometry?: WindowGeometry;
  /** The node's inputs that are prefix values (the rest are constants). */
  readonly localInputs: readonly string[];
  readonly output: string;
}

export interface LocalPrefix {
  readonly input: string;
  readonly steps: readonly LocalStep[];
  /** [C, H, W] of the input and of every step's output. */
  readonly shapes: ReadonlyMap<string, readonly [number, number, number]>;
  /** Why the prefix ends where it does (the first op left out), for reports. */
  readonly endsAt: string;
}

function constantValues(graph: Graph): Set<string> {
  const s = new Set(graph.initializers.keys());
  for (const n of graph.nodes) if (n.opType === 'Constant') for (const o of n.outputs) s.add(o);
  return s;
}

/** A constant operand is fine when it is the same at every pixel and for every row: shape [..., C, 1, 1] or a scalar. */
function spatiallyConstant(shape: readonly number[] | undefined): boolean {
  if (!shape) return false;
  if (shape.length > 4) return false;
  const padded = [...Array(4 - shape.length).fill(1), ...shape];
  return padded[0] === 1 && padded[2] === 1 && padded[3] === 1;
}

/** The local prefix from `input` (a graph input of shape [N, C, H, W]). */
export function analyseLocalPrefix(graph: Graph, input: string): LocalPrefix {
  const info = inferShapes(graph).shapes;
  const constants = constantValues(graph);
  const shapes = new Map<string, readonly [number, number, number]>();
  const chw = (v: string): readonly [number, number, number] | undefined => {
    const s = info.get(v);
    return s && s.length === 4 && s.slice(1).every((d) => d >= 1) ? [s[1], s[2], s[3]] : undefined;
  };
  const first = chw(input);
  if (!first) return { input, steps: [], shapes, endsAt: `input '${input}' is not [N, C, H, W]` };
  shapes.set(input, first);
  const steps: LocalStep[] = [];
  let endsAt = 'the graph output';
  const reject = (n: Node, why: string): void => {
    if (endsAt === 'the graph output') endsAt = `${n.opType} '${n.name}' (${why})`;
  };
  for (const node of topologicalOrder(graph)) {
    if (node.opType === 'Constant') continue;
    const used = node.inputs.filter((v) => v !== '');
    const localInputs = used.filter((v) => shapes.has(v));
    if (localInputs.length === 0) continue; // not downstream of the input (weights arithmetic)
    const why = stepProblem(node, used, localInputs, constants, info, shapes);
    const out = node.outputs.filter((o) => o !== '');
    const outShape = out.length === 1 ? chw(out[0]) : undefined;
    if (why !== null || !outShape) {
      reject(node, why ?? 'output is not [N, C, H, W]');
      continue;
    }
    if (node.opType !== 'Conv' && node.opType !== 'MaxPool' && node.opType !== 'AveragePool' && localInputs.some((v) => shapes.get(v)!.join() !== outShape.join())) {
      reject(node, 'broadcasts between branches');
      continue;
    }
    const window = WINDOW_OPS.has(node.opType);
    const geometry = window ? windowGeometry(node, graph.initializers.get(node.inputs[1])?.dims) : undefined;
    if (typeof geometry === 'string') {
      reject(node, geometry);
      continue;
    }
    shapes.set(out[0], outShape);
    steps.push({ node, kind: window ? 'window' : 'pointwise', geometry, localInputs, output: out[0] });
  }
  return { input, steps, shapes, endsAt };
}

function stepProblem(node: Node, used: readonly string[], local: readonly string[], constants: Set<string>, info: Map<string, number[]>, shapes: Map<string, unknown>): string | null {
  const nonLocal = used.filter((v) => !shapes.has(v));
  if (nonLocal.some((v) => !constants.has(v))) return 'reads a value computed outside the local prefix';
  if (WINDOW_OPS.has(node.opType)) {
    if (local.length !== 1 || node.inputs[0] !== local[0]) return 'window over a non-input operand';
    return null;
  }
  if (!POINTWISE_OPS.has(node.opType)) return 'not a local op';
  if (node.opType === 'BatchNormalization') return node.inputs[0] === local[0] && local.length === 1 && node.outputs.filter((o) => o).length === 1 ? null : 'training-mode BatchNormalization';
  if (node.opType === 'Clip') return local.length === 1 && node.inputs[0] === local[0] ? null : 'clip bounds vary';
  if (node.opType === 'Dropout' && node.outputs.filter((o) => o).length !== 1) return 'Dropout mask output';
  if (nonLocal.some((v) => !spatiallyConstant(info.get(v)))) return 'constant operand varies over H, W or the batch';
  return null;
}

/** Affected boxes of a step's local inputs → affected box of its output (null: unchanged). */
export function stepOutputBox(step: LocalStep, inputBoxes: readonly (Box | null)[], outSize: readonly [number, number]): Box | null {
  if (step.kind === 'pointwise') return inputBoxes.reduce<Box | null>((u, b) => boxUnion(u, b), null);
  return inputBoxes[0] ? affectedOutputBox(inputBoxes[0], step.geometry!, outSize) : null;
}

/** The region of each local input that recomputes `output`, and the pads a windowed op needs on it. */
export function stepInputRegion(step: LocalStep, output: Box, inSize: readonly [number, number]): { box: Box; pads: readonly [number, number, number, number] } {
  if (step.kind === 'pointwise') return { box: output, pads: [0, 0, 0, 0] };
  return inputRegion(output, step.geometry!, inSize);
}

/** The steps run incrementally for a window, and the values the rest of the network reads. */
export interface IncrementalPlan {
  readonly prefix: LocalPrefix;
  readonly steps: readonly LocalStep[];
  /** Prefix values (possibly the input) read by ops that run in full. */
  readonly cut: readonly string[];
}

/**
 * Krypton's stopping rule: follow the prefix while the affected box of a window placed in the middle
 * of the image covers at most `maxAreaRatio` of its map; past that, recomputing the box costs about
 * as much as the whole map, so the rest runs in full. Returns null when no step pays.
 */
export function planIncremental(graph: Graph, prefix: LocalPrefix, window: readonly [number, number], maxAreaRatio: number): IncrementalPlan | null {
  const [, h, w] = prefix.shapes.get(prefix.input)!;
  const y0 = Math.floor((h - window[0]) / 2);
  const x0 = Math.floor((w - window[1]) / 2);
  const boxes = new Map<string, Box | null>([[prefix.input, { y0, y1: y0 + window[0], x0, x1: x0 + window[1] }]]);
  const steps: LocalStep[] = [];
  for (const step of prefix.steps) {
    if (!step.localInputs.every((v) => boxes.has(v))) continue;
    const [, oh, ow] = prefix.shapes.get(step.output)!;
    const box = stepOutputBox(step, step.localInputs.map((v) => boxes.get(v)!), [oh, ow]);
    if (box && boxArea(box) > maxAreaRatio * oh * ow) continue;
    boxes.set(step.output, box);
    steps.push(step);
  }
  if (steps.length === 0) return null;
  const inPlan = new Set(steps.map((s) => s.node));
  const cut = new Set<string>();
  for (const n of graph.nodes) {
    if (inPlan.has(n)) continue;
    for (const v of n.inputs) if (boxes.has(v)) cut.add(v);
  }
  for (const o of graph.outputs) if (boxes.has(o.name)) cut.add(o.name);
  return { prefix, steps, cut: [...cut] };
}
