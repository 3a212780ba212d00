/**
 * Forward sensitivity (the paper's §3.2 first analysis): per tile, hold every attribute at the
 * tile's own value but one, sweep that one over a grid, and read R(G(z, A)) — the prediction as a
 * function of one knob. Per tile the least-squares slope of that curve; per lot and overall, the
 * mean of the slopes and of the curves. With a known property function (the demo) the same sweep is
 * run through it, so the estimated and true slopes compare like for like.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/tensor.js';
import type { KnobForward } from './knob-pipeline.js';

export interface SweepOptions {
  /** Grid of attribute values (default 0, 0.25, …, 1). */
  grid?: readonly number[];
  onProgress?: (fraction: number) => void;
}

export interface AttributeSensitivity {
  /** Per tile, the slope of the prediction along the sweep (per unit attribute). */
  slopes: number[];
  /** Per grid value, the mean prediction over tiles. */
  curve: number[];
  /** Per tile, the predictions at each grid value. */
  predictions: number[][];
}

export interface SensitivityResult {
  grid: number[];
  /** One per attribute, in attribute order. */
  attributes: AttributeSensitivity[];
}

export const DEFAULT_GRID = [0, 0.25, 0.5, 0.75, 1];

/** Least-squares slope of y against x. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/** The attribute rows of a sweep: for each tile, its attributes with attribute j set to each grid value. */
export function sweepRows(attributes: Tensor, j: number, grid: readonly number[]): Tensor {
  const [n, k] = attributes.shape;
  const out = new Float32Array(n * grid.length * k);
  for (let i = 0; i < n; i++) {
    grid.forEach((v, g) => {
      const r = (i * grid.length + g) * k;
      out.set(attributes.data.subarray(i * k, (i + 1) * k), r);
      out[r + j] = v;
    });
  }
  return tensor([n * grid.length, k], out);
}

/** Each row of z repeated `times` times, consecutively. */
export function repeatRows(t: Tensor, times: number): Tensor {
  const [n, ...rest] = t.shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * times * size);
  for (let i = 0; i < n; i++) for (let r = 0; r < times; r++) out.set(t.data.subarray(i * size, (i + 1) * size), (i * times + r) * size);
  return tensor([n * times, ...rest], out);
}

export async function forwardSensitivity(forward: KnobForward, z: Tensor, attributes: Tensor, options: SweepOptions = {}): Promise<SensitivityResult> {
  const grid = [...(options.grid ?? DEFAULT_GRID)];
  const [n, k] = attributes.shape;
  const zRepeated = repeatRows(z, grid.length);
  const result: AttributeSensitivity[] = [];
  for (let j = 0; j < k; j++) {
    const { prediction } = await forward.run(zRepeated, sweepRows(attributes, j, grid));
    const predictions = Array.from({ length: n }, (_, i) => Array.from(prediction.data.subarray(i * grid.length, (i + 1) * grid.length)));
    result.push({
      slopes: predictions.map((p) => slope(grid, p)),
      curve: grid.map((_, g) => predictions.reduce((a, p) => a + p[g], 0) / n),
      predictions,
    });
    options.onProgress?.((j + 1) / k);
  }
  return { grid, attributes: result };
}

/** The same sweep through a known function of the attributes: per attribute, the per-tile slopes. */
export function knownFunctionSlopes(f: (a: readonly number[]) => number, attributes: Tensor, grid: readonly number[] = DEFAULT_GRID): number[][] {
  const [n, k] = attributes.shape;
  return Array.from({ length: k }, (_, j) =>
    Array.from({ length: n }, (_, i) => {
      const a = Array.from(attributes.data.subarray(i * k, (i + 1) * k));
      return slope(grid, grid.map((v) => f(a.map((x, m) => (m === j ? v : x)))));
    }),
  );
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}
