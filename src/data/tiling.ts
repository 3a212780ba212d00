/**
 * Whole micrographs through a model with a small fixed input: a sliding-window grid of model-sized
 * tiles with overlap, the blending window that stitches per-tile maps back without seams, and the
 * crops themselves.
 *
 * The grid covers every pixel and never pads: along each axis the first tile starts at 0, the last
 * ends at the edge, and the starts between are spread evenly, so every overlap is at least the one
 * asked for (padding would show the model borders it never saw in training). Tiles are numbered
 * row-major (top row left to right, then the next row), the same order on every run.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import type { Random } from '../tensor/random.js';

/** How much neighbouring tiles share: a fraction of the tile side, or pixels. */
export type TileOverlap = { readonly fraction: number } | { readonly pixels: number };

/** The default overlap: a quarter of the tile, enough for the blending window to hide tile borders. */
export const DEFAULT_TILE_OVERLAP: TileOverlap = { fraction: 0.25 };

export const TILE_OVERLAP_HELP = 'a fraction of the tile side in [0, 1) such as 0.25, or pixels such as 16px';

/** '0.25' → a quarter of the tile; '16px' → 16 pixels. Throws a one-line error naming the accepted forms. */
export function parseTileOverlap(text: string): TileOverlap {
  const t = text.trim();
  const px = /^(\d+)\s*px$/i.exec(t);
  if (px) return { pixels: Number(px[1]) };
  const f = t === '' ? NaN : Number(t);
  if (Number.isFinite(f) && f >= 0 && f < 1) return { fraction: f };
  throw new Error(`--tile-overlap must be ${TILE_OVERLAP_HELP} (got '${text}')`);
}

export function describeTileOverlap(o: TileOverlap): string {
  return 'pixels' in o ? `${o.pixels}px` : String(o.fraction);
}

/** Overlap in pixels for a tile side: at most side − 1, so that the grid always advances. */
export function overlapPixels(overlap: TileOverlap, side: number): number {
  const px = 'pixels' in overlap ? overlap.pixels : Math.round(overlap.fraction * side);
  if (!Number.isInteger(px) || px < 0 || px >= side) throw new Error(`a tile overlap of ${px} px does not fit a ${side}-px tile; give less than ${side} px (or a fraction below 1)`);
  return px;
}

/**
 * Tile starts along one axis of `length` pixels: 0 first, length − side last, evenly spread between
 * (rounded), with consecutive starts at most side − overlap apart.
 */
export function tileStarts(length: number, side: number, overlap: number): number[] {
  if (length < side) throw new Error(`an axis of ${length} px is shorter than the ${side}-px tile`);
  const span = length - side;
  if (span === 0) return [0];
  const n = Math.ceil(span / (side - overlap)) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * span) / (n - 1)));
}

export interface TileGrid {
  readonly height: number;
  readonly width: number;
  readonly tileHeight: number;
  readonly tileWidth: number;
  /** Top rows of the tile rows, ascending. */
  readonly ys: readonly number[];
  /** Left columns of the tile columns, ascending. */
  readonly xs: readonly number[];
  /** ys.length × xs.length. */
  readonly count: number;
  /** The overlap asked for, in pixels (actual overlaps are at least this). */
  readonly overlapY: number;
  readonly overlapX: number;
}

export function tileGrid(height: number, width: number, tileHeight: number, tileWidth: number, overlap: TileOverlap = DEFAULT_TILE_OVERLAP): TileGrid {
  if (height < tileHeight || width < tileWidth) throw new Error(`the image is ${height}×${width}, smaller than the model's ${tileHeight}×${tileWidth} input; tiling needs images at least that big`);
  const overlapY = overlapPixels(overlap, tileHeight);
  const overlapX = overlapPixels(overlap, tileWidth);
  const ys = tileStarts(height, tileHeight, overlapY);
  const xs = tileStarts(width, tileWidth, overlapX);
  return { height, width, tileHeight, tileWidth, ys, xs, count: ys.length * xs.length, overlapY, overlapX };
}

/** Where tile `index` sits: its grid row and column and its top-left pixel. */
export function tileOrigin(grid: TileGrid, index: number): { row: number; col: number; y: number; x: number } {
  const row = Math.floor(index / grid.xs.length);
  const col = index % grid.xs.length;
  return { row, col, y: grid.ys[row], x: grid.xs[col] };
}

/**
 * The blending window along one tile side: sin²(π (i + ½) / side), a Hann window sampled at pixel
 * centres. It is > 0 at every pixel (so a pixel covered by a single tile keeps that tile's value
 * exactly after normalisation) and falls smoothly towards the tile's border, where the tile's
 * model saw the least context and where neighbours take over.
 */
export function blendWindow(side: number): Float32Array {
  return Float32Array.from({ length: side }, (_, i) => Math.sin((Math.PI * (i + 0.5)) / side) ** 2);
}

/**
 * Σ over tiles of the blending weight at each pixel. The grid is a product of rows and columns and
 * the window is separable, so the sum is too: total(y, x) = sumY[y] · sumX[x] — two short arrays
 * instead of an image-sized one.
 */
export function blendWeightSums(grid: TileGrid): { sumY: Float64Array; sumX: Float64Array } {
  const axis = (length: number, side: number, starts: readonly number[]) => {
    const w = blendWindow(side);
    const sum = new Float64Array(length);
    for (const s of starts) for (let i = 0; i < side; i++) sum[s + i] += w[i];
    return sum;
  };
  return { sumY: axis(grid.height, grid.tileHeight, grid.ys), sumX: axis(grid.width, grid.tileWidth, grid.xs) };
}

/**
 * The tiles `indices` of one image [C, H, W] (or [1, C, H, W]) as a batch [k, C, tileHeight, tileWidth].
 * Copies only the k tiles, so a chunk of a big image costs the chunk, not the image.
 */
export function cropTiles(image: Tensor, grid: TileGrid, indices: readonly number[]): Tensor {
  const s = image.shape.length === 4 ? image.shape.slice(1) : image.shape;
  if (s.length !== 3 || s[1] !== grid.height || s[2] !== grid.width || (image.shape.length === 4 && image.shape[0] !== 1)) {
    throw new Error(`cropTiles: image of shape [${image.shape.join(', ')}] does not match a ${grid.height}×${grid.width} grid`);
  }
  const [c, h, w] = s;
  const { tileHeight: th, tileWidth: tw } = grid;
  const out = new Float32Array(indices.length * c * th * tw);
  let o = 0;
  for (const index of indices) {
    const { y, x } = tileOrigin(grid, index);
    for (let ch = 0; ch < c; ch++) {
      for (let r = 0; r < th; r++) {
        const from = ch * h * w + (y + r) * w + x;
        out.set(image.data.subarray(from, from + tw), o);
        o += tw;
      }
    }
  }
  return tensor([indices.length, c, th, tw], out);
}

/**
 * At most `max` tile indices drawn without replacement (all of them when there are fewer), in
 * ascending order so that the tiles of an image stay in reading order.
 */
export function sampleTiles(count: number, max: number, rng: Random): number[] {
  if (!(Number.isInteger(max) && max >= 1)) throw new Error(`the tile cap must be a whole number ≥ 1 (got ${max})`);
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  return rng.permutation(count).slice(0, max).sort((a, b) => a - b);
}
