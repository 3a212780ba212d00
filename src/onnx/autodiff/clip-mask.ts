/**
 * The ReLU6 mask 1[0 < y < hi] of a Clip(x, 0, hi) output y, built only from ops ONNX Runtime keeps in
 * its blocked NCHWc layout, so the Clip backward `dy · mask` stays blocked between the backward
 * convolutions. The Where form (Greater, Less, And, Where) runs in NCHW: ORT reorders y and dy out
 * of the blocked layout and the result back in, three extra passes per Clip, 35 Clips in
 * MobileNetV2 (bench/profile-gradients.ts).
 *
 * ORT fuses a Conv with constant weights and a following Clip with constant bounds into one kernel,
 * and runs a depthwise 1×1 Conv and a same-shape Mul on blocked operands. So, per channel:
 *   L = Clip(2¹²⁷·y, 0, 2⁻²²)          (depthwise 1×1 Conv + Clip: 2⁻²² where y > 0, since every
 *                                     y ≥ 2⁻¹⁴⁹, the smallest subnormal, gives 2¹²⁷·y ≥ 2⁻²²; else 0)
 *   H = Clip(2ᵃ·hi − 2ᵃ·y, 0, 2²²)     (2²² where y < hi, 0 where y = hi: a float y < hi is at least
 *                                     2^(e−24) below hi for hi in [2ᵉ, 2ᵉ⁺¹), and a = 46 − e lifts that
 *                                     to 2²²; scaling by a power of two rounds exactly like hi − y)
 *   mask = L · H                      (exactly 0 or 1)
 * Four blocked passes instead of seven (four of them in NCHW). Exact in float32 for 0 ≤ y ≤ hi.
 */
import { attr } from '../graph.js';
import type { VjpContext } from './context.js';
import { blockedValue } from './positive-mask.js';

/**
 * How Clip's input gradient is masked (bench/gradient-variants.ts: clip-where, clip-blocked):
 * 'where' is Where(lo < y < hi, dy, 0); 'blocked' multiplies by the mask above where it applies.
 */
export const clipMaskForms: { mask: 'where' | 'blocked' } = { mask: 'blocked' };

/** A float initializer holding one value (a Clip bound), or undefined. */
export function constantScalar(ctx: VjpContext, value: string | null): number | undefined {
  if (!value) return undefined;
  const t = ctx.initializer(value);
  return t && t.data instanceof Float32Array && t.data.length === 1 ? t.data[0] : undefined;
}

/** clamp(scale·y + shift, lo, hi) per channel: a depthwise 1×1 Conv that ORT fuses with the Clip. */
function affineClip(ctx: VjpContext, y: string, channels: number, scale: number, shift: number, lo: number, hi: number): string {
  const w = ctx.constFloat(new Array<number>(channels).fill(scale), [channels, 1, 1, 1]);
  const b = ctx.constFloat(new Array<number>(channels).fill(shift), [channels]);
  const conv = ctx.op('Conv', [y, w, b], { group: attr.int(channels) });
  return ctx.op('Clip', [conv, ctx.constFloat([lo]), ctx.constFloat([hi])]);
}

/**
 * 1[0 < y < hi] as float32 for the output y of Clip(x, 0, hi) when ORT holds y blocked, or null
 * when the form does not apply (the caller then uses Where): bounds other than a constant 0 and a
 * constant positive hi, y not blocked, opset < 11 (Clip's bounds as inputs), or a graph to be
 * differentiated again (it would carry the 2¹²⁷ slopes).
 */
export function blockedClipMask(ctx: VjpContext, y: string, lo: number | undefined, hi: number | undefined): string | null {
  const shape = ctx.tryShape(y);
  const channels = shape?.[1] ?? -1;
  if (ctx.differentiable || ctx.opset < 11 || shape?.length !== 4 || !(channels > 0)) return null;
  if (lo !== 0 || hi === undefined || !(hi > 0) || !Number.isFinite(hi)) return null;
  const e = Math.floor(Math.log2(hi));
  const a = 46 - e;
  if (a > 127 || !blockedValue(ctx, ctx.producer(y)?.inputs[0] ?? '')) return null;
  const above = affineClip(ctx, y, channels, 2 ** 127, 0, 0, 2 ** -22);
  const below = affineClip(ctx, y, channels, -(2 ** a), 2 ** a * hi, 0, 2 ** 22);
  return ctx.op('Mul', [above, below]);
}
