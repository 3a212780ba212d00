/**
 * MatMul with numpy semantics: Y = A·B over the last two axes, leading (batch) axes broadcast, and
 * a 1-D operand promoted to a matrix ([K] → [1, K] for A, [K] → [K, 1] for B) whose added axis is
 * then dropped from Y. Gradients are computed in the promoted form:
 *   dA = g·Bᵀ,  dB = Aᵀ·g   (batched), then summed over broadcast axes back to each operand.
 * A 2-D B shared by every batch element (a Linear layer) gets its gradient from one Gemm over the
 * flattened batch instead of a batched product followed by a reduction.
 */
import { attr } from '../graph.js';
import type { Shape } from '../shapes.js';
import type { VjpContext, VjpRule } from './context.js';

/** Transpose of the last two axes. */
function swapLast(ctx: VjpContext, v: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return ctx.op('Transpose', [v], { perm: attr.ints(perm) });
}

/** Sums a gradient of shape `gradShape` down to the promoted operand shape `target`, then views it as `operand`. */
function sumTo(ctx: VjpContext, grad: string, gradShape: Shape, target: Shape, operand: string): string {
  const extra = gradShape.length - target.length;
  const axes: number[] = [];
  gradShape.forEach((d, i) => {
    if (i < extra || (target[i - extra] === 1 && d !== 1)) axes.push(i);
  });
  const summed = ctx.reduceSum(grad, axes, true);
  return gradShape.length === ctx.shape(operand).length ? summed : ctx.reshapeLike(summed, operand);
}

function broadcastDims(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : y === 1 ? x : x === -1 ? y : x;
  });
}

const matmul: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [a, b] = ctx.node.inputs;
  const as = ctx.shape(a);
  const bs = ctx.shape(b);
  const pa = as.length === 1 ? [1, as[0]] : as;
  const pb = bs.length === 1 ? [bs[0], 1] : bs;
  const [m, k] = pa.slice(-2);
  const n = pb[pb.length - 1];

  // Plain matrices, or a batch of A against one shared 2-D B: Gemm on [rows, K] views.
  if (bs.length === 2 && as.length >= 2) {
    const flat = as.length > 2;
    const a2 = flat ? ctx.op('Reshape', [a, ctx.constInt64([-1, k])]) : a;
    const g2 = flat ? ctx.op('Reshape', [g, ctx.constInt64([-1, n])]) : g;
    const gemm = (p: string, q: string, tp: number, tq: number) => ctx.op('Gemm', [p, q], { transA: attr.int(tp), transB: attr.int(tq) });
    const ga = ctx.needsGrad(0) ? (flat ? ctx.reshapeLike(gemm(g2, b, 0, 1), a) : gemm(g2, b, 0, 1)) : null;
    const gb = ctx.needsGrad(1) ? gemm(a2, g2, 1, 0) : null;
    return [ga, gb];
  }

  // General case: restore the axes that 1-D promotion removed from the output gradient.
  const batch = broadcastDims(pa.slice(0, -2), pb.slice(0, -2));
  const full = [...batch, m, n];
  let gp = g;
  if (bs.length === 1) gp = ctx.unsqueeze(gp, [ctx.shape(ctx.node.outputs[0]).length]);
  if (as.length === 1) gp = ctx.unsqueeze(gp, [full.length - 2]);
  let ga: string | null = null;
  let gb: string | null = null;
  if (ctx.needsGrad(0)) {
    const bT = bs.length === 1 ? ctx.unsqueeze(b, [0]) : swapLast(ctx, b, bs.length);
    ga = sumTo(ctx, ctx.op('MatMul', [gp, bT]), [...batch, m, k], pa, a);
  }
  if (ctx.needsGrad(1)) {
    const aT = as.length === 1 ? ctx.unsqueeze(a, [1]) : swapLast(ctx, a, as.length);
    gb = sumTo(ctx, ctx.op('MatMul', [aT, gp]), [...batch, k, n], pb, b);
  }
  return [ga, gb];
};

export const matmulRules: Record<string, VjpRule> = { MatMul: matmul };
