/**
 * SpaceToDepth and DepthToSpace: pure permutations of the elements, so each one's VJP is the
 * inverse permutation applied to the gradient. SpaceToDepth's inverse is DepthToSpace in DCR mode
 * (and vice versa). DepthToSpace in CRD mode orders the depth channels (C, by, bx) instead of
 * (by, bx, C); its inverse is spelled out as Reshape → Transpose → Reshape on static sizes.
 * They appear in trustscope's own backward graphs (the first-maximum MaxPool backward reads the
 * pooling windows with SpaceToDepth), so second-order gradients meet them.
 */
import { attr, intAttr, stringAttr } from '../graph.js';
import type { VjpRule } from './context.js';

const spaceToDepth: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const blocksize = attr.int(intAttr(ctx.node, 'blocksize', 1));
  return [ctx.op('DepthToSpace', [g], { blocksize, mode: attr.string('DCR') })];
};

const depthToSpace: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const b = intAttr(ctx.node, 'blocksize', 1);
  if (stringAttr(ctx.node, 'mode', 'DCR') !== 'CRD') return [ctx.op('SpaceToDepth', [g], { blocksize: attr.int(b) })];
  // CRD: y[n, c, h·b + by, w·b + bx] = x[n, c·b² + by·b + bx, h, w].
  const [, c, h, w] = ctx.shape(ctx.node.inputs[0]);
  if ([c, h, w].some((d) => d < 0)) ctx.fail('the gradient of DepthToSpace in CRD mode needs static channel and spatial sizes (only the batch may vary)');
  const split = ctx.op('Reshape', [g, ctx.constInt64([-1, c / (b * b), h, b, w, b])]);
  const moved = ctx.op('Transpose', [split], { perm: attr.ints([0, 1, 3, 5, 2, 4]) });
  return [ctx.op('Reshape', [moved, ctx.constInt64([-1, c, h, w])])];
};

export const spaceToDepthRules: Record<string, VjpRule> = { SpaceToDepth: spaceToDepth, DepthToSpace: depthToSpace };
