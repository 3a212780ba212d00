/**
 * How a model with dynamic H/W (a fully convolutional export) meets a whole micrograph: in one pass
 * when the gradient of the whole image fits the memory budget — the exact answer that tiling only
 * approximates (no tile borders, the model sees all its context) — otherwise in square tiles of the
 * largest side that fits. The cost is the static row estimate of memory-budget.ts for the graph
 * specialised to that size (shape inference only: nothing is allocated to find out).
 */
import type { Graph } from '../onnx/graph.js';
import { withInputShape } from '../onnx/input-shape.js';
import { DEFAULT_MEMORY_BUDGET, rowCost } from './memory-budget.js';

/**
 * Tile sides are multiples of this: encoder–decoder nets (U-Nets) downsample by up to 2⁵ and
 * need sizes their pools divide evenly to stitch their skip connections back together.
 */
export const TILE_SIDE_STEP = 32;

export type SpatialPass =
  | { readonly kind: 'whole'; readonly shape: readonly [number, number, number]; readonly bytes: number }
  | { readonly kind: 'tiles'; readonly shape: readonly [number, number, number]; readonly bytes: number; readonly wholeBytes: number };

/** Estimated bytes of one image's gradient (one row of a vjp call) at [C, H, W]. */
export function gradientBytes(graph: Graph, shape: readonly [number, number, number]): number {
  return rowCost(withInputShape(graph, shape)).backward;
}

/**
 * The pass for one [C, H, W] image through a graph whose input H and W are symbolic: the whole
 * image if its gradient fits `budget` bytes, else the largest square tile side (a multiple of
 * TILE_SIDE_STEP, at most the image's shorter side) whose gradient fits — at least one step, even
 * if that is over the budget (the model's own row cap then takes one tile per call).
 */
export function chooseSpatialPass(graph: Graph, image: readonly [number, number, number], budget = DEFAULT_MEMORY_BUDGET): SpatialPass {
  const [c, h, w] = image;
  const wholeBytes = gradientBytes(graph, image);
  if (wholeBytes <= budget) return { kind: 'whole', shape: image, bytes: wholeBytes };
  // Activations of a conv net grow with the pixel count: start from that estimate, then confirm.
  const shorter = Math.min(h, w);
  const guess = Math.sqrt((budget / wholeBytes) * h * w);
  let side = Math.min(shorter - (shorter % TILE_SIDE_STEP), Math.floor(guess / TILE_SIDE_STEP) * TILE_SIDE_STEP);
  side = Math.max(side, Math.min(TILE_SIDE_STEP, shorter));
  let bytes = gradientBytes(graph, [c, side, side]);
  while (bytes > budget && side > TILE_SIDE_STEP) {
    side -= TILE_SIDE_STEP;
    bytes = gradientBytes(graph, [c, side, side]);
  }
  return { kind: 'tiles', shape: [c, side, side], bytes, wholeBytes };
}
