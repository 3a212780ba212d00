/** Ops that only move, copy or pass values: their gradients move the cotangent back. */
import { attr, intAttr, intsAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

const transpose: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const rank = ctx.shape(ctx.node.inputs[0]).length;
  const perm = intsAttr(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  return [ctx.op('Transpose', [g], { perm: attr.ints(inverse) })];
};

function sliceAxis(ctx: VjpContext, g: string, axis: number, start: number, end: number): string {
  // Slice took its bounds as attributes before opset 10.
  if (ctx.opset < 10) return ctx.op('Slice', [g], { starts: attr.ints([start]), ends: attr.ints([end]), axes: attr.ints([axis]) });
  return ctx.op('Slice', [g, ctx.constInt64([start]), ctx.constInt64([end]), ctx.constInt64([axis])]);
}

/** Each input gets its own band of the output gradient back; band sizes must be static. */
const concat: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const rank = ctx.shape(ctx.node.outputs[0]).length;
  const raw = intAttr(ctx.node, 'axis', 0);
  const axis = raw < 0 ? raw + rank : raw;
  let offset = 0;
  return ctx.node.inputs.map((v, i) => {
    const size = ctx.shape(v)[axis];
    if (size < 0) ctx.fail(`input '${v}' has a run-time size along the concatenation axis ${axis}; its gradient needs a static size`);
    const start = offset;
    offset += size;
    return ctx.needsGrad(i) ? sliceAxis(ctx, g, axis, start, offset) : null;
  });
};

const identity: VjpRule = (ctx, [g]) => [g && ctx.needsGrad(0) ? g : null];

/**
 * Inference-mode Dropout is the identity. In training mode it multiplies by a random mask that
 * the gradient graph cannot reproduce, so a true (or unknown) training_mode is refused.
 */
const dropout: VjpRule = (ctx, [g]) => {
  const trainingMode = ctx.node.inputs[2];
  if (trainingMode) {
    const value = ctx.constantInts(trainingMode)?.[0];
    if (value === undefined || value === null) ctx.fail(`training_mode '${trainingMode}' is not a constant; only inference-mode Dropout (training_mode = false) has a gradient`);
    else if (value !== 0) ctx.fail('Dropout in training mode (training_mode = true) has no reproducible gradient; export the model in eval mode');
  }
  return [g && ctx.needsGrad(0) ? g : null, null, null];
};

/** Constants depend on nothing, so nothing flows back. */
const constant: VjpRule = () => [];

export const shapeOpRules: Record<string, VjpRule> = {
  Transpose: transpose,
  Concat: concat,
  Identity: identity,
  Dropout: dropout,
  Constant: constant,
};
