/**
 * Reading the arrays commands take — image batches, region masks, labels and group ids — from any
 * file the input-file registry reads (data/formats/registry.ts: .npy, .png, and every reader added
 * there), through one function, so every command takes every format.
 */
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, firstNonFinite, reshape, shapeToString, tensor } from '../tensor/tensor.js';
import { extname } from 'node:path';
import { expandPaths } from '../io/paths.js';
import type { Command } from 'commander';
import { AmbiguousDatasetError, readArrayFile, readers, type ArrayFileOptions } from '../data/formats/registry.js';
import type { ImageArray, ReadOptions } from '../data/formats/reader.js';
import { spatialCalibration, type FileCalibration, type SpatialCalibration } from '../data/spatial-calibration.js';
import { describeNormalisation, isIntegerDtype, normalise, NORMALISATION_HELP, type Normalisation } from '../data/normalise.js';
import { UsageError } from './errors.js';

/** Any supported file as an array; a reader's one-line error stays one line. */
export async function readArray(path: string, options: ArrayFileOptions = {}): Promise<ImageArray> {
  try {
    return await readArrayFile(path, options);
  } catch (e) {
    if (e instanceof AmbiguousDatasetError) throw new UsageError(`${e.message}; choose one with ${DATASET_FLAG} NAME`);
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

const DATASET_FLAG = '--dataset';

/**
 * `--dataset NAME`, declared once for every command that reads images: which dataset of a file
 * holding several (EMD: an HDF5 path, a group, a Velox uuid or detector name such as HAADF). Without
 * it such a file is refused with its datasets listed, never read by guess.
 */
export function addDatasetOption(command: Command): Command {
  return command.option(`${DATASET_FLAG} <name>`, 'which dataset of a file holding several (EMD: its path, group, Velox uuid or detector name, e.g. HAADF); required when a file has more than one image dataset (inspect lists them)');
}

/** How the commands that feed a model read an image file: the named dataset, never a guessed one. */
export function imageReadOptions(read: ReadOptions = {}): ArrayFileOptions {
  return { ...(read.dataset !== undefined ? { dataset: read.dataset } : {}), refuseSeveralDatasets: true };
}

/** The values of any supported file (labels, masks, tables, baselines). */
export async function readValues(path: string): Promise<Tensor> {
  return (await readArray(path)).values;
}

function range(x: Tensor): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * Images for a model from any supported file: one image, a batch, or — for a one-channel model — a
 * plain 2-D image or a stack [N, H, W] (TIFF pages, MRC sections, DM stacks). Integer data needs an
 * explicit `--normalise` (un-normalised counts change predictions without any error); the chosen
 * normalisation is applied per image before the usual checks (empty, non-finite, shape).
 */
export async function readImages(
  path: string,
  modelShape: readonly number[],
  normalisation?: Normalisation,
  read: ReadOptions = {},
): Promise<{ batch: Tensor; single: boolean; dtype: string; files: string[]; calibrations: FileCalibration[] }> {
  const files = await imageFiles(path);
  // Per file, in batch order: its pixel size (when it records one) and how many images it gave.
  const calibrationsOf = (parts: readonly { batch: Tensor; calibration?: SpatialCalibration }[]) =>
    parts.map((p, i) => ({ file: files[i], images: p.batch.shape[0], calibration: p.calibration }));
  if (files.length === 1 && files[0] === path) {
    const part = await readImageFile(path, modelShape, normalisation, read);
    return { ...part, files, calibrations: calibrationsOf([part]) };
  }
  // A folder or pattern: every file's images, in file-name order, as one batch (labels follow that order).
  const parts = [];
  for (const f of files) parts.push(await readImageFile(f, modelShape, normalisation, read));
  const dtypes = [...new Set(parts.map((p) => p.dtype))];
  return { batch: concatRows(parts.map((p) => p.batch)), single: false, dtype: dtypes.join('+'), files, calibrations: calibrationsOf(parts) };
}

/** The image files a path names: itself, a folder's readable files, or a pattern's matches. */
export async function imageFiles(path: string): Promise<string[]> {
  const files = await expandPaths(path);
  if (files.length === 1 && files[0] === path) return files;
  const readable = files.filter((f) => readers.some((r) => r.extensions.includes(extname(f).toLowerCase())));
  if (readable.length === 0) throw new UsageError(`${path} names no file trustscope reads (${readers.map((r) => r.extensions.join('/')).join(', ')})`);
  return readable;
}

export async function readImageFile(path: string, modelShape: readonly number[], normalisation?: Normalisation, read: ReadOptions = {}): Promise<{ batch: Tensor; single: boolean; dtype: string; calibration?: SpatialCalibration; metadata: Readonly<Record<string, unknown>> }> {
  const array = await readArray(path, imageReadOptions(read));
  let x = array.values;
  const [c, h, w] = modelShape;
  const s = x.shape;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  let single = same(s, modelShape);
  if (modelShape.length === 3 && c === 1) {
    if (same(s, [h, w])) {
      x = reshape(x, [1, h, w]);
      single = true;
    } else if (s.length === 3 && same(s.slice(1), [h, w])) x = reshape(x, [s[0], 1, h, w]);
  }
  const spatial = s.slice(-2);
  if (modelShape.length === 3 && spatial.length === 2 && (spatial[0] > h || spatial[1] > w) && !same(s.slice(-3), modelShape)) {
    throw new UsageError(`${path} has shape ${shapeToString(s)} but the model takes (${modelShape.join(', ')}) or (N, ${modelShape.join(', ')}); its ${spatial[0]}×${spatial[1]} images are not resized: add --tile to run the model on overlapping ${h}×${w} tiles (--tile-overlap sets how much they share)`);
  }
  refuseUnscaledIntegers(array.dtype, x, path, normalisation);
  // One image becomes a batch of one, so normalisation is always per image along the first axis.
  let batch = asBatch(x, modelShape, path);
  if (normalisation) batch = asBatch(normalise(batch, normalisation), modelShape, path);
  return { batch, single, dtype: array.dtype, calibration: spatialCalibration(array), metadata: array.metadata };
}

export { describeNormalisation };

/** Integer data (counts) need an explicit --normalise: un-normalised counts change predictions without any error. */
export function refuseUnscaledIntegers(dtype: string, x: Tensor, path: string, normalisation: Normalisation | undefined): void {
  if (isIntegerDtype(dtype) && normalisation === undefined) {
    const [lo, hi] = range(x);
    throw new UsageError(`${path} holds ${dtype} values (${lo}..${hi}); say how the model expects them scaled with --normalise ${NORMALISATION_HELP} (e.g. minmax, or the scale used in training)`);
  }
}

/**
 * Where a flat index of a batch [N, C, H, W] (or [N, H, W], a table [N, F], a column [N]) lies,
 * in the user's words: "image 12, channel 1, pixel (3, 17)", "row 2, column 1" — the row and
 * position they can find in their own array.
 */
export function describePosition(shape: readonly number[], flat: number, rowWord = 'image'): string {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const at = shape.map((_, i) => Math.floor(flat / strides[i]) % shape[i]);
  if (shape.length === 4) return `${rowWord} ${at[0]}${shape[1] > 1 ? `, channel ${at[1]}` : ''}, pixel (${at[2]}, ${at[3]})`;
  if (shape.length === 3) return `${rowWord} ${at[0]}, pixel (${at[1]}, ${at[2]})`;
  if (shape.length === 2) return `row ${at[0]}, column ${at[1]}`;
  if (shape.length === 1) return `row ${at[0]}`;
  return `index [${at.join(', ')}]`;
}

/** Refuses NaN and ±∞ up front, naming the file and where the first bad value sits. */
export function checkFinite(x: Tensor, path: string, rowWord = 'image'): void {
  const bad = firstNonFinite(x.data);
  if (bad >= 0) throw new UsageError(`${path}: ${x.data[bad]} at ${describePosition(x.shape, bad, rowWord)}; replace or remove non-finite values first`);
}

/** One image (C,H,W) or a batch (N,C,H,W); refuses an empty batch and non-finite values. */
export function asBatch(x: Tensor, modelShape: readonly number[], path: string): Tensor {
  let batch: Tensor | undefined;
  if (x.shape.length === modelShape.length && x.shape.every((d, i) => d === modelShape[i])) batch = reshape(x, [1, ...x.shape]);
  else if (x.shape.length === modelShape.length + 1 && x.shape.slice(1).every((d, i) => d === modelShape[i])) batch = x;
  if (!batch) throw new UsageError(`${path} has shape ${shapeToString(x.shape)} but the model takes (${modelShape.join(', ')}) or (N, ${modelShape.join(', ')})`);
  if (batch.shape[0] === 0) throw new UsageError(`${path} holds no images (shape ${shapeToString(x.shape)}); give at least one`);
  checkFinite(batch, path);
  return batch;
}

/** Masks: (H,W) for every image, or (N,H,W) / (N,1,H,W) one per image. */
export function asMasks(m: Tensor, n: number, h: number, w: number, path: string): Tensor {
  if (m.shape.length === 2 && m.shape[0] === h && m.shape[1] === w) {
    checkFinite(m, path);
    const data = new Float32Array(n * h * w);
    for (let i = 0; i < n; i++) data.set(m.data, i * h * w);
    return tensor([n, h, w], data);
  }
  if (m.shape.length === 3 && m.shape[0] === n && m.shape[1] === h && m.shape[2] === w) return (checkFinite(m, path), m);
  if (m.shape.length === 4 && m.shape[0] === n && m.shape[1] === 1 && m.shape[2] === h && m.shape[3] === w) return (checkFinite(m, path), reshape(m, [n, h, w]));
  throw new UsageError(`${path} has shape ${shapeToString(m.shape)}; a mask must be (${h}, ${w}) for all images or (${n}, ${h}, ${w}) with one per image`);
}

/**
 * Integer ids, one per image (labels, specimen groups): shape (N) or (N, 1). With `classes`, every id
 * must also be a class of the model ("labels.npy row 10: label 7, but the model has 3 classes").
 */
export async function readIds(path: string, n: number, what: string, classes?: number): Promise<number[]> {
  const t = await readValues(path);
  if (!((t.shape.length === 1 && t.shape[0] === n) || (t.shape.length === 2 && t.shape[0] === n && t.shape[1] === 1))) {
    throw new UsageError(`${path} has shape ${shapeToString(t.shape)}; ${what} must be (${n}), one per image`);
  }
  const ids = Array.from(t.data);
  const bad = ids.findIndex((v) => !Number.isInteger(v) || v < 0);
  if (bad >= 0) throw new UsageError(`${path} row ${bad}: ${what} must be non-negative integers (got ${ids[bad]})`);
  if (classes !== undefined) {
    const out = ids.findIndex((v) => v >= classes);
    if (out >= 0) throw new UsageError(`${path} row ${out}: label ${ids[out]}, but the model has ${classes} classes (0..${classes - 1})`);
  }
  return ids;
}
