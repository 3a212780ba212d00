/**
 * `trustscope audit --tile`: what a tiled audit audits. The model only ever sees tiles, so the tiles
 * are the audited images: each image is cut into the overlapping grid of explain --tile, at most
 * --max-tiles tiles per image are drawn (seeded, a stream per image so adding an image changes no
 * other image's draw), and each tile inherits its image's label, specimen id and the matching crop
 * of its region-of-interest mask. Reference images (--reference) are tiled the same way. The checks
 * themselves are unchanged: they get a Dataset of tiles.
 *
 * Beside the checks, every tile of every image (not only the drawn ones) is predicted once, and the
 * answers are aggregated per image and per specimen (attribution/tiled-aggregate.ts) for the report.
 * Memory: one micrograph at a time plus the drawn tiles (64 tiles of 64² are 1 MB per image).
 */
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, reshape, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Dataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import { cropTiles, describeTileOverlap, sampleTiles, tileGrid, type TileOverlap } from '../data/tiling.js';
import type { Normalisation } from '../data/normalise.js';
import { predictTiles } from '../attribution/tiled-predict.js';
import { aggregateGroups, aggregateTileOutputs, type GroupAggregate, type TileAggregate } from '../attribution/tiled-aggregate.js';
import { UsageError } from './errors.js';
import { asMasks, checkFinite, readIds, readValues } from './inputs.js';
import { readMicrographs } from './tiled-inputs.js';

export interface TiledImageSummary {
  readonly index: number;
  readonly file: string;
  readonly page: number;
  readonly height: number;
  readonly width: number;
  readonly tiles: number;
  readonly audited: number;
  /** Over all its tiles. */
  readonly aggregate: TileAggregate;
}

export interface TilingSummary {
  readonly tile: readonly [number, number];
  readonly overlap: string;
  readonly maxTiles: number;
  readonly images: readonly TiledImageSummary[];
  readonly tilesAudited: number;
  readonly referenceTiles?: number;
  readonly groups?: readonly GroupAggregate[];
  /** Whether region-of-interest crops came with the tiles. */
  readonly roi: boolean;
}

interface TiledSet {
  tiles: Tensor;
  /** Image of each drawn tile, and its tile index in that image's grid. */
  owner: number[];
  tileIndex: number[];
  images: { file: string; page: number; height: number; width: number; tiles: number; audited: number; outputs?: Float32Array }[];
}

export interface TileSetOptions {
  overlap: TileOverlap;
  maxTiles: number;
  seed: number;
  /** Seed-stream key prefix: 'tiles' for the audited images, 'reference-tiles' for the reference. */
  key: string;
  /** Predict every tile (for the per-image answers). */
  predict: boolean;
  onProgress?: (stage: string, fraction: number) => void;
}

/** The drawn tiles of every image of `path`, one micrograph in memory at a time. */
async function tileSet(path: string, model: Model, normalisation: Normalisation | undefined, o: TileSetOptions): Promise<TiledSet> {
  const [, th, tw] = model.inputShape;
  const parts: Tensor[] = [];
  const owner: number[] = [];
  const tileIndex: number[] = [];
  const images: TiledSet['images'] = [];
  for await (const m of readMicrographs(path, model.inputShape, normalisation)) {
    const [, h, w] = m.image.shape;
    const grid = tileGrid(h, w, th, tw, o.overlap);
    const drawn = sampleTiles(grid.count, o.maxTiles, Random.forKey(o.seed, `${o.key}-${m.index}`));
    parts.push(cropTiles(m.image, grid, drawn));
    for (const t of drawn) {
      owner.push(m.index);
      tileIndex.push(t);
    }
    const outputs = o.predict ? await predictTiles(model, m.image, grid, { onProgress: (d, t) => o.onProgress?.(`predicting every tile of image ${m.index}`, d / t) }) : undefined;
    images.push({ file: m.file, page: m.page, height: h, width: w, tiles: grid.count, audited: drawn.length, outputs });
  }
  return { tiles: concatRows(parts), owner, tileIndex, images };
}

/** Per-image masks (N, H, W) or one (H, W) for all, cropped to the drawn tiles → [tiles, th, tw]. */
async function roiTiles(file: string, set: TiledSet, model: Model, overlap: TileOverlap): Promise<Tensor> {
  const sizes = new Set(set.images.map((i) => `${i.height}×${i.width}`));
  if (sizes.size > 1) throw new UsageError(`${file}: --roi with --tile needs images of one size (got ${[...sizes].join(', ')}); audit each size separately`);
  const { height: h, width: w } = set.images[0];
  const masks = asMasks(await readValues(file), set.images.length, h, w, file);
  const [, th, tw] = model.inputShape;
  const grid = tileGrid(h, w, th, tw, overlap);
  const parts = set.images.map((_, i) => {
    const mine = set.owner.flatMap((o, k) => (o === i ? [set.tileIndex[k]] : []));
    return cropTiles(tensor([1, h, w], masks.data.subarray(i * h * w, (i + 1) * h * w)), grid, mine);
  });
  const all = concatRows(parts);
  return reshape(all, [all.shape[0], th, tw]);
}

export interface TiledAuditInputs {
  input: string;
  labels: string;
  groups?: string;
  roi?: string;
  reference?: string;
  referenceLabels?: string;
  normalise?: Normalisation;
  overlap: TileOverlap;
  maxTiles: number;
  seed: number;
  onProgress?: (stage: string, fraction: number) => void;
}

/** The tiles as the audited Dataset (and reference), with the per-image and per-group answers. */
export async function tiledAuditData(model: Model, f: TiledAuditInputs): Promise<{ data: Dataset; reference?: Dataset; tiling: TilingSummary }> {
  const set = await tileSet(f.input, model, f.normalise, { overlap: f.overlap, maxTiles: f.maxTiles, seed: f.seed, key: 'tiles', predict: true, onProgress: f.onProgress });
  checkFinite(set.tiles, f.input);
  const n = set.images.length;
  const labels = await readIds(f.labels, n, 'labels', model.outputSize);
  const groups = f.groups ? await readIds(f.groups, n, 'group ids') : undefined;
  const roi = f.roi ? await roiTiles(f.roi, set, model, f.overlap) : undefined;
  const data: Dataset = {
    images: set.tiles,
    labels: set.owner.map((i) => labels[i]),
    groups: groups ? set.owner.map((i) => groups[i]) : undefined,
    masks: roi ? { roi } : undefined,
  };
  let reference: Dataset | undefined;
  if (f.reference) {
    if (!f.referenceLabels) throw new UsageError('--reference needs --reference-labels (class per reference image, for the Mahalanobis class means)');
    const ref = await tileSet(f.reference, model, f.normalise, { overlap: f.overlap, maxTiles: f.maxTiles, seed: f.seed, key: 'reference-tiles', predict: false });
    const refLabels = await readIds(f.referenceLabels, ref.images.length, 'reference labels', model.outputSize);
    reference = { images: ref.tiles, labels: ref.owner.map((i) => refLabels[i]) };
  }
  const k = model.outputSize;
  const outputs = set.images.map((i) => i.outputs!);
  const tiling: TilingSummary = {
    tile: [model.inputShape[1], model.inputShape[2]],
    overlap: describeTileOverlap(f.overlap),
    maxTiles: f.maxTiles,
    images: set.images.map((img, index) => ({ index, file: img.file, page: img.page, height: img.height, width: img.width, tiles: img.tiles, audited: img.audited, aggregate: aggregateTileOutputs(img.outputs!, k) })),
    tilesAudited: set.tiles.shape[0],
    referenceTiles: reference?.images.shape[0],
    groups: groups ? aggregateGroups(outputs, groups, k) : undefined,
    roi: roi !== undefined,
  };
  return { data, reference, tiling };
}

function answer(a: TileAggregate, regression: boolean): string {
  if (regression) return `mean ${a.mean[0].toPrecision(4)} ± ${a.spread.toPrecision(3)}`;
  return `class ${a.predicted} (mean probability ${a.mean[a.predicted].toFixed(3)}, spread ${a.spread.toFixed(3)}, tile vote ${(100 * a.vote!.share).toFixed(0)}% for class ${a.vote!.class})`;
}

/** The report's lead paragraph: what was audited, and the answers over all tiles. */
export function tilingIntro(t: TilingSummary, regression: boolean): string {
  const total = t.images.reduce((s, i) => s + i.tiles, 0);
  const lines = [
    `Tiled audit: ${t.images.length} image(s) were cut into ${total} tiles of ${t.tile[0]}×${t.tile[1]} (overlap ${t.overlap}); ${t.tilesAudited} tiles (at most ${t.maxTiles} per image, drawn with the seed) are the audited images, each with its image's label${t.groups ? ', specimen' : ''}${t.roi ? ' and region-of-interest crop' : ''}. The checks' numbers are about tiles, not micrographs.`,
    `Answers over all tiles: ${t.images
      .slice(0, 10)
      .map((i) => `image ${i.index} — ${answer(i.aggregate, regression)}`)
      .join('; ')}${t.images.length > 10 ? `; … (${t.images.length - 10} more in audit.json)` : ''}.`,
  ];
  if (t.groups) lines.push(`Per specimen: ${t.groups.map((g) => `specimen ${g.group} (${g.images.length} image(s)) — ${answer(g, regression)}${g.imageVote ? `, image vote ${(100 * g.imageVote.share).toFixed(0)}% for class ${g.imageVote.class}` : ''}`).join('; ')}.`);
  return lines.join(' ');
}
