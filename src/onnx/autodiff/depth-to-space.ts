/**
 * DepthToSpace and SpaceToDepth (nn.PixelShuffle exports as DepthToSpace in CRD mode from opset
 * 11; super-resolution and restoration nets end with it). Both only permute elements, so the
 * gradient is the inverse permutation of the output gradient: SpaceToDepth undoes DepthToSpace in
 * DCR mode and vice versa; CRD is undone by the reshape–transpose–reshape that inverts it.
 */
import { attr, intAttr, stringAttr } from '../graph.js';
import type { VjpRule } from './context.js';

const depthToSpace: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const b = intAttr(ctx.node, 'blocksize', 1);
  if (stringAttr(ctx.node, 'mode', 'DCR') === 'DCR') return [ctx.op('SpaceToDepth', [g], { blocksize: attr.int(b) })];
  const [, cIn, h, w] = ctx.shape(ctx.node.inputs[0]);
  if ([cIn, h, w].some((d) => d < 0)) ctx.fail('CRD DepthToSpace over sizes known only at run time has no gradient rule; give the model input a static shape');
  const c = cIn / (b * b);
  // Forward: [N, C, b, b, H, W] → perm [0, 1, 4, 2, 5, 3] → [N, C, H, b, W, b]. Backward inverts it.
  const six = ctx.op('Reshape', [g, ctx.constInt64([0, c, h, b, w, b])]);
  const back = ctx.op('Transpose', [six], { perm: attr.ints([0, 1, 3, 5, 2, 4]) });
  return [ctx.op('Reshape', [back, ctx.constInt64([0, cIn, h, w])])];
};

const spaceToDepth: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  return [ctx.op('DepthToSpace', [g], { blocksize: attr.int(intAttr(ctx.node, 'blocksize', 1)), mode: attr.string('DCR') })];
};

export const depthToSpaceRules: Record<string, VjpRule> = { DepthToSpace: depthToSpace, SpaceToDepth: spaceToDepth };
