/** Gemm: Y = α·A'·B' + β·C with A' = Aᵀ if transA, B' = Bᵀ if transB; each gradient is one Gemm. */
import { attr, floatAttr, intAttr } from '../graph.js';
import type { VjpRule } from './context.js';

const gemm: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const [a, b, c] = ctx.node.inputs;
  const transA = intAttr(ctx.node, 'transA', 0) === 1;
  const transB = intAttr(ctx.node, 'transB', 0) === 1;
  const alpha = floatAttr(ctx.node, 'alpha', 1);
  const beta = floatAttr(ctx.node, 'beta', 1);
  const gemmOf = (p: string, q: string, tp: boolean, tq: boolean) =>
    ctx.op('Gemm', [p, q], { transA: attr.int(tp ? 1 : 0), transB: attr.int(tq ? 1 : 0), alpha: attr.float(alpha) });
  // dA' = g·B'ᵀ and dB' = A'ᵀ·g, transposed back where the forward transposed.
  const ga = !ctx.needsGrad(0) ? null : transA ? gemmOf(b, g, transB, true) : gemmOf(g, b, false, !transB);
  const gb = !ctx.needsGrad(1) ? null : transB ? gemmOf(g, a, true, transA) : gemmOf(a, g, !transA, false);
  let gc: string | null = null;
  if (c && ctx.needsGrad(2)) {
    const scaled = beta === 1 ? g : ctx.op('Mul', [g, ctx.constFloat([beta])]);
    gc = ctx.unbroadcast(scaled, ctx.shape(ctx.node.outputs[0]), c);
  }
  return [ga, gb, gc];
};

export const gemmRules: Record<string, VjpRule> = { Gemm: gemm };
