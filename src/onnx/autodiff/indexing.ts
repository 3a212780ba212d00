/**
 * Ops that select parts of a tensor: Split, Slice and Gather (constant indices). Each gradient puts
 * the output cotangent back where the selected elements came from and zeros elsewhere:
 * - Split: Concat of the outputs' cotangents (zeros for outputs that receive none);
 * - Slice and Gather: along each selecting axis, a contiguous ascending run of indices is a Pad
 *   (cheap, the common case: a CLS token, a crop), any other selection (steps ≠ 1, negative steps,
 *   repeated or shuffled indices) a MatMul with a constant one-hot matrix S [k, dim], which sums
 *   repeated indices as the gradient must.
 */
import type { TensorValue } from '../graph.js';
import { attr, DataType, intAttr, intsAttr, tensorValueNumbers } from '../graph.js';
import { sliceIndices } from '../shapes.js';
import type { VjpContext, VjpRule } from './context.js';

/** Gradient of taking `indices` along `axis` (size `dim`) of a tensor: g has `indices.length` there. */
function scatterAlongAxis(ctx: VjpContext, g: string, rank: number, axis: number, indices: readonly number[], dim: number): string {
  const contiguous = indices.length > 0 && indices.every((v, i) => v === indices[0] + i);
  if (contiguous) {
    const before = indices[0];
    const after = dim - indices[0] - indices.length;
    if (before === 0 && after === 0) return g;
    const pads = new Array<number>(2 * rank).fill(0);
    pads[axis] = before;
    pads[axis + rank] = after;
    if (ctx.opset < 11) return ctx.op('Pad', [g], { pads: attr.ints(pads) });
    return ctx.op('Pad', [g, ctx.constInt64(pads)]);
  }
  const selection = new Float32Array(indices.length * dim);
  indices.forEach((src, k) => (selection[k * dim + src] = 1));
  const s = ctx.addInitializer('selection', { dataType: DataType.FLOAT, dims: [indices.length, dim], data: selection });
  if (axis === rank - 1) return ctx.op('MatMul', [g, s]);
  // Move the axis last (a swap is its own inverse), contract with S, move it back.
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[axis], perm[rank - 1]] = [perm[rank - 1], perm[axis]];
  const moved = ctx.op('Transpose', [g], { perm: attr.ints(perm) });
  return ctx.op('Transpose', [ctx.op('MatMul', [moved, s])], { perm: attr.ints(perm) });
}

function normalisedAxis(ctx: VjpContext, raw: number, rank: number): number {
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) ctx.fail(`axis ${raw} is out of range for rank ${rank}`);
  return axis;
}

function staticDim(ctx: VjpContext, shape: readonly number[], axis: number): number {
  if (shape[axis] < 0) ctx.fail(`axis ${axis} has a run-time size (the batch); selecting along it has no gradient rule`);
  return shape[axis];
}

const split: VjpRule = (ctx, grads) => {
  if (!ctx.needsGrad(0) || grads.every((g) => !g)) return [null, null];
  const rank = ctx.shape(ctx.node.inputs[0]).length;
  const axis = normalisedAxis(ctx, intAttr(ctx.node, 'axis', 0), rank);
  const zero = { value: attr.tensor({ dataType: DataType.FLOAT, dims: [1], data: Float32Array.of(0) }) };
  const parts = ctx.node.outputs.map((o, k) => grads[k] ?? ctx.op('ConstantOfShape', [ctx.shapeOf(o)], zero));
  return [parts.length === 1 ? parts[0] : ctx.op('Concat', parts, { axis: attr.int(axis) }), null];
};

function constantList(ctx: VjpContext, value: string | undefined, what: string): number[] | undefined {
  if (!value) return undefined;
  const v = ctx.constantInts(value);
  if (!v || v.some((d) => d === null)) ctx.fail(`${what} '${value}' is not a constant; the gradient needs it at build time`);
  return v as number[];
}

const slice: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const shape = ctx.shape(ctx.node.inputs[0]);
  const rank = shape.length;
  const old = ctx.opset < 10;
  const [, startsIn, endsIn, axesIn, stepsIn] = ctx.node.inputs;
  const starts = old ? intsAttr(ctx.node, 'starts') : constantList(ctx, startsIn, 'starts');
  const ends = old ? intsAttr(ctx.node, 'ends') : constantList(ctx, endsIn, 'ends');
  if (!starts || !ends) return ctx.fail('starts and ends are required');
  const axes = (old ? intsAttr(ctx.node, 'axes') : constantList(ctx, axesIn, 'axes')) ?? starts.map((_, i) => i);
  const steps = (old ? undefined : constantList(ctx, stepsIn, 'steps')) ?? starts.map(() => 1);
  let grad = g;
  axes.forEach((raw, k) => {
    const axis = normalisedAxis(ctx, raw, rank);
    // A full-range unit-step slice along the run-time batch axis selects everything: nothing to undo.
    if (shape[axis] < 0 && steps[k] === 1 && starts[k] === 0 && ends[k] >= 2 ** 31 - 1) return;
    const dim = staticDim(ctx, shape, axis);
    grad = scatterAlongAxis(ctx, grad, rank, axis, sliceIndices(dim, starts[k], ends[k], steps[k]), dim);
  });
  return [grad, null, null, null, null];
};

function indexValues(ctx: VjpContext, name: string): { values: number[]; dims: readonly number[] } {
  const init: TensorValue | undefined = ctx.initializer(name);
  if (init) return { values: tensorValueNumbers(init), dims: init.dims };
  const small = ctx.constantInts(name);
  if (small && small.every((v) => v !== null)) return { values: small as number[], dims: ctx.shape(name) };
  return ctx.fail(`indices '${name}' are computed at run time; only constant indices have a gradient rule`);
}

const gather: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null, null];
  const [data, indicesName] = ctx.node.inputs;
  const shape = ctx.shape(data);
  const rank = shape.length;
  const axis = normalisedAxis(ctx, intAttr(ctx.node, 'axis', 0), rank);
  const dim = staticDim(ctx, shape, axis);
  const { values, dims } = indexValues(ctx, indicesName);
  const indices = values.map((i) => {
    if (i < -dim || i >= dim) ctx.fail(`index ${i} is out of range for an axis of size ${dim}`);
    return i < 0 ? i + dim : i;
  });
  // Bring g to data's rank with all index positions on one axis: [..., k, ...].
  let flat = g;
  if (dims.length === 0) flat = ctx.unsqueeze(g, [axis]);
  else if (dims.length > 1) {
    const trailing = shape.slice(axis + 1);
    if (trailing.some((d) => d < 0)) ctx.fail('data has a run-time size after the gather axis');
    // 0 copies the leading (possibly run-time) sizes unchanged.
    flat = ctx.op('Reshape', [g, ctx.constInt64([...shape.slice(0, axis).map(() => 0), indices.length, ...trailing])]);
  }
  return [scatterAlongAxis(ctx, flat, rank, axis, indices, dim), null];
};

export const indexingRules: Record<string, VjpRule> = { Split: split, Slice: slice, Gather: gather };
