/**
 * The ReLU mask 1[y > 0] of a non-negative value y as a float tensor built only from ops that ONNX
 * Runtime runs in its blocked NCHWc layout, so a ReLU backward `dy · mask` stays blocked between the
 * backward convolutions. With Where(y > 0, dy, 0) (Greater and Where have no blocked kernels) ORT
 * reorders y and dy to NCHW and the result back before the next Conv: in the VGG-style saliency
 * profile those masks and reorders were about a quarter of the backward graph (bench/profile-gradients.ts).
 *
 * ORT rewrites an inference BatchNormalization on a blocked value into a depthwise 1×1 Conv, fuses a
 * following Relu into it, and runs a same-shape Mul on blocked operands. So, per channel:
 *   t = y · 2¹²⁷                     (BatchNormalization)
 *   r = Relu(1 − t · 2¹²⁷)           (BatchNormalization + Relu, one fused kernel: 1 where y = 0;
 *                                    every y ≥ 2⁻¹⁴⁹, the smallest subnormal, gives 1 − 2¹⁰⁵ or −∞, so 0)
 *   mask = 1 − r                     (BatchNormalization: exactly 0 or 1)
 * Every step is exact in float32 for y ≥ 0 (as a ReLU output is): no rounding can land between 0 and 1.
 */
import { attr } from '../graph.js';
import type { VjpContext } from './context.js';

const HUGE = 2 ** 127;

/** y · scale + bias per channel, as an inference BatchNormalization (mean 0, variance 1, ε 0). */
function affine(ctx: VjpContext, y: string, channels: number, scale: number, bias: number): string {
  const per = (v: number) => ctx.constFloat(new Array<number>(channels).fill(v), [channels]);
  return ctx.op('BatchNormalization', [y, per(scale), per(bias), per(0), per(1)], { epsilon: attr.float(0) });
}

/**
 * Whether ORT will hold `value` blocked: a Conv with constant weights (fed weights take ORT's NCHW
 * path) and a multiple of 16 output channels (the block is 8 with AVX2, 16 with AVX-512), possibly
 * through Relu, MaxPool or the Add of two such values (a residual sum).
 */
export function blockedValue(ctx: VjpContext, value: string, depth = 0): boolean {
  const node = ctx.producer(value);
  if (!node || depth > 8) return false;
  if (node.opType === 'Conv') return ctx.initializer(node.inputs[1]) !== undefined && (ctx.tryShape(value)?.[1] ?? 0) % 16 === 0;
  if (node.opType === 'Relu' || (node.opType === 'MaxPool' && !node.outputs[1])) return blockedValue(ctx, node.inputs[0], depth + 1);
  if (node.opType === 'Add') return node.inputs.every((v) => blockedValue(ctx, v, depth + 1));
  return false;
}

/**
 * 1[y > 0] as float32 for a non-negative 4-D value y that ORT holds blocked, or null when the
 * blocked form does not pay or apply (the caller then uses Where): y in NCHW would make four
 * BatchNormalizations cost more than Greater + Where; a graph to be differentiated again would
 * carry the BatchNormalizations' 2²⁵⁴ slope; opset ≥ 9 (BatchNormalization without `spatial`).
 */
export function positiveMask(ctx: VjpContext, y: string): string | null {
  const shape = ctx.tryShape(y);
  const channels = shape?.[1] ?? -1;
  if (ctx.differentiable || ctx.opset < 9 || shape?.length !== 4 || !(channels > 0) || !blockedValue(ctx, y)) return null;
  const t = affine(ctx, y, channels, HUGE, 0);
  const r = ctx.op('Relu', [affine(ctx, t, channels, -HUGE, 1)]);
  return affine(ctx, r, channels, -1, 1);
}

/**
 * How the mask is applied (bench/profile-gradients.ts --variants relu-where,relu-blocked,relu-sign):
 * 'where' (default) is Where(y > 0, dy, 0) (Where beats Mul(Cast(mask)): ORT's Cast is not
 * vectorised); 'blocked' multiplies by positiveMask above (Where where that does not apply);
 * 'sign' is dy · Sign(y) (y ≥ 0, so Sign is the 0/1 mask). Measured on VGG-style and ResNet-18 at
 * 16 × 224², 1 and 2 threads, interleaved: all three within ±4% CPU of each other (the blocked
 * mask saves the reorders around it but its three depthwise passes cost as much; the reorders
 * that remain come from the MaxPool backward, which has no blocked kernel), so the simplest stays.
 */
export const reluMaskForms: { mask: 'blocked' | 'where' | 'sign' } = { mask: 'where' };

/** dy where y > 0, else 0, for a ReLU output y (also the fused ReLU mask of a MaxPool, at pooled resolution). */
export function maskPositive(ctx: VjpContext, y: string, g: string): string {
  if (reluMaskForms.mask === 'sign') return ctx.op('Mul', [g, ctx.op('Sign', [y])]);
  const blocked = reluMaskForms.mask === 'blocked' ? positiveMask(ctx, y) : null;
  if (blocked) return ctx.op('Mul', [g, blocked]);
  return ctx.op('Where', [ctx.op('Greater', [y, ctx.zero()]), g, ctx.zero()]);
}
