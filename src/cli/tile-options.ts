/**
 * The whole-micrograph switches, declared once for `explain` and `audit`: `--tile`, `--tile-overlap`
 * and (audit) `--max-tiles`. Tiling is never implied: an image bigger than the model's input without
 * --tile is an error that names --tile (inputs.ts), so nobody gets tiles who expected a resize.
 */
import type { Command } from 'commander';
import { DEFAULT_TILE_OVERLAP, describeTileOverlap, parseTileOverlap, TILE_OVERLAP_HELP, type TileOverlap } from '../data/tiling.js';
import { parseInteger, UsageError } from './errors.js';

/** Tiles per image an audit takes by default: enough for the checks' statistics, few enough to keep retraining checks tractable. */
export const DEFAULT_MAX_TILES = 64;

export interface TileFlags {
  tile?: boolean;
  /** Raw text; parseTileFlags turns it into a TileOverlap. */
  tileOverlap: string;
  maxTiles?: number;
}

export function addTileOptions(command: Command, options: { maxTiles?: boolean } = {}): Command {
  command
    .option('--tile', "images bigger than the model's input (whole micrographs): run the model on overlapping input-sized tiles, no resizing or padding")
    .option('--tile-overlap <x>', `with --tile: how much neighbouring tiles share, ${TILE_OVERLAP_HELP}`, describeTileOverlap(DEFAULT_TILE_OVERLAP));
  if (options.maxTiles) {
    command
      .option('--max-tiles <n>', 'with --tile: tiles audited per image, drawn with --seed (all when an image has fewer)', parseInteger('--max-tiles', 1), DEFAULT_MAX_TILES)
      .addHelpText(
        'after',
        "\nWith --tile the audited images are tiles: at most --max-tiles per image, each with its image's label, --groups id and --roi crop (--patch-file is then one tile's size); every tile is also predicted once, and the report gives each image's and specimen's answer (mean probability, tile vote, spread).",
      );
  }
  return command;
}

/** The overlap, checked; a tiling flag given without --tile is refused rather than ignored. */
export function parseTileFlags(command: Command, flags: TileFlags): TileOverlap {
  for (const [flag, key] of [
    ['--tile-overlap', 'tileOverlap'],
    ['--max-tiles', 'maxTiles'],
  ] as const) {
    if (!flags.tile && command.getOptionValueSource(key) === 'cli') throw new UsageError(`${flag} applies to tiled runs only; add --tile`);
  }
  try {
    return parseTileOverlap(flags.tileOverlap);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
