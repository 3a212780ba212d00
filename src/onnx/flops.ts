/**
 * Floating-point operations of one run of a graph, from its static shapes: what a benchmark divides
 * by its time to say how close to the machine's peak an engine runs.
 *
 * Conventions (those of fvcore/ptflops, so published figures compare): a multiply–add is 2 FLOPs and
 * is counted for Conv (groups, strides, dilation and padding all come in through the output and
 * weight shapes), ConvTranspose, Gemm, MatMul (batched, broadcast) and Einsum; every other op that
 * computes costs a few FLOPs per element (table below; transcendental functions count 1, as is
 * customary); ops that only move data (Reshape, Transpose, Slice, Pad, Concat…) cost 0.
 *
 * Only work ONNX Runtime actually does per run is counted: nodes no graph output depends on are
 * dropped by ORT, and nodes whose inputs are all constants (weight transposes in a backward graph)
 * are folded once when the session is created. So the count is exactly linear in the batch.
 * A gradient graph (autodiff/gradient.ts) is counted like any other graph: it holds the forward
 * nodes and the backward nodes it runs.
 */
import type { Graph, Node } from './graph.js';
import { runtimeInputs, topologicalOrder } from './graph.js';
import { einsumSizes, parseEinsum } from './einsum-equation.js';
import { inferShapes, type Shape } from './shapes.js';

export interface FlopCount {
  /** FLOPs of one run of the graph at the given batch. */
  readonly total: number;
  /** Multiply–adds of Conv, ConvTranspose, Gemm, MatMul and Einsum (each is 2 of `total`'s FLOPs). */
  readonly macs: number;
  /** FLOPs per op type (for a breakdown). */
  readonly byOp: Readonly<Record<string, number>>;
  /** Nodes whose cost could not be counted because a shape is unknown ('name (OpType)'); counted as 0. */
  readonly uncounted: readonly string[];
}

export interface FlopOptions {
  /** Rows per run: the size of every run-time input's leading (batch) dimension. Default 1. */
  readonly batch?: number;
  /** Full shapes of run-time inputs that should not follow the declared shape with `batch` in front. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/** Ops that only move or relabel data. */
const DATA_MOVEMENT: ReadonlySet<string> = new Set([
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Identity', 'Cast', 'Shape', 'Size', 'Gather',
  'GatherElements', 'GatherND', 'Slice', 'Concat', 'Split', 'Pad', 'Expand', 'Tile', 'Constant', 'ConstantOfShape',
  'DepthToSpace', 'SpaceToDepth', 'Dropout', 'Range', 'NonZero',
]);

/** FLOPs per output element of ops that are not one-per-element. */
const PER_ELEMENT: Readonly<Record<string, number>> = {
  // Inference BatchNorm is a per-channel scale and shift.
  BatchNormalization: 2,
  // Mean, variance (2 passes), normalise, scale and shift.
  LayerNormalization: 5, InstanceNormalization: 5, GroupNormalization: 5,
  // Max, subtract, exp, sum, divide.
  Softmax: 5, LogSoftmax: 5,
};

const product = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** The graph with every run-time input given a full static shape. */
function withStaticInputs(graph: Graph, batch: number, given: Readonly<Record<string, readonly number[]>>): Graph {
  const runtime = new Set(runtimeInputs(graph).map((i) => i.name));
  const inputs = graph.inputs.map((input) => {
    if (!runtime.has(input.name)) return input;
    const explicit = given[input.name];
    if (explicit) return { ...input, shape: [...explicit] };
    if (!input.shape) throw new Error(`countFlops: input '${input.name}' declares no shape; pass it in inputShapes`);
    const shape = input.shape.map((d, axis) => {
      if (typeof d === 'number' && d >= 0) return d;
      if (axis === 0) return batch;
      throw new Error(`countFlops: input '${input.name}' has a symbolic size at axis ${axis}; fix it with withInputShape(graph, [C, H, W]) first`);
    });
    return { ...input, shape };
  });
  return { ...graph, inputs };
}

/** Nodes whose outputs some graph output needs (ORT removes the others). */
function liveNodes(graph: Graph, order: readonly Node[]): Set<Node> {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const live = new Set<Node>();
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    if (!node.outputs.some((o) => o && needed.has(o))) continue;
    live.add(node);
    for (const v of node.inputs) if (v) needed.add(v);
  }
  return live;
}

/** Ops that draw new numbers on every run: never folded, even with no inputs (noise made in the graph). */
const RANDOM: ReadonlySet<string> = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

/** Values computable without any run-time input: ORT folds the nodes producing them into constants. */
function constantValues(graph: Graph, order: readonly Node[]): Set<string> {
  const constant = new Set<string>(['', ...graph.initializers.keys()]);
  for (const i of runtimeInputs(graph)) constant.delete(i.name);
  for (const node of order) {
    if (!RANDOM.has(node.opType) && node.inputs.every((v) => constant.has(v))) for (const o of node.outputs) if (o) constant.add(o);
  }
  return constant;
}

/** Multiply–adds and other FLOPs of one node, or null when a shape it needs is unknown. */
function nodeCost(node: Node, shapes: ReadonlyMap<string, Shape>): { macs: number; flops: number } | null {
  const known = (s: Shape | undefined): s is Shape => s !== undefined && s.every((d) => d >= 0);
  const input = (k: number) => (node.inputs[k] ? shapes.get(node.inputs[k]) : undefined);
  const out = shapes.get(node.outputs[0] ?? '');
  const elementwise = (perElement: number) => (known(out) ? { macs: 0, flops: perElement * product(out) } : null);
  if (DATA_MOVEMENT.has(node.opType)) return { macs: 0, flops: 0 };
  switch (node.opType) {
    case 'Conv': {
      const w = input(1);
      if (!known(out) || !known(w)) return null;
      // Each output element sums (C_in / group) × kernel products: exactly the weight's trailing dims.
      const macs = product(out) * product(w.slice(1));
      return { macs, flops: 2 * macs + (node.inputs[2] ? product(out) : 0) };
    }
    case 'ConvTranspose': {
      const x = input(0);
      const w = input(1);
      if (!known(out) || !known(x) || !known(w)) return null;
      // Each input element scatters into (C_out / group) × kernel outputs: the weight's trailing dims.
      const macs = product(x) * product(w.slice(1));
      return { macs, flops: 2 * macs + (node.inputs[2] ? product(out) : 0) };
    }
    case 'Gemm': {
      const a = input(0);
      if (!known(out) || !known(a)) return null;
      const inner = node.attributes.transA?.type === 'int' && node.attributes.transA.value ? a[0] : a[1];
      const macs = product(out) * inner;
      return { macs, flops: 2 * macs + (node.inputs[2] ? product(out) : 0) };
    }
    case 'MatMul': {
      const a = input(0);
      if (!known(out) || !known(a)) return null;
      const macs = product(out) * a[a.length - 1];
      return { macs, flops: 2 * macs };
    }
    case 'Einsum': {
      const operands = node.inputs.map((v) => shapes.get(v));
      if (!operands.every(known)) return null;
      const equation = node.attributes.equation?.type === 'string' ? node.attributes.equation.value : '';
      // Every combination of the labels is visited once: a multiply–add per visit for a product of
      // operands, an add for a one-operand reduction.
      const sizes = einsumSizes(parseEinsum(equation, operands.map((s) => s.length)), operands);
      const visits = product([...sizes.values()]);
      return operands.length >= 2 ? { macs: visits, flops: 2 * visits } : { macs: 0, flops: visits };
    }
    case 'MaxPool': case 'AveragePool': case 'LpPool': {
      const kernel = node.attributes.kernel_shape?.type === 'ints' ? node.attributes.kernel_shape.value : undefined;
      return known(out) && kernel ? { macs: 0, flops: product(out) * product(kernel) } : null;
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool':
    case 'ReduceSum': case 'ReduceMean': case 'ReduceMax': case 'ReduceMin': case 'ReduceProd': case 'ReduceLogSumExp': {
      const x = input(0);
      return known(x) ? { macs: 0, flops: product(x) } : null;
    }
    case 'ReduceL2': case 'ReduceSumSquare': case 'ReduceL1': {
      const x = input(0);
      return known(x) ? { macs: 0, flops: 2 * product(x) } : null;
    }
    case 'Sum': case 'Max': case 'Min': case 'Mean':
      return elementwise(Math.max(1, node.inputs.filter(Boolean).length - 1));
    case 'ScatterElements': case 'ScatterND': {
      const updates = input(2);
      return known(updates) ? { macs: 0, flops: product(updates) } : null;
    }
    case 'Resize': case 'Upsample': {
      // Linear interpolation blends 4 neighbours per output; nearest copies (1, like any element op).
      const mode = node.attributes.mode?.type === 'string' ? node.attributes.mode.value : 'nearest';
      return elementwise(mode === 'nearest' ? 1 : 4);
    }
    default:
      return elementwise(PER_ELEMENT[node.opType] ?? 1);
  }
}

/**
 * FLOPs of one run of `graph` with `batch` rows (see the file comment for what counts). Every
 * run-time input takes its declared shape with the batch in front, unless `inputShapes` gives it.
 */
export function countFlops(graph: Graph, options: FlopOptions = {}): FlopCount {
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 0) throw new Error(`countFlops: batch must be a non-negative integer (got ${batch})`);
  const fixed = withStaticInputs(graph, batch, options.inputShapes ?? {});
  const { shapes } = inferShapes(fixed);
  const order = topologicalOrder(fixed);
  const live = liveNodes(fixed, order);
  const constant = constantValues(fixed, order);
  let total = 0;
  let macs = 0;
  const byOp: Record<string, number> = {};
  const uncounted: string[] = [];
  for (const node of order) {
    if (!live.has(node) || node.outputs.every((o) => !o || constant.has(o))) continue;
    const cost = nodeCost(node, shapes);
    if (!cost) {
      uncounted.push(`${node.name} (${node.opType})`);
      continue;
    }
    total += cost.flops;
    macs += cost.macs;
    if (cost.flops > 0) byOp[node.opType] = (byOp[node.opType] ?? 0) + cost.flops;
  }
  return { total, macs, byOp, uncounted };
}
