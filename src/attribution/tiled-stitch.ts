/**
 * Per-tile maps → one map of the whole micrograph, without seams: the normalised weighted average
 *   map(p) = Σ_t w_t(p) · map_t(p) / Σ_t w_t(p)
 * over the tiles t covering pixel p, with w_t the separable Hann window of data/tiling.ts. Where all
 * tiles agree (a constant-gradient model) the result is that common value exactly; where they differ
 * (context at a tile border) it fades from one tile to the next instead of jumping.
 *
 * Memory: one float32 accumulator of the map's size (64 MB per channel for 4096²); the weight sum is
 * separable and costs two short arrays. Tiles are added one chunk at a time and then dropped.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { blendWeightSums, blendWindow, tileOrigin, type TileGrid } from '../data/tiling.js';

export class TileStitcher {
  private readonly sum: Float32Array;
  private readonly windowY: Float32Array;
  private readonly windowX: Float32Array;
  private added = 0;

  constructor(
    readonly grid: TileGrid,
    readonly channels: number,
  ) {
    this.sum = new Float32Array(channels * grid.height * grid.width);
    this.windowY = blendWindow(grid.tileHeight);
    this.windowX = blendWindow(grid.tileWidth);
  }

  /**
   * Adds the maps of tiles `indices` (a batch [k, channels, tileHeight, tileWidth], row i belonging
   * to tile indices[i]).
   */
  add(indices: readonly number[], maps: Tensor): void {
    const { tileHeight: th, tileWidth: tw, height: h, width: w } = this.grid;
    const [k, c, mh, mw] = maps.shape;
    if (maps.shape.length !== 4 || k !== indices.length || c !== this.channels || mh !== th || mw !== tw) {
      throw new Error(`tiled explanation needs one ${this.channels}-channel ${th}×${tw} map per tile (got [${maps.shape.join(', ')}] for ${indices.length} tiles); a method with coarser maps must upsample them to the input size`);
    }
    const d = maps.data;
    for (let i = 0; i < k; i++) {
      const { y, x } = tileOrigin(this.grid, indices[i]);
      for (let ch = 0; ch < c; ch++) {
        const src = (i * c + ch) * th * tw;
        const dst = ch * h * w;
        for (let r = 0; r < th; r++) {
          const wy = this.windowY[r];
          const rowIn = src + r * tw;
          const rowOut = dst + (y + r) * w + x;
          for (let q = 0; q < tw; q++) this.sum[rowOut + q] += wy * this.windowX[q] * d[rowIn + q];
        }
      }
    }
    this.added += k;
  }

  /** The stitched map [channels, H, W]. Every tile of the grid must have been added once. */
  finish(): Tensor {
    if (this.added !== this.grid.count) throw new Error(`stitching needs all ${this.grid.count} tiles; ${this.added} were added`);
    const { height: h, width: w } = this.grid;
    const { sumY, sumX } = blendWeightSums(this.grid);
    for (let ch = 0; ch < this.channels; ch++) {
      for (let y = 0; y < h; y++) {
        const o = ch * h * w + y * w;
        for (let x = 0; x < w; x++) this.sum[o + x] = this.sum[o + x] / (sumY[y] * sumX[x]);
      }
    }
    return tensor([this.channels, h, w], this.sum);
  }
}
