/**
 * The yardsticks a structure–property model must beat on held-out geometries: the mean training
 * target (predicts "the average spectrum" whatever the image) and the nearest neighbour (the target
 * of the training example whose input is closest in Euclidean distance — a lookup in the library
 * the lecture says the network replaces). Plus the squared-error measures both sides are scored by.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString, sizeOf, tensor } from '../../tensor/tensor.js';

function width(t: Tensor): number {
  return sizeOf(t.shape.slice(1));
}

/** Mean squared error per row (mean over the row's elements), [N]. */
export function rowMse(prediction: Tensor, truth: Tensor): Float64Array {
  if (prediction.data.length !== truth.data.length || prediction.shape[0] !== truth.shape[0]) throw new Error(`mse: prediction ${shapeToString(prediction.shape)} and truth ${shapeToString(truth.shape)} differ in size`);
  const n = truth.shape[0];
  const k = width(truth);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += (prediction.data[i * k + j] - truth.data[i * k + j]) ** 2;
    out[i] = s / k;
  }
  return out;
}

/** Mean squared error over every element. */
export function mse(prediction: Tensor, truth: Tensor): number {
  const rows = rowMse(prediction, truth);
  return rows.reduce((a, b) => a + b, 0) / rows.length;
}

/** The mean training row, repeated for each of `count` queries. */
export function meanBaseline(trainTargets: Tensor, count: number): Tensor {
  const n = trainTargets.shape[0];
  const k = width(trainTargets);
  if (n === 0) throw new Error('mean baseline: no training rows');
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j] += trainTargets.data[i * k + j] / n;
  const out = new Float32Array(count * k);
  for (let i = 0; i < count; i++) for (let j = 0; j < k; j++) out[i * k + j] = mean[j];
  return tensor([count, ...trainTargets.shape.slice(1)], out);
}

/** Index of the nearest training input (squared Euclidean distance over all elements) for each query. */
export function nearestRows(trainInputs: Tensor, queries: Tensor): Int32Array {
  const k = width(trainInputs);
  if (width(queries) !== k) throw new Error(`nearest neighbour: queries have ${width(queries)} values per row but the training inputs ${k}`);
  const n = trainInputs.shape[0];
  const q = queries.shape[0];
  const out = new Int32Array(q);
  for (let a = 0; a < q; a++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < k && d < bestDistance; j++) d += (queries.data[a * k + j] - trainInputs.data[i * k + j]) ** 2;
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    out[a] = best;
  }
  return out;
}

/** The nearest training input's target for each query. */
export function nearestNeighbourBaseline(trainInputs: Tensor, trainTargets: Tensor, queries: Tensor): Tensor {
  const k = width(trainTargets);
  const nearest = nearestRows(trainInputs, queries);
  const out = new Float32Array(nearest.length * k);
  nearest.forEach((i, a) => out.set(trainTargets.data.subarray(i * k, (i + 1) * k), a * k));
  return tensor([nearest.length, ...trainTargets.shape.slice(1)], out);
}

/**
 * Distance of each query geometry from the training region: Euclidean distance, in coordinates the
 * caller has scaled to [0, 1] per factor, to the nearest training geometry of the same group
 * (clusters of the same particle count). Infinity when no training example shares the group.
 */
export function distanceFromTraining(train: readonly (readonly number[])[], trainGroups: readonly number[], queries: readonly (readonly number[])[], queryGroups: readonly number[]): Float64Array {
  return Float64Array.from(queries, (q, a) => {
    let best = Infinity;
    train.forEach((t, i) => {
      if (trainGroups[i] !== queryGroups[a]) return;
      let d = 0;
      for (let j = 0; j < q.length; j++) d += (q[j] - t[j]) ** 2;
      best = Math.min(best, d);
    });
    return Math.sqrt(best);
  });
}

/**
 * Rotation-free summary of square images: the mean intensity in 1-pixel rings about the image
 * centre, [N, rings]. A spectrum taken under unpolarised light cannot tell a cluster's orientation,
 * so spec2im is also scored on these profiles (what a spectrum CAN determine: size, count, spacing).
 */
export function radialProfiles(images: Tensor, size: number): Tensor {
  const n = images.shape[0];
  const channels = width(images) / (size * size);
  if (!Number.isInteger(channels)) throw new Error(`radial profiles: rows of ${width(images)} values are not ${size}×${size} images`);
  const c = (size - 1) / 2;
  const rings = Math.floor(c * Math.SQRT2) + 1;
  const ringOf = new Int32Array(size * size);
  const counts = new Float64Array(rings);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const r = Math.min(rings - 1, Math.floor(Math.hypot(x - c, y - c)));
    ringOf[y * size + x] = r;
    counts[r] += channels;
  }
  const out = new Float32Array(n * rings);
  for (let i = 0; i < n; i++) {
    const sums = new Float64Array(rings);
    for (let ch = 0; ch < channels; ch++) for (let p = 0; p < size * size; p++) sums[ringOf[p]] += images.data[(i * channels + ch) * size * size + p];
    for (let r = 0; r < rings; r++) out[i * rings + r] = counts[r] > 0 ? sums[r] / counts[r] : 0;
  }
  return tensor([n, rings], out);
}
