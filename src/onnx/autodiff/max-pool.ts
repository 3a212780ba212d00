/**
 * MaxPool backward.
 * - Non-overlapping windows (stride = kernel, no padding; 2×2/2, the memory row's 4×4/4, 1×2…): the
 *   gradient goes to the *first* maximum in row-major window order — PyTorch's tie rule (a valid
 *   subgradient: the window's gradient is counted once). It matters on constant regions: a saturated
 *   artifact, all-zero windows after a ReLU when Grad-CAM reads the ReLU output, every window at x = 0.
 *   Three forms (maxPoolGradientForms.firstMax, all exact, all tested against a brute-force
 *   reference): 'unpool' (default, every window shape and rank, sizes known only at run time too)
 *   re-pools with Indices and MaxUnpools the gradient — ORT's Indices kernel is 3–10× slower than
 *   its blocked MaxPool, but two kernels beat the others' five to ten full-resolution passes (VGG-style
 *   saliency, 32 × 224², interleaved: 2% less CPU than 'split' at load 4.5, 7–19% on the loaded shared
 *   VM; the memory row's 4×4 pool on 2 × 8 × 1024²: see bench/pool-backward-forms.ts);
 *   'argmax' (one ArgMax over the window axis) and 'split' (SpaceToDepth, per-position
 *   Equal/And/Or, Concat, Transpose; square windows, static sizes) are kept for comparison, and
 *   'split' for graphs to be differentiated again (MaxUnpool has no rule of its own).
 * - In such graphs, windows 'split' cannot take (not square, run-time sizes) take the mask form
 *   Where(Equal(x, up(y)), up(dy), 0); there every tied maximum receives the full gradient.
 * - Overlapping or padded windows scatter-add through MaxPool's Indices output (needs opset ≥ 16
 *   for reduction='add'); ORT's Indices also pick the first maximum.
 * GlobalMaxPool: the first maximum of each channel plane (row-major) takes the whole gradient, found
 * by ArgMax over the flattened plane. torch exports AdaptiveMaxPool2d(1) as GlobalMaxPool when the
 * spatial size is not static (and as a whole-plane MaxPool otherwise), and adaptive max pooling's
 * backward sends the gradient to the first maximum — the same rule as MaxPool's above.
 */
import type { Node } from '../graph.js';
import { attr, floatTensorValue, intAttr, intsAttr, stringAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';
import { windowedMaxPoolGradient } from './max-pool-windows.js';
import { maskPositive } from './positive-mask.js';

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

/** The fused ReLU mask (see poolsReluAlone), applied to the pooled gradient when it applies. */
function gatedGradient(ctx: VjpContext, g: string): string {
  const [y] = ctx.node.outputs;
  return poolsReluAlone(ctx, ctx.node) ? maskPositive(ctx, y, g) : g;
}

/** Rows and columns a non-overlapping pool never reads (when the size is not a multiple of k). */
function droppedEdges(ctx: VjpContext, kernel: readonly number[]): number[] {
  const xs = ctx.shape(ctx.node.inputs[0]);
  const ys = ctx.shape(ctx.node.outputs[0]);
  return kernel.map((k, i) => xs[2 + i] - ys[2 + i] * k);
}

/** Splits axis 1 into `parts` pieces of `size` channels; sizes are explicit (opset 18 requires them or num_outputs). */
function splitChannels(ctx: VjpContext, x: string, size: number, parts: number): string[] {
  const sizes = Array.from({ length: parts }, () => size);
  const axis = { axis: attr.int(1) };
  if (ctx.opset >= 13) return ctx.ops('Split', [x, ctx.constInt64(sizes)], axis, parts);
  return ctx.ops('Split', [x], { ...axis, split: attr.ints(sizes) }, parts);
}

function firstMaxGradient(ctx: VjpContext, gIn: string, k: number): string {
  const [x] = ctx.node.inputs;
  const [y] = ctx.node.outputs;
  const g = gatedGradient(ctx, gIn);
  const missing = droppedEdges(ctx, [k, k]);
  const ys = ctx.shape(y);
  const read = missing.some((m) => m > 0)
    ? ctx.op('Slice', [x, ctx.constInt64([0, 0]), ctx.constInt64([ys[2] * k, ys[3] * k]), ctx.constInt64([2, 3])])
    : x;
  // SpaceToDepth's channel order is (row in window, column in window, channel): piece p holds
  // window position p (row-major) of every channel.
  const depth = ctx.op('SpaceToDepth', [read], { blocksize: attr.int(k) });
  const positions = splitChannels(ctx, depth, ys[1], k * k);
  let taken = '';
  const pieces = positions.map((p) => {
    const isMax = ctx.op('Equal', [p, y]);
    const first = taken ? ctx.op('And', [isMax, ctx.op('Not', [taken])]) : isMax;
    taken = taken ? ctx.op('Or', [taken, isMax]) : isMax;
    return ctx.op('Where', [first, g, ctx.zero()]);
  });
  const stacked = ctx.op('Concat', pieces.map((p) => ctx.unsqueeze(p, [4])), { axis: attr.int(4) });
  const six = ctx.op('Reshape', [stacked, ctx.constInt64([-1, ys[1], ys[2], ys[3], k, k])]);
  const moved = ctx.op('Transpose', [six], { perm: attr.ints([0, 1, 2, 4, 3, 5]) });
  const spread = ctx.op('Reshape', [moved, ctx.constInt64([-1, ys[1], ys[2] * k, ys[3] * k])]);
  return missing.some((m) => m > 0) ? ctx.op('Pad', [spread, ctx.constInt64([0, 0, 0, 0, 0, 0, ...missing])]) : spread;
}

/**
 * The same first-maximum rule with one ArgMax over the window (ArgMax returns the first index of a
 * tie): x viewed as [N, C, h, k, w, k] is transposed to [N, C, h, k·k, w] (window positions row-major
 * on a middle axis, so every later op broadcasts over runs of w contiguous values), ArgMax over the
 * window axis, one Equal against 0…k²−1 and one Where place the pooled gradient, and the inverse
 * transpose interleaves it back. About five full-resolution passes where the Split form takes about
 * ten (bench/profile-gradients.ts compares them).
 */
function argMaxGradient(ctx: VjpContext, gIn: string, k: number): string {
  const [x] = ctx.node.inputs;
  const [y] = ctx.node.outputs;
  const g = gatedGradient(ctx, gIn);
  const missing = droppedEdges(ctx, [k, k]);
  const [, c, h, w] = ctx.shape(y);
  const read = missing.some((m) => m > 0)
    ? ctx.op('Slice', [x, ctx.constInt64([0, 0]), ctx.constInt64([h * k, w * k]), ctx.constInt64([2, 3])])
    : x;
  const six = ctx.op('Reshape', [read, ctx.constInt64([-1, c, h, k, w, k])]);
  const gathered = ctx.op('Transpose', [six], { perm: attr.ints([0, 1, 2, 3, 5, 4]) });
  const windows = ctx.op('Reshape', [gathered, ctx.constInt64([-1, c, h, k * k, w])]);
  const first = ctx.op('ArgMax', [windows], { axis: attr.int(3), keepdims: attr.int(1) });
  const taken = ctx.op('Equal', [first, ctx.constInt64(Array.from({ length: k * k }, (_, i) => i), [k * k, 1])]);
  const placed = ctx.op('Where', [taken, ctx.unsqueeze(g, [3]), ctx.zero()]);
  const back = ctx.op('Transpose', [ctx.op('Reshape', [placed, ctx.constInt64([-1, c, h, k, k, w])])], { perm: attr.ints([0, 1, 2, 3, 5, 4]) });
  const spread = ctx.op('Reshape', [back, ctx.constInt64([-1, c, h * k, w * k])]);
  return missing.some((m) => m > 0) ? ctx.op('Pad', [spread, ctx.constInt64([0, 0, 0, 0, 0, 0, ...missing])]) : spread;
}

/** The pool's attributes for a MaxPool whose Indices are row-major whatever the forward's storage_order (MaxUnpool and the flat scatter read them so). */
function rowMajorIndices(ctx: VjpContext): Node['attributes'] {
  return Object.fromEntries(Object.entries(ctx.node.attributes).filter(([name]) => name !== 'storage_order'));
}

/**
 * The first-maximum rule through MaxPool's Indices (ORT's take the first maximum of a window) and
 * MaxUnpool, which writes each pooled gradient to its index: exact for non-overlapping windows
 * (no index repeats). Two kernels where the other forms take five to ten full-resolution passes.
 */
function unpoolGradient(ctx: VjpContext, gIn: string): string {
  const [x] = ctx.node.inputs;
  const g = gatedGradient(ctx, gIn);
  const geometry = { kernel_shape: ctx.node.attributes.kernel_shape, ...(ctx.node.attributes.strides ? { strides: ctx.node.attributes.strides } : {}) };
  const [, indices] = ctx.ops('MaxPool', [x], rowMajorIndices(ctx), 2);
  return ctx.op('MaxUnpool', [g, indices, ctx.shapeOf(x)], geometry);
}

function maskGradient(ctx: VjpContext, gIn: string, kernel: number[]): string {
  const [x] = ctx.node.inputs;
  const [y] = ctx.node.outputs;
  const g = gatedGradient(ctx, gIn);
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

/**
 * How overlapping or padded pools are differentiated: 'windows' (max-pool-windows.ts, any opset ≥ 10)
 * or 'scatter' (ScatterElements reduction='add' through MaxPool's Indices, opset ≥ 16). 'auto'
 * picks by opset; tests and benchmarks force one form.
 */
export const maxPoolGradientForms: { overlapping: 'auto' | 'windows' | 'scatter'; firstMax: 'argmax' | 'split' | 'unpool' } = { overlapping: 'auto', firstMax: 'unpool' };

function scatterGradient(ctx: VjpContext, g: string): string {
  if (ctx.opset < 16) ctx.fail('the scatter form of the MaxPool gradient needs opset ≥ 16 (ScatterElements with reduction=add)');
  const [x] = ctx.node.inputs;
  const [, indices] = ctx.ops('MaxPool', [x], rowMajorIndices(ctx), 2);
  const flatIdx = ctx.op('Reshape', [indices, ctx.constInt64([-1])]);
  const flatG = ctx.op('Reshape', [g, ctx.constInt64([-1])]);
  const flatX = ctx.op('Reshape', [x, ctx.constInt64([-1])]);
  // A memset, not Mul(x, 0): no pass over x (the Muls were 1.5% of the ResNet-18 saliency profile), and no NaN where x is ±∞.
  const zeros = ctx.op('ConstantOfShape', [ctx.shapeOf(flatX)], { value: attr.tensor(floatTensorValue([1], [0])) });
  const scattered = ctx.op('ScatterElements', [zeros, flatIdx, flatG], { axis: attr.int(0), reduction: attr.string('add') });
  return ctx.reshapeLike(scattered, x);
}

const maxPool: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const node = ctx.node;
  if (node.outputs[1]) ctx.fail('gradient through MaxPool indices is not supported');
  const kernel = [...(intsAttr(node, 'kernel_shape') ?? [])];
  if (!isMaskPool(node)) {
    const form = maxPoolGradientForms.overlapping;
    const scatter = form === 'scatter' || (form === 'auto' && ctx.opset >= 16);
    return [scatter ? scatterGradient(ctx, gatedGradient(ctx, g)) : windowedMaxPoolGradient(ctx, gatedGradient(ctx, g))];
  }
  const form = maxPoolGradientForms.firstMax;
  // MaxUnpool and MaxPool's Indices have no rules: a graph to be differentiated again takes 'split'.
  // Any other graph takes 'unpool' for every non-overlapping window: square or not, any rank, sizes
  // known only at run time (MaxUnpool reads the input's shape), with the first-maximum rule.
  if (form === 'unpool' && ctx.opset >= 9 && !ctx.differentiable) return [unpoolGradient(ctx, g)];
  const square = kernel.length === 2 && kernel[0] === kernel[1];
  // The other first-maximum forms reshape with static channel and spatial sizes (only the batch may vary).
  const staticSizes = ctx.shape(node.outputs[0]).slice(1).every((d) => d >= 0);
  if (!square || !staticSizes) return [maskGradient(ctx, g, kernel)];
  return [form === 'argmax' ? argMaxGradient(ctx, g, kernel[0]) : firstMaxGradient(ctx, g, kernel[0])];
};

const globalMaxPool: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const x = ctx.node.inputs[0];
  const spatial = ctx.shape(x).slice(2);
  // [N, C, S]: Reshape's 0 copies the batch and channel sizes, whatever they are at run time.
  const flat = ctx.op('Reshape', [x, ctx.constInt64([0, 0, -1])]);
  const first = ctx.op('ArgMax', [flat], { axis: attr.int(2), keepdims: attr.int(1) });
  // Positions 0 … S−1 of the flattened plane (Range from opset 11; a constant before).
  const known = spatial.every((d) => d >= 0);
  const planeSize = spatial.reduce((p, d) => p * d, 1);
  if (ctx.opset < 11 && !known) ctx.fail('GlobalMaxPool over a spatial size known only at run time needs opset ≥ 11 (Range) for its gradient');
  const size = () => (known ? ctx.constInt64([planeSize], []) : ctx.op('Gather', [ctx.shapeOf(flat), ctx.constInt64([2], [])], { axis: attr.int(0) }));
  const positions = ctx.opset >= 11
    ? ctx.op('Range', [ctx.constInt64([0], []), size(), ctx.constInt64([1], [])])
    : ctx.constInt64(Array.from({ length: planeSize }, (_, i) => i));
  const isFirst = ctx.op('Equal', [positions, first]);
  const gFlat = ctx.op('Reshape', [g, ctx.constInt64([0, 0, 1])]);
  return [ctx.reshapeLike(ctx.op('Where', [isFirst, gFlat, ctx.zero()]), x)];
};

export const maxPoolRules: Record<string, VjpRule> = { MaxPool: maxPool, GlobalMaxPool: globalMaxPool };
