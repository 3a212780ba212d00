/**
 * Attribution tensors as one 2-D map per image, the form every sanity and localisation metric
 * compares. Channels are collapsed first: `magnitude` sums |a| over channels (how much a pixel
 * matters, whatever the sign), `signed` sums a (positive evidence minus negative evidence).
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/tensor.js';

export type MapReduction = 'magnitude' | 'signed';

export interface PixelMaps {
  readonly height: number;
  readonly width: number;
  /** One row-major H·W map per image, in float64 (sums of many small float32 values). */
  readonly maps: Float64Array[];
}

/** [N, C, H, W] attributions → one H×W map per image. */
export function pixelMaps(values: Tensor, reduction: MapReduction): PixelMaps {
  if (values.shape.length !== 4) throw new Error(`attribution maps must be [N, C, H, W]; got ${shapeToString(values.shape)}`);
  const [n, c, height, width] = values.shape;
  const plane = height * width;
  const maps: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const m = new Float64Array(plane);
    for (let ch = 0; ch < c; ch++) {
      const offset = (i * c + ch) * plane;
      for (let p = 0; p < plane; p++) {
        const v = values.data[offset + p];
        m[p] += reduction === 'magnitude' ? Math.abs(v) : v;
      }
    }
    maps.push(m);
  }
  return { height, width, maps };
}

/**
 * Region masks as one boolean plane per image. Accepts [N, H, W] or [N, 1, H, W]; a pixel is inside
 * when its value is > 0.5 (as in region.ts).
 */
export function maskPlanes(mask: Tensor, n: number, height: number, width: number): Uint8Array[] {
  const ok3 = mask.shape.length === 3 && mask.shape[0] === n && mask.shape[1] === height && mask.shape[2] === width;
  const ok4 = mask.shape.length === 4 && mask.shape[0] === n && mask.shape[1] === 1 && mask.shape[2] === height && mask.shape[3] === width;
  if (!ok3 && !ok4) {
    throw new Error(`mask has shape ${shapeToString(mask.shape)}; it must be [${n}, ${height}, ${width}] (or [${n}, 1, ${height}, ${width}]) to match the attribution maps`);
  }
  const plane = height * width;
  return Array.from({ length: n }, (_, i) => {
    const out = new Uint8Array(plane);
    for (let p = 0; p < plane; p++) {
      const v = mask.data[i * plane + p];
      if (Number.isNaN(v)) throw new Error(`mask holds NaN at image ${i}, pixel ${p}; masks must be 0/1`);
      out[p] = v > 0.5 ? 1 : 0;
    }
    return out;
  });
}

/** Mean of the finite, non-null entries; null when there are none. */
export function meanOf(values: readonly (number | null)[]): number | null {
  let s = 0;
  let k = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    s += v;
    k++;
  }
  return k === 0 ? null : s / k;
}
