/**
 * Pointwise math used by transformers (exact GELU, decomposed LayerNorm):
 *   Erf:  d erf(x)/dx = 2/√π · exp(−x²)
 *   Sqrt: d √x/dx = 1/(2√x), read from the output y = √x
 *   Pow:  y = a^b,  ∂y/∂a = b·a^(b−1),  ∂y/∂b = y·ln a (taken as 0 where a ≤ 0, where the real
 *         power has no derivative in b except at 0^b, whose derivative is 0 for b > 0)
 *   Exp:  d eˣ/dx = eˣ, read from the output
 *   Log:  d ln x/dx = 1/x
 *   Abs:  d |x|/dx = sign(x), 0 at x = 0 (ONNX Sign is 0 there; PyTorch's abs backward is grad·sgn(x))
 *   Reciprocal: d (1/x)/dx = −1/x² = −y², read from the output
 * Pow broadcasts like the arithmetic ops; each gradient is summed back to its operand's shape.
 */
import { tensorValueNumbers } from '../graph.js';
import type { VjpRule } from './context.js';

const erf: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const x = ctx.node.inputs[0];
  const gauss = ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])]);
  return [ctx.op('Mul', [g, ctx.op('Mul', [gauss, ctx.constFloat([2 / Math.sqrt(Math.PI)])])])];
};

const sqrt: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  return [ctx.op('Div', [ctx.op('Mul', [g, ctx.constFloat([0.5])]), ctx.node.outputs[0]])];
};

const pow: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [a, b] = ctx.node.inputs;
  const y = ctx.node.outputs[0];
  const outShape = ctx.shape(y);
  let ga: string | null = null;
  if (ctx.needsGrad(0)) {
    // A constant exponent (the usual x², x^0.5) becomes float constants b and b − 1 whatever its
    // stored type (torch exports integer exponents too), and b = 2 needs no Pow at all.
    const constant = ctx.initializer(b);
    const values = constant ? tensorValueNumbers(constant) : undefined;
    let slope: string;
    if (constant && values && values.every((v) => v === 2)) slope = ctx.op('Mul', [a, ctx.constFloat(values, constant.dims)]);
    else if (constant && values) {
      const power = ctx.op('Pow', [a, ctx.constFloat(values.map((v) => v - 1), constant.dims)]);
      slope = ctx.op('Mul', [power, ctx.constFloat(values, constant.dims)]);
    } else slope = ctx.op('Mul', [ctx.op('Pow', [a, ctx.op('Sub', [b, ctx.constFloat([1])])]), b]);
    ga = ctx.unbroadcast(ctx.op('Mul', [g, slope]), outShape, a);
  }
  let gb: string | null = null;
  if (ctx.needsGrad(1)) {
    const positive = ctx.op('Greater', [a, ctx.zero()]);
    // Log of a non-positive base is NaN or −∞; Where picks elementwise, so those never reach the result.
    const slope = ctx.op('Where', [positive, ctx.op('Mul', [y, ctx.op('Log', [a])]), ctx.zero()]);
    gb = ctx.unbroadcast(ctx.op('Mul', [g, slope]), outShape, b);
  }
  return [ga, gb];
};

const exp: VjpRule = (ctx, [g]) => [g && ctx.needsGrad(0) ? ctx.op('Mul', [g, ctx.node.outputs[0]]) : null];

const log: VjpRule = (ctx, [g]) => [g && ctx.needsGrad(0) ? ctx.op('Div', [g, ctx.node.inputs[0]]) : null];

const abs: VjpRule = (ctx, [g]) => [g && ctx.needsGrad(0) ? ctx.op('Mul', [g, ctx.op('Sign', [ctx.node.inputs[0]])]) : null];

const reciprocal: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const y = ctx.node.outputs[0];
  return [ctx.op('Neg', [ctx.op('Mul', [g, ctx.op('Mul', [y, y])])])];
};

export const mathRules: Record<string, VjpRule> = { Erf: erf, Sqrt: sqrt, Pow: pow, Exp: exp, Log: log, Abs: abs, Reciprocal: reciprocal };
