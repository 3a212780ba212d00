/**
 * A regression scenario with a known answer: 1×32×32 tiles of noisy background whose centre square
 * (the ROI) has mean intensity y (the target, e.g. a peak stress scaled to [0, 1]); in every tile a
 * 6×6 top-left corner marker has brightness y too (the artifact co-occurs with the quantity, as the
 * lecture's corner artifact co-occurs with the defect). Two linear regressors read it:
 * the clean one averages the ROI, the shortcut one averages the corner — both predict y well.
 */
import type { Graph } from '../../src/onnx/graph.js';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel } from './models.js';

export const SIDE = 32;
export const inRoi = (y: number, x: number): boolean => y >= 10 && y < 22 && x >= 10 && x < 22;
export const inCorner = (y: number, x: number): boolean => y < 6 && x < 6;

export interface RegressionScenario {
  images: Tensor;
  /** Target per image (the ROI's mean intensity before noise). */
  targets: number[];
  /** ROI masks [N, H, W]. */
  roi: Tensor;
}

export function regressionScenario(n: number, seed: number): RegressionScenario {
  const rng = new Random(seed);
  const plane = SIDE * SIDE;
  const images = new Float32Array(n * plane);
  const targets: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.uniform(0, 1);
    targets.push(y);
    for (let p = 0; p < plane; p++) {
      const r = Math.floor(p / SIDE);
      const c = p % SIDE;
      const level = inRoi(r, c) || inCorner(r, c) ? y : 0.3;
      images[i * plane + p] = level + 0.05 * rng.normal();
    }
  }
  const roi = tensor([n, SIDE, SIDE], Array.from({ length: n * plane }, (_, j) => (inRoi(Math.floor((j % plane) / SIDE), j % SIDE) ? 1 : 0)));
  return { images: tensor([n, 1, SIDE, SIDE], images), targets, roi };
}

/** A one-output linear regressor averaging the pixels where `where` holds. */
export function meanOverRegion(where: (y: number, x: number) => boolean): Graph {
  const w = Array.from({ length: SIDE * SIDE }, (_, p) => (where(Math.floor(p / SIDE), p % SIDE) ? 1 : 0));
  const count = w.reduce((a, b) => a + b, 0);
  return linearModel([1, SIDE, SIDE], w.map((v) => v / count), [0]);
}
