/**
 * The model's answer for every tile of a micrograph, a chunk of tiles at a time: class
 * probabilities (softmax of the logits) for a classifier, the raw value for a one-output regressor.
 * Only one chunk of tile pixels exists at a time, so memory follows the chunk, not the image.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf, softmaxRows } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import { cropTiles, type TileGrid } from '../data/tiling.js';

/** Float32 values of tile pixels per chunk by default (4 MB): 256 tiles of 64², 6 of 3×224². */
export const TILE_CHUNK_VALUES = 1 << 20;

/** Tiles per explain or forward call: `requested`, or as many as fit TILE_CHUNK_VALUES (1 to 256). */
export function tilesPerCall(model: Pick<Model, 'inputShape'>, requested?: number): number {
  if (requested !== undefined) {
    if (!(Number.isInteger(requested) && requested >= 1)) throw new Error(`tilesPerCall must be a whole number ≥ 1 (got ${requested})`);
    return requested;
  }
  return Math.max(1, Math.min(256, Math.floor(TILE_CHUNK_VALUES / sizeOf(model.inputShape))));
}

/** Tile indices 0..count−1 in consecutive chunks of `size`. */
export function tileChunks(count: number, size: number): number[][] {
  const chunks: number[][] = [];
  for (let start = 0; start < count; start += size) chunks.push(Array.from({ length: Math.min(size, count - start) }, (_, i) => start + i));
  return chunks;
}

/** What a tile's output row means to the aggregation: probabilities, or a regressor's value. */
export function tileOutputs(model: Pick<Model, 'outputSize'>, logits: Tensor): Tensor {
  return model.outputSize === 1 ? logits : softmaxRows(logits);
}

export interface PredictTilesOptions {
  tilesPerCall?: number;
  /** Called after each chunk with tiles done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Row-major [grid.count × outputSize] tile outputs of one image [C, H, W] (or [1, C, H, W]). */
export async function predictTiles(model: Model, image: Tensor, grid: TileGrid, options: PredictTilesOptions = {}): Promise<Float32Array> {
  const k = model.outputSize;
  const out = new Float32Array(grid.count * k);
  for (const chunk of tileChunks(grid.count, tilesPerCall(model, options.tilesPerCall))) {
    const outputs = tileOutputs(model, await model.forward(cropTiles(image, grid, chunk)));
    out.set(outputs.data, chunk[0] * k);
    options.onProgress?.(chunk[chunk.length - 1] + 1, grid.count);
  }
  return out;
}
