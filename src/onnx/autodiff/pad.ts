/**
 * Pad. Constant mode: the gradient is the output gradient cropped back to the input (torch exports
 * a no-op Pad before every AvgPool2d, so this is needed even for plain CNNs). Reflect and edge
 * modes (Conv2d(padding_mode='reflect' / 'replicate'), ReflectionPad2d — common in image-restoration
 * nets) also send each padded cell's gradient to the input cell it copies: per padded axis, the
 * cropped centre plus the mirrored border strips (reflect), or the border strips summed onto the
 * first and last cells (edge). Padding all axes at once equals padding them one after the other in
 * these modes, so the axes are undone one at a time.
 */
import { attr, intsAttr, stringAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

function slice(ctx: VjpContext, x: string, axis: number, start: number, end: number, step = 1): string {
  if (ctx.opset < 10) ctx.fail('Pad in reflect or edge mode needs opset ≥ 10 (Slice with inputs) for its gradient');
  return ctx.op('Slice', [x, ctx.constInt64([start]), ctx.constInt64([end]), ctx.constInt64([axis]), ctx.constInt64([step])]);
}

function padAxis(ctx: VjpContext, x: string, axis: number, rank: number, before: number, after: number): string {
  if (before === 0 && after === 0) return x;
  const pads = new Array<number>(2 * rank).fill(0);
  pads[axis] = before;
  pads[axis + rank] = after;
  return ctx.opset >= 11 ? ctx.op('Pad', [x, ctx.constInt64(pads)]) : ctx.op('Pad', [x], { pads: attr.ints(pads) });
}

/** The gradient of one axis' reflect/edge padding: g is [.. before + n + after ..] along `axis`. */
function foldAxis(ctx: VjpContext, g: string, axis: number, rank: number, n: number, before: number, after: number, mode: string): string {
  const parts = [slice(ctx, g, axis, before, before + n)];
  const reversed = (v: string) => slice(ctx, v, axis, -1, Number.MIN_SAFE_INTEGER, -1);
  if (before > 0) {
    const strip = slice(ctx, g, axis, 0, before);
    // reflect: padded cell p < before copies x[before − p]; edge: every one copies x[0].
    parts.push(mode === 'reflect' ? padAxis(ctx, reversed(strip), axis, rank, 1, n - 1 - before) : padAxis(ctx, ctx.reduceSum(strip, [axis], true), axis, rank, 0, n - 1));
  }
  if (after > 0) {
    const strip = slice(ctx, g, axis, before + n, before + n + after);
    // reflect: padded cell n + k copies x[n − 2 − k]; edge: x[n − 1].
    parts.push(mode === 'reflect' ? padAxis(ctx, reversed(strip), axis, rank, n - 1 - after, 1) : padAxis(ctx, ctx.reduceSum(strip, [axis], true), axis, rank, n - 1, 0));
  }
  return parts.length === 1 ? parts[0] : ctx.op('Sum', parts);
}

const pad: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const mode = stringAttr(ctx.node, 'mode', 'constant');
  if (!['constant', 'reflect', 'edge'].includes(mode)) ctx.fail(`mode '${mode}' has no gradient rule (constant, reflect and edge do)`);
  const x = ctx.node.inputs[0];
  const shape = ctx.shape(x);
  const rank = shape.length;
  const given = intsAttr(ctx.node, 'pads') ?? ctx.constantInts(ctx.node.inputs[1] ?? '');
  if (!given || given.some((p) => p === null)) ctx.fail('pads must be constant to differentiate Pad');
  const axesInput = ctx.node.inputs[3] ? ctx.constantInts(ctx.node.inputs[3]) : undefined;
  const axes = (axesInput ?? Array.from({ length: rank }, (_, i) => i)).map((a) => ((a as number) < 0 ? (a as number) + rank : (a as number)));
  const pads = given as number[];
  if (pads.some((p) => p < 0)) ctx.fail('negative pads (cropping) have no gradient rule yet');
  if (pads.every((p) => p === 0)) return [g];
  if (mode !== 'constant') {
    let grad = g;
    axes.forEach((axis, i) => {
      const [before, after] = [pads[i], pads[i + axes.length]];
      if (before === 0 && after === 0) return;
      if (shape[axis] < 0) ctx.fail(`${mode} padding along axis ${axis}, whose size is known only at run time, has no gradient rule`);
      grad = foldAxis(ctx, grad, axis, rank, shape[axis], before, after, mode);
    });
    return [grad];
  }
  const begins = axes.map((_, i) => pads[i]);
  // Ends counted from the back (−pad_end) keep the slice valid for a run-time batch size.
  const ends = axes.map((_, i) => (pads[i + axes.length] === 0 ? Number.MAX_SAFE_INTEGER : -pads[i + axes.length]));
  if (ctx.opset < 10) return [ctx.op('Slice', [g], { starts: attr.ints(begins), ends: attr.ints(ends), axes: attr.ints(axes) })];
  return [ctx.op('Slice', [g, ctx.constInt64(begins), ctx.constInt64(ends), ctx.constInt64(axes)])];
};

export const padRules: Record<string, VjpRule> = { Pad: pad };
