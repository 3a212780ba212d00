/**
 * Ops that select elementwise among broadcast operands: variadic Max and Min, and Where.
 * - Max/Min: the gradient goes to the operand that attains the result. On ties it is split evenly
 *   among the operands that attain it: for two operands this is PyTorch's `maximum`/`minimum`
 *   backward (derivatives.yaml: `where(self == other, grad / 2, grad)`, masked by the comparison),
 *   and with more operands the same even split, so that the shares always add up to g.
 *   "Attains" is tested as ¬(xᵢ < y) for Max and ¬(xᵢ > y) for Min (xᵢ ≤ y always holds for Max):
 *   no Equal on floats, which ONNX allows only from opset 11.
 * - Where(cond, X, Y): X gets g where cond holds, Y elsewhere; cond is boolean and gets nothing.
 * Each gradient is computed at the broadcast shape and summed back to its operand's shape.
 */
import { DataType, attr } from '../graph.js';
import type { VjpRule } from './context.js';

function extremum(max: boolean): VjpRule {
  return (ctx, [g]) => {
    if (!g) return [];
    const inputs = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    const outShape = ctx.shape(y);
    if (inputs.length === 1) return [ctx.needsGrad(0) ? g : null];
    const attains = inputs.map((x) => ctx.op('Not', [ctx.op(max ? 'Less' : 'Greater', [x, y])]));
    const counts = attains.map((a) => ctx.op('Cast', [a], { to: attr.int(DataType.FLOAT) }));
    const count = counts.length === 2 ? ctx.op('Add', counts) : ctx.op('Sum', counts);
    const share = ctx.op('Div', [g, count]);
    return inputs.map((x, i) => (ctx.needsGrad(i) ? ctx.unbroadcast(ctx.op('Where', [attains[i], share, ctx.zero()]), outShape, x) : null));
  };
}

const where: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [cond, x, y] = ctx.node.inputs;
  const outShape = ctx.shape(ctx.node.outputs[0]);
  const gx = ctx.needsGrad(1) ? ctx.unbroadcast(ctx.op('Where', [cond, g, ctx.zero()]), outShape, x) : null;
  const gy = ctx.needsGrad(2) ? ctx.unbroadcast(ctx.op('Where', [cond, ctx.zero(), g]), outShape, y) : null;
  return [null, gx, gy];
};

export const selectionRules: Record<string, VjpRule> = { Max: extremum(true), Min: extremum(false), Where: where };
