/**
 * Pointwise activations. Each derivative is written in terms of the forward *output* where that is
 * cheaper (σ' = y(1 − y), tanh' = 1 − y²): the output is already computed, and reading it instead of
 * the input lets ORT keep Conv+activation fusions in the forward part of the graph.
 *
 * At the kinks each rule takes PyTorch's one-sided choice (its CPU/CUDA backward kernels), so that
 * gradients on exactly-hit boundaries (ReLU6 of a saturated pixel, an all-zero padding region) match
 * an autograd reference:
 * - Clip (ReLU6, hardtanh): gradient only strictly inside, min < x < max (hardtanh_backward).
 *   torch.clamp exports to the same Clip but passes the gradient at the bounds too (min ≤ x ≤ max,
 *   derivatives.yaml's clamp_backward, as does ORT training's Clip gradient); the graph cannot tell
 *   the two apart, and ReLU6 (MobileNet) is the common source, so its rule is the one taken;
 * - HardSigmoid: alpha strictly inside, 0 < αx + β < 1 (hardsigmoid_backward: −3 < x < 3);
 * - HardSwish: 0 for x < −3, x/3 + 1/2 for −3 ≤ x ≤ 3 (so −1/2 at −3 and 3/2 at 3), 1 above
 *   (hardswish_backward);
 * - Elu: α·eˣ for x ≤ 0 (α at 0), 1 above (elu_backward);
 * - PRelu: slope for x ≤ 0, 1 above; d/dslope = x for x ≤ 0, 0 above (_prelu_kernel_backward).
 * - Selu: γ for x > 0, γα·eˣ for x ≤ 0 (elu_backward with scale γ); Celu: 1 for x > 0, e^(x/α) for
 *   x ≤ 0; Softsign: 1/(1 + |x|)².
 */
import { floatAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';
import { blockedClipMask, clipMaskForms, constantScalar } from './clip-mask.js';

/** y = x for x ≥ 0, αx otherwise; the slope is chosen with Where (no Cast, see relu.ts). */
const leakyRelu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const alpha = floatAttr(ctx.node, 'alpha', 0.01);
  // For α > 0 the output has the sign of the input; otherwise only the input tells the branch.
  const probe = alpha > 0 ? ctx.node.outputs[0] : ctx.node.inputs[0];
  const positive = ctx.op('Greater', [probe, ctx.zero()]);
  const scaled = ctx.op('Mul', [g, ctx.constFloat([alpha])]);
  return [ctx.op('Where', [positive, g, scaled])];
};

const sigmoid: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const y = ctx.node.outputs[0];
  const slope = ctx.op('Mul', [y, ctx.op('Sub', [ctx.constFloat([1]), y])]);
  return [ctx.op('Mul', [g, slope])];
};

const tanh: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const y = ctx.node.outputs[0];
  const slope = ctx.op('Sub', [ctx.constFloat([1]), ctx.op('Mul', [y, y])]);
  return [ctx.op('Mul', [g, slope])];
};

/** Bool `a AND b` where either may be absent (null: no condition). */
function both(ctx: VjpContext, a: string | null, b: string | null): string | null {
  return a && b ? ctx.op('And', [a, b]) : (a ?? b);
}

/**
 * Clip's bounds as value names (null where unbounded): attributes `min`/`max` up to opset 10,
 * optional scalar inputs from opset 11 (an empty name is an omitted bound).
 */
function clipBounds(ctx: VjpContext): { lo: string | null; hi: string | null; loInput: boolean; hiInput: boolean } {
  const node = ctx.node;
  if (ctx.opset < 11) {
    const bound = (name: string) => (node.attributes[name] === undefined ? null : ctx.constFloat([floatAttr(node, name, 0)]));
    return { lo: bound('min'), hi: bound('max'), loInput: false, hiInput: false };
  }
  const lo = node.inputs[1] || null;
  const hi = node.inputs[2] || null;
  return { lo, hi, loInput: lo !== null, hiInput: hi !== null };
}

/**
 * y = min(max(x, lo), hi). x gets the gradient strictly inside (lo < x < hi, PyTorch's hardtanh rule,
 * which ReLU6 uses: a pixel exactly at 0 or 6 gets none). The test reads y, not x: lo < y < hi holds
 * exactly where lo < x < hi (outside, y is a bound; with lo ≥ hi, y = hi everywhere and nothing is
 * inside), and reading y keeps ORT's Conv+Clip fusion.
 * A bound that is itself differentiated (a computed min/max) gets the rest: hi where y ≥ hi, lo where
 * y ≤ lo < hi, so that the three gradients always add up to g.
 */
const clip: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const y = ctx.node.outputs[0];
  const { lo, hi, loInput, hiInput } = clipBounds(ctx);
  // ReLU6 in the blocked layout (clip-mask.ts) where it applies; the comparisons are emitted only where read.
  const blocked = ctx.needsGrad(0) && clipMaskForms.mask === 'blocked' ? blockedClipMask(ctx, y, constantScalar(ctx, lo), constantScalar(ctx, hi)) : null;
  let compared: { aboveLo: string | null; belowHi: string | null } | undefined;
  const compare = () => (compared ??= { aboveLo: lo ? ctx.op('Greater', [y, lo]) : null, belowHi: hi ? ctx.op('Less', [y, hi]) : null });
  const outShape = ctx.shape(y);
  let gx: string | null = null;
  if (blocked) gx = ctx.op('Mul', [g, blocked]);
  else if (ctx.needsGrad(0)) {
    const inside = both(ctx, compare().aboveLo, compare().belowHi);
    gx = inside ? ctx.op('Where', [inside, g, ctx.zero()]) : g;
  }
  let gLo: string | null = null;
  if (loInput && lo && ctx.needsGrad(1)) {
    const { aboveLo, belowHi } = compare();
    const atLo = both(ctx, ctx.op('Not', [aboveLo!]), belowHi)!;
    gLo = ctx.unbroadcast(ctx.op('Where', [atLo, g, ctx.zero()]), outShape, lo);
  }
  const gHi = hiInput && hi && ctx.needsGrad(2) ? ctx.unbroadcast(ctx.op('Where', [compare().belowHi!, ctx.zero(), g]), outShape, hi) : null;
  return [gx, gLo, gHi];
};

/** y = max(0, min(1, αx + β)): α where 0 < y < 1 (strictly; read from the output, as Clip). */
const hardSigmoid: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const alpha = floatAttr(ctx.node, 'alpha', 0.2);
  const y = ctx.node.outputs[0];
  const inside = ctx.op('And', [ctx.op('Greater', [y, ctx.zero()]), ctx.op('Less', [y, ctx.constFloat([1])])]);
  return [ctx.op('Where', [inside, ctx.op('Mul', [g, ctx.constFloat([alpha])]), ctx.zero()])];
};

/** y = x·max(0, min(1, x/6 + 1/2)) (opset 14): slope 0 below −3, x/3 + 1/2 on [−3, 3], 1 above. */
const hardSwish: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const x = ctx.node.inputs[0];
  const ramp = ctx.op('Add', [ctx.op('Mul', [x, ctx.constFloat([1 / 3])]), ctx.constFloat([0.5])]);
  const upper = ctx.op('Where', [ctx.op('Greater', [x, ctx.constFloat([3])]), ctx.constFloat([1]), ramp]);
  const slope = ctx.op('Where', [ctx.op('Less', [x, ctx.constFloat([-3])]), ctx.zero(), upper]);
  return [ctx.op('Mul', [g, slope])];
};

/** y = x for x > 0, α(eˣ − 1) otherwise; the slope there is α·eˣ = y + α. */
const elu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const alpha = floatAttr(ctx.node, 'alpha', 1);
  const y = ctx.node.outputs[0];
  // For α > 0 the output is positive exactly where the input is; otherwise only the input tells.
  const probe = alpha > 0 ? y : ctx.node.inputs[0];
  const positive = ctx.op('Greater', [probe, ctx.zero()]);
  const negativeSlope = ctx.op('Add', [y, ctx.constFloat([alpha])]);
  return [ctx.op('Where', [positive, g, ctx.op('Mul', [g, negativeSlope])])];
};

/** y = ln(1 + eˣ): y' = σ(x). */
const selu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const alpha = floatAttr(ctx.node, 'alpha', 1.67326319217681884765625);
  const gamma = floatAttr(ctx.node, 'gamma', 1.05070102214813232421875);
  const x = ctx.node.inputs[0];
  const positive = ctx.op('Greater', [x, ctx.zero()]);
  const negativeSlope = ctx.op('Mul', [ctx.op('Exp', [x]), ctx.constFloat([gamma * alpha])]);
  return [ctx.op('Mul', [g, ctx.op('Where', [positive, ctx.constFloat([gamma]), negativeSlope])])];
};

const celu: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const alpha = floatAttr(ctx.node, 'alpha', 1);
  const x = ctx.node.inputs[0];
  const positive = ctx.op('Greater', [x, ctx.zero()]);
  const negativeSlope = ctx.op('Exp', [ctx.op('Mul', [x, ctx.constFloat([1 / alpha])])]);
  return [ctx.op('Where', [positive, g, ctx.op('Mul', [g, negativeSlope])])];
};

const softsign: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const denominator = ctx.op('Add', [ctx.op('Abs', [ctx.node.inputs[0]]), ctx.constFloat([1])]);
  return [ctx.op('Div', [g, ctx.op('Mul', [denominator, denominator])])];
};

const softplus: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  return [ctx.op('Mul', [g, ctx.op('Sigmoid', [ctx.node.inputs[0]])])];
};

/**
 * y = x for x > 0, slope·x otherwise, the slope broadcast to x (torch: [C, 1, 1] per channel, or
 * one shared value). The slope is a weight like Conv's: its gradient x·g on the negative side,
 * summed back to its own shape, is produced whenever it is differentiated (training, parameter
 * gradients) — as for any other initializer.
 */
const prelu: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [x, slope] = ctx.node.inputs;
  const positive = ctx.op('Greater', [x, ctx.zero()]);
  const gx = ctx.needsGrad(0) ? ctx.op('Where', [positive, g, ctx.op('Mul', [g, slope])]) : null;
  const gSlope = ctx.needsGrad(1) ? ctx.unbroadcast(ctx.op('Where', [positive, ctx.zero(), ctx.op('Mul', [g, x])]), ctx.shape(x), slope) : null;
  return [gx, gSlope];
};

export const activationRules: Record<string, VjpRule> = {
  LeakyRelu: leakyRelu,
  Sigmoid: sigmoid,
  Tanh: tanh,
  Clip: clip,
  HardSigmoid: hardSigmoid,
  HardSwish: hardSwish,
  Elu: elu,
  Softplus: softplus,
  PRelu: prelu,
  Selu: selu,
  Celu: celu,
  Softsign: softsign,
};
