/**
 * Baselines — the reference a method compares the input with (IG's path start, DeepLIFT's
 * reference, occlusion's fill, the value of an absent KernelSHAP/LIME feature, GradientSHAP's
 * distribution) — read one way for every method: a number, one example for every input ([1, …] or
 * without the batch dimension, broadcast as Captum does), or one per input.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString, sizeOf } from '../../tensor/tensor.js';

export type Baseline = number | Tensor;

/** The baseline as a full array of the inputs' shape (undefined means `fallback`, Captum's 0). */
export function expandBaseline(baseline: Baseline | undefined, inputs: Tensor, method: string, fallback = 0): Float32Array {
  const n = inputs.shape[0];
  const d = sizeOf(inputs.shape.slice(1));
  if (baseline === undefined || typeof baseline === 'number') {
    const v = baseline ?? fallback;
    if (!Number.isFinite(v)) throw new Error(`${method} baseline must be a finite number (got ${v})`);
    return new Float32Array(n * d).fill(v);
  }
  const tail = shapeToString(inputs.shape.slice(1));
  if (shapeToString(baseline.shape) === shapeToString(inputs.shape)) return baseline.data;
  const one =
    (baseline.shape.length === inputs.shape.length && baseline.shape[0] === 1 && shapeToString(baseline.shape.slice(1)) === tail) ||
    shapeToString(baseline.shape) === tail;
  if (!one) {
    throw new Error(`${method} baseline has shape ${shapeToString(baseline.shape)}; it must be a number, one example ${tail}, or match the inputs ${shapeToString(inputs.shape)}`);
  }
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) out.set(baseline.data, i * d);
  return out;
}

/**
 * A baseline distribution to draw from (GradientSHAP): B examples of d values each, from a number
 * (one constant example), one example, or [B, …example].
 */
export function baselineDistribution(baselines: Baseline | undefined, inputs: Tensor, method: string): { data: Float32Array; count: number } {
  const tail = inputs.shape.slice(1);
  const d = sizeOf(tail);
  if (baselines === undefined || typeof baselines === 'number') {
    const v = baselines ?? 0;
    if (!Number.isFinite(v)) throw new Error(`${method} baseline must be a finite number (got ${v})`);
    return { data: new Float32Array(d).fill(v), count: 1 };
  }
  if (shapeToString(baselines.shape) === shapeToString(tail)) return { data: baselines.data, count: 1 };
  if (baselines.shape.length === inputs.shape.length && baselines.shape[0] >= 1 && shapeToString(baselines.shape.slice(1)) === shapeToString(tail)) {
    return { data: baselines.data, count: baselines.shape[0] };
  }
  throw new Error(`${method} baselines have shape ${shapeToString(baselines.shape)}; they must be a number, one example ${shapeToString(tail)}, or a distribution [B, ${tail.join(', ')}]`);
}
