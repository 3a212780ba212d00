/**
 * Input files → arrays, through one function. Every command reads images, masks and labels with
 * `readArrayFile`, so a format added here (one reader file, one line below) works everywhere at once.
 * The reader is chosen by the file's first bytes; the extension decides only when no signature
 * matches (formats without one), and a mismatch between the two is reported, not guessed around.
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { fsErrorReason, readBytes } from '../../io/atomic-write.js';
import type { DatasetEntry, ImageArray, ReadOptions, Reader } from './reader.js';
import { npyReader } from './npy-reader.js';
import { pngReader } from './png-reader.js';
import { dmReader } from './dm-reader.js';
import { tiffReader } from './tiff.js';
import { mrcReader } from './mrc.js';
import { serReader } from './ser.js';
import { emdReader } from './emd.js';
import { jpegReader } from './jpeg.js';

// One line per reader; a file's first bytes choose among them, its extension only when none sniffs it.
export const readers: readonly Reader[] = [npyReader, pngReader, dmReader, tiffReader, mrcReader, serReader, emdReader, jpegReader];

const HEAD_BYTES = 512;

async function head(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${fsErrorReason(e)}`);
  }
  try {
    const buffer = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${fsErrorReason(e)}`);
  } finally {
    await handle.close();
  }
}

function supported(): string {
  return readers.map((r) => `${r.name} (${r.extensions.join(', ')})`).join(', ');
}

/** The reader for a file, by content then extension; a one-line error when none fits. */
export async function readerFor(path: string): Promise<Reader> {
  const bytes = await head(path);
  const ext = extname(path).toLowerCase();
  const bySignature = readers.find((r) => r.sniff(bytes));
  if (bySignature) return bySignature;
  const byExtension = readers.find((r) => r.extensions.includes(ext));
  if (byExtension) {
    if (bytes.length === 0) throw new Error(`${path} is empty`);
    throw new Error(`${path} has the extension ${ext} but does not start like a ${byExtension.name} file; is it truncated or mislabelled?`);
  }
  throw new Error(`${path}: unknown file format${ext ? ` '${ext}'` : ''}; trustscope reads ${supported()}`);
}

export interface ArrayFileOptions extends ReadOptions {
  /**
   * When the file holds several image datasets and none is named, refuse (an `AmbiguousDatasetError`
   * listing them) instead of reading the reader's default choice: commands that feed a model must not
   * guess which of a Velox file's detectors the user meant.
   */
  readonly refuseSeveralDatasets?: boolean;
}

/** A file with several image datasets read without naming one (see `refuseSeveralDatasets`). */
export class AmbiguousDatasetError extends Error {
  constructor(
    readonly path: string,
    readonly datasets: readonly DatasetEntry[],
  ) {
    super(`${path} holds ${datasets.length} image datasets: ${datasets.map(describeDataset).join(', ')}`);
    this.name = 'AmbiguousDatasetError';
  }
}

export function describeDataset(d: DatasetEntry): string {
  return `${d.name}${d.label ? ` (${d.label})` : ''} [${d.shape.join(', ')}] ${d.dtype}${d.readable ? '' : ` (not readable: ${d.note ?? 'unsupported'})`}`;
}

/** Readers whose files may hold several datasets, for messages. */
function multiDatasetFormats(): string {
  return readers.filter((r) => r.datasets).map((r) => `${r.name} (${r.extensions.join(', ')})`).join(', ');
}

/** The datasets of a file whose format holds several; undefined for one-array formats. */
export async function listDatasets(path: string): Promise<DatasetEntry[] | undefined> {
  const reader = await readerFor(path);
  return reader.datasets ? reader.datasets(await readBytes(path), path) : undefined;
}

export async function readArrayFile(path: string, options: ArrayFileOptions = {}): Promise<ImageArray> {
  const reader = await readerFor(path);
  const bytes = await readBytes(path);
  if (options.dataset !== undefined && !reader.datasets) {
    throw new Error(`${path}: a dataset ('${options.dataset}') was named, but a ${reader.name} file holds one array; only ${multiDatasetFormats()} files hold several`);
  }
  if (options.dataset === undefined && options.refuseSeveralDatasets && reader.datasets) {
    const images = (await reader.datasets(bytes, path)).filter((d) => d.image && d.readable);
    if (images.length > 1) throw new AmbiguousDatasetError(path, images);
  }
  return reader.read(bytes, path, options.dataset !== undefined ? { dataset: options.dataset } : undefined);
}
