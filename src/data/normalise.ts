/**
 * How a file's numbers become the model's input: the intensity scaling a model was trained with is a
 * property of the model, so the user declares it (`--normalise`) and it is recorded in run.json.
 * Integer data (a uint16 detector image) never reaches a model silently un-normalised: the CLI asks
 * for a choice (`requireChoice`), because un-normalised counts change predictions without an error.
 *
 * - none: the values as they are;
 * - minmax: per image to [0, 1];
 * - zscore: per image to mean 0, standard deviation 1;
 * - percentile:LO,HI: per image, the LO and HI percentiles to 0 and 1 (clipped) — robust to hot pixels;
 * - scale:X: every value times X (e.g. scale:0.00392156862745098 = 1/255 for 8-bit data).
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';

export type Normalisation =
  | { readonly kind: 'none' }
  | { readonly kind: 'minmax' }
  | { readonly kind: 'zscore' }
  | { readonly kind: 'percentile'; readonly low: number; readonly high: number }
  | { readonly kind: 'scale'; readonly factor: number };

export const NORMALISATION_HELP = 'none | minmax | zscore | percentile:LO,HI | scale:X';

/** Parses the option's text; throws a one-line message naming the accepted forms. */
export function parseNormalisation(text: string): Normalisation {
  const t = text.trim();
  if (t === 'none' || t === 'minmax' || t === 'zscore') return { kind: t };
  const percentile = /^percentile:([^,]+),(.+)$/.exec(t);
  if (percentile) {
    const low = Number(percentile[1]);
    const high = Number(percentile[2]);
    if (!(low >= 0 && high <= 100 && low < high)) throw new Error(`--normalise percentile:LO,HI needs 0 ≤ LO < HI ≤ 100 (got '${text}')`);
    return { kind: 'percentile', low, high };
  }
  const scale = /^scale:(.+)$/.exec(t);
  if (scale) {
    const factor = Number(scale[1]);
    if (!Number.isFinite(factor) || factor === 0) throw new Error(`--normalise scale:X needs a finite, non-zero X (got '${text}')`);
    return { kind: 'scale', factor };
  }
  throw new Error(`--normalise must be one of ${NORMALISATION_HELP} (got '${text}')`);
}

export function describeNormalisation(n: Normalisation): string {
  return n.kind === 'percentile' ? `percentile:${n.low},${n.high}` : n.kind === 'scale' ? `scale:${n.factor}` : n.kind;
}

const INTEGER_DTYPES = new Set(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'int64', 'uint64', 'bool', 'rgb8', 'rgba8']);

export function isIntegerDtype(dtype: string): boolean {
  return INTEGER_DTYPES.has(dtype);
}

function percentileOf(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Applies a normalisation per image (the first axis indexes images); returns a new tensor. */
export function normalise(images: Tensor, n: Normalisation): Tensor {
  if (n.kind === 'none') return images;
  const out = new Float32Array(images.data.length);
  if (n.kind === 'scale') {
    for (let i = 0; i < out.length; i++) out[i] = images.data[i] * n.factor;
    return tensor(images.shape, out);
  }
  const count = images.shape[0] ?? 1;
  const per = count > 0 ? images.data.length / count : 0;
  for (let r = 0; r < count; r++) {
    const x = images.data.subarray(r * per, (r + 1) * per);
    const y = out.subarray(r * per, (r + 1) * per);
    let a: number;
    let b: number;
    if (n.kind === 'minmax') {
      a = Infinity;
      b = -Infinity;
      for (const v of x) {
        if (v < a) a = v;
        if (v > b) b = v;
      }
    } else if (n.kind === 'zscore') {
      let mean = 0;
      for (const v of x) mean += v;
      mean /= Math.max(1, x.length);
      let variance = 0;
      for (const v of x) variance += (v - mean) ** 2;
      const std = Math.sqrt(variance / Math.max(1, x.length));
      a = mean;
      b = mean + (std > 0 ? std : 1);
    } else {
      const sorted = Float32Array.from(x).sort();
      a = percentileOf(sorted, n.low);
      b = percentileOf(sorted, n.high);
    }
    const span = b - a;
    // A constant image maps to 0 (minmax/percentile): no contrast is no signal, not a division by zero.
    for (let k = 0; k < x.length; k++) {
      const v = span > 0 ? (x[k] - a) / span : 0;
      y[k] = n.kind === 'percentile' ? Math.min(1, Math.max(0, v)) : v;
    }
  }
  return tensor(images.shape, out);
}
