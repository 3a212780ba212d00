/**
 * Pad (constant mode): the gradient is the output gradient cropped back to the input. torch
 * exports a no-op Pad before every AvgPool2d, so this rule is needed even for plain CNNs.
 */
import { attr, intsAttr, stringAttr } from '../graph.js';
import type { VjpRule } from './context.js';

const pad: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const mode = stringAttr(ctx.node, 'mode', 'constant');
  if (mode !== 'constant') ctx.fail(`only constant padding has a gradient rule (got mode '${mode}')`);
  const x = ctx.node.inputs[0];
  const rank = ctx.shape(x).length;
  const given = intsAttr(ctx.node, 'pads') ?? ctx.constantInts(ctx.node.inputs[1] ?? '');
  if (!given || given.some((p) => p === null)) ctx.fail('pads must be constant to differentiate Pad');
  const axesInput = ctx.node.inputs[3] ? ctx.constantInts(ctx.node.inputs[3]) : undefined;
  const axes = (axesInput ?? Array.from({ length: rank }, (_, i) => i)).map((a) => ((a as number) < 0 ? (a as number) + rank : (a as number)));
  const pads = given as number[];
  if (pads.some((p) => p < 0)) ctx.fail('negative pads (cropping) have no gradient rule yet');
  if (pads.every((p) => p === 0)) return [g];
  const begins = axes.map((_, i) => pads[i]);
  // Ends counted from the back (−pad_end) keep the slice valid for a run-time batch size.
  const ends = axes.map((_, i) => (pads[i + axes.length] === 0 ? Number.MAX_SAFE_INTEGER : -pads[i + axes.length]));
  if (ctx.opset < 10) return [ctx.op('Slice', [g], { starts: attr.ints(begins), ends: attr.ints(ends), axes: attr.ints(axes) })];
  return [ctx.op('Slice', [g, ctx.constInt64(begins), ctx.constInt64(ends), ctx.constInt64(axes)])];
};

export const padRules: Record<string, VjpRule> = { Pad: pad };
