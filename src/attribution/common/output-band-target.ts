/**
 * Target reducers over a vector output that is itself a signal: a spectral band of a predicted
 * spectrum (bins lo..hi of an im2spec model's [N, bins] output), or a region of a predicted image
 * (the pixels under a mask in a spec2im model's flattened [N, C·H·W] output). Either becomes the
 * `{ cotangent }` Target every method takes: ones on the chosen outputs, zeros elsewhere, so what is
 * explained is the SUM of the predicted values in the band or region.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/tensor.js';

/** Sum of outputs [lo, hi] (inclusive bin indices) of a K-wide output, for each of n rows. */
export function spectralBandTarget(n: number, outputs: number, lo: number, hi: number): { cotangent: Tensor } {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi >= outputs || lo > hi) {
    throw new Error(`spectral band ${lo}..${hi} is not a range of output bins 0..${outputs - 1}; give lo ≤ hi inside it`);
  }
  const c = new Float32Array(n * outputs);
  for (let i = 0; i < n; i++) c.fill(1, i * outputs + lo, i * outputs + hi + 1);
  return { cotangent: tensor([n, outputs], c) };
}

/** The bins whose centres lie in [from, to] (e.g. wavelengths in nm); refuses an empty band. */
export function binsInRange(centres: ArrayLike<number>, from: number, to: number): [number, number] {
  let lo = -1;
  let hi = -1;
  for (let i = 0; i < centres.length; i++) {
    if (centres[i] >= from && centres[i] <= to) {
      if (lo < 0) lo = i;
      hi = i;
    }
  }
  if (lo < 0) throw new Error(`no bin centre lies in [${from}, ${to}] (bins span ${centres[0]}..${centres[centres.length - 1]}); widen the band`);
  return [lo, hi];
}

/** Sum of the outputs under `mask` (1 inside the region) of a K-wide output; a mask of n·K values gives each row its own region. */
export function outputRegionTarget(n: number, outputs: number, mask: Float32Array): { cotangent: Tensor } {
  if (mask.length !== outputs && mask.length !== n * outputs) throw new Error(`region mask has ${mask.length} values; give one per output (${outputs}) or one per output and row (${n * outputs})`);
  if (!mask.some((v) => v !== 0)) throw new Error('the region mask is empty; mark at least one output');
  const c = new Float32Array(n * outputs);
  for (let i = 0; i < n; i++) c.set(mask.length === outputs ? mask : mask.subarray(i * outputs, (i + 1) * outputs), i * outputs);
  return { cotangent: tensor([n, outputs], c) };
}
