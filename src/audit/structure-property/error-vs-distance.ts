/**
 * The lecture's "predicts the response of a geometry it has never encountered", measured: each test
 * row's prediction error against its distance from the training region — in geometry (the nearest
 * training example of the same group in factor coordinates scaled to [0, 1]) when geometry is
 * known, else in the dual VAE's latent space (posterior means standardised by the training rows).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { spearman } from '../../evaluate/similarity.js';
import { distanceFromTraining } from '../../generative/structure-property/baselines.js';
import type { PairedData } from './paired-data.js';

export interface DistanceErrors {
  space: 'geometry' | 'latent';
  coordinates: string[];
  points: { row: number; distance: number; mse: number; heldOut: boolean }[];
  /** Equal-count bins of distance with the mean error in each. */
  bins: { from: number; to: number; count: number; meanMse: number }[];
  /** Spearman rank correlation of error with distance (positive: error grows away from the training data). */
  spearman: number;
}

export function errorVsDistance(data: PairedData, latents: Tensor, train: readonly number[], test: readonly number[], errors: readonly number[], binCount = 5): DistanceErrors {
  let distances: Float64Array;
  let space: DistanceErrors['space'];
  let coordinates: string[];
  if (data.geometry) {
    const g = data.geometry;
    distances = distanceFromTraining(train.map((i) => g.coordinates[i]), train.map((i) => g.groups[i]), test.map((i) => g.coordinates[i]), test.map((i) => g.groups[i]));
    space = 'geometry';
    coordinates = g.names;
  } else {
    const L = latents.shape[1];
    const mean = new Float64Array(L);
    const std = new Float64Array(L);
    for (const i of train) for (let d = 0; d < L; d++) mean[d] += latents.data[i * L + d] / train.length;
    for (const i of train) for (let d = 0; d < L; d++) std[d] += (latents.data[i * L + d] - mean[d]) ** 2 / train.length;
    const point = (i: number) => Array.from({ length: L }, (_, d) => (latents.data[i * L + d] - mean[d]) / (Math.sqrt(std[d]) || 1));
    distances = distanceFromTraining(train.map(point), train.map(() => 0), test.map(point), test.map(() => 0));
    space = 'latent';
    coordinates = Array.from({ length: L }, (_, d) => `z${d}`);
  }
  const points = test.map((row, k) => ({ row, distance: distances[k], mse: errors[k], heldOut: data.heldOut[row] }));
  const order = points.map((_, k) => k).sort((a, b) => points[a].distance - points[b].distance);
  const bins: DistanceErrors['bins'] = [];
  for (let b = 0; b < binCount; b++) {
    const part = order.slice(Math.floor((b * order.length) / binCount), Math.floor(((b + 1) * order.length) / binCount)).map((k) => points[k]);
    if (part.length === 0) continue;
    bins.push({ from: part[0].distance, to: part[part.length - 1].distance, count: part.length, meanMse: part.reduce((s, p) => s + p.mse, 0) / part.length });
  }
  return { space, coordinates, points, bins, spearman: spearman(points.map((p) => p.distance), points.map((p) => p.mse)) };
}
