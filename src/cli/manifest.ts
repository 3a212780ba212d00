/**
 * `--manifest FILE.csv`: the images of explain, evaluate and audit as a table instead of parallel
 * arrays. The header names the columns — `path` (required), `label`, `group`, `roi` (optional, any
 * order) — and each row is one image file (any format the registry reads; paths relative to the
 * CSV's folder), its class, its specimen and its region-of-interest mask file (same size as the
 * image, any format, non-zero = inside). A file holding N frames (a TIFF stack, an MRC series) gives
 * N images sharing its row's label, group and mask. Integer group ids are kept as they are; names
 * ("S12") are numbered in order of first appearance. Every problem names the CSV line and column:
 *   manifest.csv:7: column 'label': 'abc' is not an integer class
 *
 * For the audit, two more kinds of column (manifest-columns.ts): `group:<name>` (e.g.
 * `group:session`, `group:operator`) — each a further grouping, as `--groups name=…` gives — and
 * `time` or `acquired` — when the image was taken (a number in any unit, an ISO 8601 date-time, or
 * `file`: the time the image file records), the drift check's time axis.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, tensor } from '../tensor/tensor.js';
import { parseCsv, type CsvRow } from '../data/csv.js';
import type { ReadOptions } from '../data/formats/reader.js';
import type { Normalisation } from '../data/normalise.js';
import { fsErrorReason } from '../io/atomic-write.js';
import { asMasks, readArray, readImageFile, readImages } from './inputs.js';
import type { FileCalibration } from '../data/spatial-calibration.js';
import { UsageError } from './errors.js';
import { FILE_TIME, TIME_COLUMNS, acquisitionTimes, fileTime, groupingColumnName, type ManifestGrouping } from './manifest-columns.js';
import type { AcquisitionTime } from '../audit/check.js';

export const MANIFEST_FLAG = '--manifest';
const COLUMNS = ['path', 'label', 'group', 'roi', ...TIME_COLUMNS] as const;
type Column = (typeof COLUMNS)[number];

export function addManifestOption(command: Command, columns: string): Command {
  return command.option(
    `${MANIFEST_FLAG} <file.csv>`,
    `CSV table of images instead of --input: a header naming path${columns} (paths relative to the CSV; a multi-frame file gives one image per frame sharing its row)`,
  );
}

export interface ManifestImages {
  /** [N, C, H, W], every row's images in row order, normalised like --input images. */
  readonly images: Tensor;
  readonly labels?: number[];
  readonly groups?: number[];
  /** [N, H, W], 1 inside the region of interest. */
  readonly roi?: Tensor;
  /** The `group:<name>` columns, in header order. */
  readonly groupings?: ManifestGrouping[];
  /** The `time` / `acquired` column, one value per image. */
  readonly acquisitionTime?: AcquisitionTime;
  /** The CSV, then every image and mask file it names (for run.json). */
  readonly files: string[];
  /** Per image file, in row order: its pixel size when it records one (scale bars, run.json). */
  readonly calibrations: FileCalibration[];
}

interface Table {
  readonly columns: ReadonlyMap<Column, number>;
  /** `group:<name>` columns: name → cell index, in header order. */
  readonly groupings: ReadonlyMap<string, number>;
  readonly rows: readonly CsvRow[];
}

async function readTable(csv: string): Promise<Table> {
  let text: string;
  try {
    text = await readFile(csv, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${csv}: ${fsErrorReason(e)}`);
  }
  let rows: CsvRow[];
  try {
    rows = parseCsv(text, csv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (rows.length === 0) throw new UsageError(`${csv} is empty; it needs a header line naming its columns: ${COLUMNS.join(',')} (path required)`);
  const [header, ...body] = rows;
  const columns = new Map<Column, number>();
  const groupings = new Map<string, number>();
  header.cells.forEach((raw, i) => {
    const name = raw.trim();
    const grouping = groupingColumnName(name, `${csv}:${header.line}`);
    if (grouping !== undefined) {
      if (groupings.has(grouping) || (grouping === 'specimen' && header.cells.some((c) => c.trim() === 'group'))) throw new UsageError(`${csv}:${header.line}: grouping '${grouping}' appears twice (column 'group' is the specimen grouping)`);
      groupings.set(grouping, i);
      return;
    }
    if (!(COLUMNS as readonly string[]).includes(name)) throw new UsageError(`${csv}:${header.line}: unknown column '${name}'; the columns are ${COLUMNS.join(', ')}, group:<name> (path required)`);
    if (columns.has(name as Column)) throw new UsageError(`${csv}:${header.line}: column '${name}' appears twice`);
    columns.set(name as Column, i);
  });
  if (TIME_COLUMNS.filter((c) => columns.has(c)).length > 1) throw new UsageError(`${csv}:${header.line}: give the acquisition time once: a 'time' or an 'acquired' column, not both`);
  if (!columns.has('path')) throw new UsageError(`${csv}:${header.line}: the header has no 'path' column (it names ${header.cells.join(', ')})`);
  if (body.length === 0) throw new UsageError(`${csv} names no images: it has a header but no rows`);
  for (const row of body) {
    if (row.cells.length !== header.cells.length) throw new UsageError(`${csv}:${row.line}: ${row.cells.length} cells but the header has ${header.cells.length} columns`);
  }
  return { columns, groupings, rows: body };
}

/** The image files a manifest names, in row order (resolved against its folder), without reading them. */
export async function manifestImagePaths(csv: string): Promise<string[]> {
  const table = await readTable(csv);
  const folder = dirname(csv);
  return table.rows.map((row) => {
    const path = cell(csv, row, table, 'path');
    return isAbsolute(path) ? path : resolve(folder, path);
  });
}

/** The columns a manifest's header names (evaluate decides its default metrics from them). */
export async function manifestColumns(csv: string): Promise<Column[]> {
  return [...(await readTable(csv)).columns.keys()];
}

function cell(csv: string, row: CsvRow, table: Table, column: Column): string {
  const value = row.cells[table.columns.get(column)!].trim();
  if (value === '') throw new UsageError(`${csv}:${row.line}: column '${column}' is empty; every row needs a value once the column is there`);
  return value;
}

function integerClass(csv: string, row: CsvRow, text: string, classes: number | undefined): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${csv}:${row.line}: column 'label': '${text}' is not an integer class`);
  const label = Number(text);
  if (classes !== undefined && label >= classes) throw new UsageError(`${csv}:${row.line}: column 'label': class ${label}, but the model has ${classes} classes (0..${classes - 1})`);
  return label;
}

/** Integer ids stay; otherwise every distinct name gets the next id in order of first appearance. */
function groupIds(names: readonly string[]): number[] {
  if (names.every((g) => /^\d+$/.test(g))) return names.map(Number);
  const ids = new Map<string, number>();
  return names.map((g) => {
    if (!ids.has(g)) ids.set(g, ids.size);
    return ids.get(g)!;
  });
}

/**
 * Reads a manifest's images (and labels, groups and masks when the header names them) for a model of
 * `modelShape`; `classes` bounds the labels. Each file's problem is prefixed with the CSV line.
 */
export async function readManifest(csv: string, modelShape: readonly number[], normalisation: Normalisation | undefined, read: ReadOptions = {}, classes?: number): Promise<ManifestImages> {
  const table = await readTable(csv);
  const folder = dirname(csv);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(folder, p));
  const files = [csv];
  const batches: Tensor[] = [];
  const labels: number[] = [];
  const groupNames: string[] = [];
  const groupingNames = new Map([...table.groupings.keys()].map((name) => [name, [] as string[]]));
  const timeColumn = TIME_COLUMNS.find((c) => table.columns.has(c));
  const timeCells: { text: string; line: number; frames: number }[] = [];
  const masks: Tensor[] = [];
  const maskCache = new Map<string, Tensor>();
  const calibrations: FileCalibration[] = [];
  for (const row of table.rows) {
    const where = (e: unknown) => new UsageError(`${csv}:${row.line}: ${(e as Error).message.replace(/^trustscope: /, '')}`);
    // Cells first: a bad label fails before any image is read.
    const path = at(cell(csv, row, table, 'path'));
    const label = table.columns.has('label') ? integerClass(csv, row, cell(csv, row, table, 'label'), classes) : undefined;
    const group = table.columns.has('group') ? cell(csv, row, table, 'group') : undefined;
    const roiPath = table.columns.has('roi') ? at(cell(csv, row, table, 'roi')) : undefined;
    const rowGroupings = [...table.groupings].map(([name, index]) => {
      const value = row.cells[index].trim();
      if (value === '') throw new UsageError(`${csv}:${row.line}: column 'group:${name}' is empty; every row needs a value once the column is there`);
      return [name, value] as const;
    });
    const time = timeColumn ? cell(csv, row, table, timeColumn) : undefined;
    let batch: Tensor;
    let metadata: Readonly<Record<string, unknown>>;
    try {
      const part = await readImageFile(path, modelShape, normalisation, read);
      batch = part.batch;
      metadata = part.metadata;
      calibrations.push({ file: path, images: batch.shape[0], calibration: part.calibration });
    } catch (e) {
      throw where(e);
    }
    files.push(path);
    batches.push(batch);
    const n = batch.shape[0];
    for (let k = 0; k < n; k++) {
      if (label !== undefined) labels.push(label);
      if (group !== undefined) groupNames.push(group);
      for (const [name, value] of rowGroupings) groupingNames.get(name)!.push(value);
    }
    if (time !== undefined) timeCells.push({ text: time === FILE_TIME ? fileTime(csv, row.line, path, metadata) : time, line: row.line, frames: n });
    if (roiPath !== undefined) {
      const [h, w] = batch.shape.slice(-2);
      try {
        let mask = maskCache.get(roiPath);
        if (!mask) {
          mask = (await readArray(roiPath)).values;
          maskCache.set(roiPath, mask);
          files.push(roiPath);
        }
        // A colour or single-channel mask file [1, H, W] is one mask; non-zero (any format's "on") is inside.
        const plain = mask.shape.length === 3 && mask.shape[0] === 1 && n !== 1 ? tensor([mask.shape[1], mask.shape[2]], mask.data) : mask;
        const m = asMasks(plain, n, h, w, roiPath);
        masks.push(tensor(m.shape, Float32Array.from(m.data, (v) => (v !== 0 ? 1 : 0))));
      } catch (e) {
        throw where(e);
      }
    }
  }
  const images = concatRows(batches);
  return {
    images,
    ...(table.columns.has('label') ? { labels } : {}),
    ...(table.columns.has('group') ? { groups: groupIds(groupNames) } : {}),
    ...(masks.length ? { roi: concatRows(masks) } : {}),
    ...(groupingNames.size ? { groupings: [...groupingNames].map(([name, names]) => ({ name, ids: groupIds(names) })) } : {}),
    ...(timeColumn ? { acquisitionTime: acquisitionTimes(timeCells, csv, timeColumn) } : {}),
    files,
    calibrations,
  };
}

/**
 * Refuses a manifest given together with the arrays it replaces: two sources of the same images
 * (or labels) would silently disagree.
 */
export function refuseManifestWith(manifest: string | undefined, given: Readonly<Record<string, unknown>>): void {
  if (manifest === undefined) return;
  const both = Object.entries(given).filter(([, v]) => v !== undefined).map(([flag]) => flag);
  if (both.length) throw new UsageError(`${MANIFEST_FLAG} replaces ${both.join(', ')}: give the images (and their labels, groups and masks) one way, not both`);
}

/**
 * The images of explain and evaluate: `--input` (a file, folder or pattern) or `--manifest`, with
 * the manifest's masks when it has a roi column, and the files to record in run.json.
 */
export async function readInputImages(
  opts: { readonly input?: string; readonly manifest?: string; readonly normalise?: Normalisation; readonly dataset?: string },
  modelShape: readonly number[],
): Promise<{ batch: Tensor; single: boolean; roi?: Tensor; files: string[]; calibrations: FileCalibration[] }> {
  const read = opts.dataset !== undefined ? { dataset: opts.dataset } : {};
  if (opts.manifest !== undefined) {
    refuseManifestWith(opts.manifest, { '--input': opts.input });
    const m = await readManifest(opts.manifest, modelShape, opts.normalise, read);
    return { batch: m.images, single: false, ...(m.roi ? { roi: m.roi } : {}), files: m.files, calibrations: m.calibrations };
  }
  if (opts.input === undefined) throw new UsageError(`give the images: --input X.npy (a file, a folder or a pattern) or ${MANIFEST_FLAG} FILE.csv`);
  const { batch, single, calibrations } = await readImages(opts.input, modelShape, opts.normalise, read);
  return { batch, single, files: [opts.input], calibrations };
}
