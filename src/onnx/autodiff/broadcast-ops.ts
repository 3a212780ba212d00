/**
 * Ops that repeat or re-view values: Expand and Tile copy elements, so each input element's
 * gradient is the sum of the cotangents of its copies; Unsqueeze and Squeeze only change the view.
 * A torch ViT's CLS token reaches the batch through Expand (or Tile) and Unsqueeze.
 */
import type { VjpRule } from './context.js';

/** Expand broadcasts like the arithmetic ops: sum the cotangent back over the stretched axes. */
const expand: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null, null];
  return [ctx.unbroadcast(g, ctx.shape(ctx.node.outputs[0]), ctx.node.inputs[0]), null];
};

/**
 * Tile by r_i along axis i: view the cotangent [r_0·d_0, r_1·d_1, …] as [r_0, d_0, r_1, d_1, …]
 * (tiling puts whole copies one after another) and sum over the r axes.
 */
const tile: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null, null];
  const x = ctx.node.inputs[0];
  const shape = ctx.shape(x);
  const repeats = ctx.constantInts(ctx.node.inputs[1]);
  if (!repeats || repeats.some((r) => r === null)) ctx.fail(`repeats '${ctx.node.inputs[1]}' are not a constant; the gradient needs them at build time`);
  const reps = repeats as number[];
  if (reps.every((r) => r === 1)) return [g, null];
  if (shape.some((d, i) => d < 0 && reps[i] !== 1)) ctx.fail('tiling along an axis of run-time size (the batch) has no gradient rule');
  if (shape.filter((d) => d < 0).length > 1) ctx.fail('the input has more than one run-time size');
  const split = shape.flatMap((d, i) => [reps[i], d]);
  const viewed = ctx.op('Reshape', [g, ctx.constInt64(split)]);
  const summed = ctx.reduceSum(viewed, reps.map((_, i) => 2 * i), false);
  return [summed, null];
};

const reshapeBack: VjpRule = (ctx, [g]) => [g && ctx.needsGrad(0) ? ctx.reshapeLike(g, ctx.node.inputs[0]) : null, null];

export const broadcastOpRules: Record<string, VjpRule> = { Expand: expand, Tile: tile, Unsqueeze: reshapeBack, Squeeze: reshapeBack };
