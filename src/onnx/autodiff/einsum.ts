/**
 * Einsum backward. out = einsum(A₁, …, Aₙ) is linear in each operand, so the gradient w.r.t. Aₖ is
 * itself an Einsum: of the output gradient and the other operands, onto Aₖ's indices
 * ('bhij,bhjd->bhid' for the value gradient of attention's 'bhij,bhjd->bhid' … and so on). Two
 * kinds of Aₖ index appear neither in the output nor in another operand — an index summed within
 * Aₖ alone ('ij->i' sums j), and a size-1 ellipsis dimension broadcast against a larger one —
 * and both get the gradient of a sum: the Einsum leaves them out, an Unsqueeze puts them back and
 * an Expand stretches the summed ones to Aₖ's size. Repeated indices within one operand
 * (diagonals, 'ii->i') have no rule.
 */
import { attr } from '../graph.js';
import { einsumSizes, parseEinsum, type EinsumEquation } from '../einsum-equation.js';
import type { VjpContext, VjpRule } from './context.js';

function gradientOf(ctx: VjpContext, g: string, k: number, operands: readonly string[][], output: readonly string[], sizes: Map<string, number>): string {
  const node = ctx.node;
  const mine = operands[k];
  const shape = ctx.shape(node.inputs[k]);
  const others = operands.filter((_, j) => j !== k);
  // Indices the gradient Einsum can produce: present in the output gradient or another operand,
  // at the size Aₖ has (a size-1 broadcast dimension must be summed instead).
  const elsewhere = new Set([...output, ...others.flat()]);
  const kept = mine.map((l, i) => elsewhere.has(l) && !(shape[i] === 1 && sizes.get(l) !== 1));
  const target = mine.filter((_, i) => kept[i]);
  const equation = `${[output, ...others].map((t) => t.join('')).join(',')}->${target.join('')}`;
  const inputs = [g, ...node.inputs.filter((_, j) => j !== k)];
  let grad = ctx.op('Einsum', inputs, { equation: attr.string(equation) });
  const missing = kept.flatMap((keep, i) => (keep ? [] : [i]));
  if (missing.length === 0) return grad;
  grad = ctx.unsqueeze(grad, missing);
  // Summed-within indices (size > 1 in Aₖ) take the same gradient at every position.
  if (missing.some((i) => shape[i] !== 1)) grad = ctx.op('Expand', [grad, ctx.shapeOf(node.inputs[k])]);
  return grad;
}

const einsum: VjpRule = (ctx, [g]) => {
  const node = ctx.node;
  if (!g) return node.inputs.map(() => null);
  const equation = node.attributes.equation?.type === 'string' ? node.attributes.equation.value : '';
  const shapes = node.inputs.map((v) => ctx.shape(v));
  const parse = (): EinsumEquation => {
    try {
      return parseEinsum(equation, shapes.map((s) => s.length));
    } catch (e) {
      return ctx.fail((e as Error).message);
    }
  };
  const parsed = parse();
  const { operands, output } = parsed;
  operands.forEach((letters, k) => {
    if (ctx.needsGrad(k) && new Set(letters).size !== letters.length) ctx.fail(`equation '${equation}' repeats an index within operand ${k} (a diagonal); no gradient rule for that`);
  });
  const sizes = einsumSizes(parsed, shapes);
  return node.inputs.map((_, k) => (ctx.needsGrad(k) ? gradientOf(ctx, g, k, operands, output, sizes) : null));
};

export const einsumRules: Record<string, VjpRule> = { Einsum: einsum };
