/**
 * Any registered method over a whole micrograph that is bigger than the model's input: the image is
 * cut into overlapping model-sized tiles (data/tiling.ts), the tiles go to the method a chunk at a
 * time (one attribute() call per chunk), and the per-tile maps are stitched with a smooth blending
 * window (tiled-stitch.ts). Peak memory is the image, the stitched map and one chunk — it does not
 * grow with the number of tiles.
 *
 * What is explained: one class for the whole micrograph, by default the image's answer (the class
 * with the highest mean tile probability, tiled-aggregate.ts), so the map shows the evidence for and
 * against that one class everywhere; tiles that disagree are not explained for their own class
 * (their map would not be comparable with their neighbours'). A regressor or dense output can
 * instead name outputs whose sum is explained. Every tile's answer is kept for the aggregation.
 *
 * Seeded methods (SmoothGrad, RISE, …) get a seed per chunk derived from the caller's seed and the
 * chunk's first tile, so chunks do not repeat one noise pattern across the image; the result depends
 * on the seed and on tilesPerCall (deterministic for the same model and options).
 */
import type { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import { cropTiles, DEFAULT_TILE_OVERLAP, tileGrid, type TileGrid, type TileOverlap } from '../data/tiling.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { outputSum } from './targets.js';
import { TileStitcher } from './tiled-stitch.js';
import { aggregateTileOutputs, type TileAggregate } from './tiled-aggregate.js';
import { predictTiles, tileChunks, tilesPerCall } from './tiled-predict.js';

export interface TiledExplainOptions {
  overlap?: TileOverlap;
  /** A class for the whole image, or outputs whose sum is explained; default: the image's answer. */
  target?: number | { readonly outputs: readonly number[] };
  /** The method's own options (steps, window, baseline, …), as for attribute(). */
  methodOptions?: Readonly<Record<string, unknown>>;
  seed?: number;
  /** Tiles per attribute() and forward call (default: tiled-predict's TILE_CHUNK_VALUES rule). */
  tilesPerCall?: number;
  /** Called as tiles are predicted and explained: stage, tiles done, total. */
  onProgress?: (stage: 'predicting tiles' | 'explaining tiles', done: number, total: number) => void;
}

export interface TiledAttribution {
  readonly method: string;
  /** The stitched map [channels, H, W]: the image's channels, or one for a method whose output is 'map'. */
  readonly values: Tensor;
  readonly grid: TileGrid;
  /** Row-major [grid.count × outputSize]: each tile's probabilities (a regressor's value). */
  readonly tileOutputs: Float32Array;
  readonly aggregate: TileAggregate;
  /** The class explained, or the outputs whose sum was explained. */
  readonly target: number | { readonly outputs: readonly number[] };
  /** Largest |convergence delta| over tiles, for the methods that report one (IG, DeepLIFT). */
  readonly maxAbsConvergenceDelta?: number;
}

/** The image as [C, H, W] (a batch of one is accepted). */
function oneImage(image: Tensor, model: Model): Tensor {
  const s = image.shape.length === 4 && image.shape[0] === 1 ? image.shape.slice(1) : image.shape;
  const c = model.inputShape[0];
  if (s.length !== 3 || model.inputShape.length !== 3 || s[0] !== c) {
    throw new Error(`tiled explanation takes one image (C, H, W) with the model's ${c} channel(s) (got [${image.shape.join(', ')}])`);
  }
  return { shape: s, data: image.data };
}

export async function explainTiled(explainer: Explainer, model: Model, image: Tensor, options: TiledExplainOptions = {}): Promise<TiledAttribution> {
  const x = oneImage(image, model);
  const [c, h, w] = x.shape;
  const grid = tileGrid(h, w, model.inputShape[1], model.inputShape[2], options.overlap ?? DEFAULT_TILE_OVERLAP);
  const perCall = tilesPerCall(model, options.tilesPerCall);
  const onProgress = options.onProgress;

  const outputs = await predictTiles(model, x, grid, { tilesPerCall: perCall, onProgress: (d, t) => onProgress?.('predicting tiles', d, t) });
  const aggregate = aggregateTileOutputs(outputs, model.outputSize);
  const target = options.target ?? aggregate.predicted;

  const channels = explainer.output === 'map' ? 1 : c;
  const stitcher = new TileStitcher(grid, channels);
  const seed = options.seed ?? 0;
  let maxDelta: number | undefined;
  for (const chunk of tileChunks(grid.count, perCall)) {
    const tiles = cropTiles(x, grid, chunk);
    const chunkTarget = typeof target === 'number' ? target : outputSum(target.outputs, chunk.length, model.outputSize);
    const chunkSeed = Random.forKey(seed, `tiles-from-${chunk[0]}`).seed();
    const a = await explainer.attribute(model, tiles, { ...options.methodOptions, target: chunkTarget, seed: chunkSeed } as ExplainOptions);
    stitcher.add(chunk, a.values);
    const delta = a.extras?.convergenceDelta as readonly number[] | undefined;
    if (delta) for (const d of delta) maxDelta = Math.max(maxDelta ?? 0, Math.abs(d));
    onProgress?.('explaining tiles', chunk[chunk.length - 1] + 1, grid.count);
  }
  return { method: explainer.name, values: stitcher.finish(), grid, tileOutputs: outputs, aggregate, target, maxAbsConvergenceDelta: maxDelta };
}
