/**
 * MaxPool backward. Non-overlapping windows use the mask form
 * Where(Equal(x, up(y)), up(dy), 0), the fastest exact form in ORT. Tie rule: every input equal to
 * its window's maximum receives the window's full gradient (PyTorch picks the first one instead;
 * ties are rare except on constant regions, which ReLU has already zeroed). Overlapping or padded
 * windows scatter-add through MaxPool's Indices output (needs opset ≥ 16 for reduction='add').
 */
import type { Node } from '../graph.js';
import { attr, intAttr, intsAttr, stringAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

function upsample(ctx: VjpContext, v: string, kernel: readonly number[]): string {
  const scales = ctx.constFloat([1, 1, ...kernel], [2 + kernel.length]);
  return ctx.op('Resize', [v, '', scales], {
    mode: attr.string('nearest'),
    coordinate_transformation_mode: attr.string('asymmetric'),
    nearest_mode: attr.string('floor'),
  });
}

/**
 * True when this MaxPool reads a ReLU whose output nothing else uses: then the ReLU's mask can be
 * applied here at the pooled resolution (y > 0), 4× cheaper, and the ReLU rule passes the
 * gradient through (see relu.ts). Exact: a window's maximum is positive iff its argmax passes ReLU.
 */
export function poolsReluAlone(ctx: VjpContext, pool: { inputs: readonly string[] }): boolean {
  const x = pool.inputs[0];
  // Only valid when both ends use their ordinary rules (guided backprop and DeepLIFT replace them).
  if (ctx.hasOverride('Relu') || ctx.hasOverride('MaxPool')) return false;
  return ctx.producer(x)?.opType === 'Relu' && ctx.consumers(x).length === 1 && !ctx.isGraphOutput(x);
}

/** Whether a MaxPool node takes the mask path (non-overlapping, unpadded windows). */
export function isMaskPool(node: Node): boolean {
  const kernel = intsAttr(node, 'kernel_shape') ?? [];
  const strides = intsAttr(node, 'strides') ?? kernel.map(() => 1);
  const pads = intsAttr(node, 'pads') ?? [];
  const dil = intsAttr(node, 'dilations') ?? kernel.map(() => 1);
  return (
    !node.outputs[1] &&
    strides.every((s, i) => s === kernel[i]) &&
    pads.every((p) => p === 0) &&
    dil.every((d) => d === 1) &&
    intAttr(node, 'ceil_mode', 0) === 0 &&
    ['NOTSET', 'VALID'].includes(stringAttr(node, 'auto_pad', 'NOTSET'))
  );
}

function maskGradient(ctx: VjpContext, gIn: string, kernel: number[]): string {
  const [x] = ctx.node.inputs;
  const [y] = ctx.node.outputs;
  const g = poolsReluAlone(ctx, ctx.node) ? ctx.op('Where', [ctx.op('Greater', [y, ctx.zero()]), gIn, ctx.zero()]) : gIn;
  const xs = ctx.shape(x);
  const ys = ctx.shape(y);
  let up = upsample(ctx, y, kernel);
  let gUp = upsample(ctx, g, kernel);
  // Windows drop the last rows/columns when the size is not a multiple of the kernel.
  const missing = kernel.map((k, i) => xs[2 + i] - ys[2 + i] * k);
  if (missing.some((m) => m > 0)) {
    const pads = ctx.constInt64([0, 0, ...kernel.map(() => 0), 0, 0, ...missing]);
    up = ctx.op('Pad', [up, pads]);
    gUp = ctx.op('Pad', [gUp, pads]);
  }
  const mask = ctx.op('Equal', [x, up]);
  return ctx.op('Where', [mask, gUp, ctx.zero()]);
}

function scatterGradient(ctx: VjpContext, g: string): string {
  if (ctx.opset < 16) ctx.fail('overlapping or padded MaxPool needs opset ≥ 16 for its gradient (ScatterElements with reduction=add); re-export with opset_version=17');
  const [x] = ctx.node.inputs;
  const attributes = { ...ctx.node.attributes };
  const [, indices] = ctx.ops('MaxPool', [x], attributes, 2);
  const flatIdx = ctx.op('Reshape', [indices, ctx.constInt64([-1])]);
  const flatG = ctx.op('Reshape', [g, ctx.constInt64([-1])]);
  const flatX = ctx.op('Reshape', [x, ctx.constInt64([-1])]);
  const zeros = ctx.op('Mul', [flatX, ctx.zero()]);
  const scattered = ctx.op('ScatterElements', [zeros, flatIdx, flatG], { axis: attr.int(0), reduction: attr.string('add') });
  return ctx.reshapeLike(scattered, x);
}

const maxPool: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const node = ctx.node;
  if (node.outputs[1]) ctx.fail('gradient through MaxPool indices is not supported');
  const kernel = [...(intsAttr(node, 'kernel_shape') ?? [])];
  return [isMaskPool(node) ? maskGradient(ctx, g, kernel) : scatterGradient(ctx, g)];
};

export const maxPoolRules: Record<string, VjpRule> = { MaxPool: maxPool };
