/**
 * Files the workbench was given (dropped or chosen), read from their bytes: no path, no `node:fs`.
 * The reader is chosen as the CLI chooses it (data/formats/registry.ts): by the first bytes, then by
 * the extension, and a mismatch is reported, not guessed around. The list of readers is the
 * registry's own, so a format added there works here too.
 */
import { readers } from '../data/formats/registry.js';
import type { ImageArray, Reader } from '../data/formats/reader.js';
import { spatialCalibration } from '../data/spatial-calibration.js';

/** A file as the browser hands it over: its name (for messages and labels) and its bytes. */
export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** The formats a user can drop, for the file picker's accept list and for messages. */
export function readableExtensions(): string[] {
  return [...new Set(readers.flatMap((r) => r.extensions))];
}

/** The reader for these bytes; a one-line error naming the file when none fits. */
export function readerForBytes(file: NamedBytes): Reader {
  const ext = extensionOf(file.name);
  const bySignature = readers.find((r) => r.sniff(file.bytes.subarray(0, 512)));
  if (bySignature) return bySignature;
  const byExtension = readers.find((r) => r.extensions.includes(ext));
  if (file.bytes.length === 0) throw new Error(`${file.name} is empty`);
  if (byExtension) throw new Error(`${file.name} has the extension ${ext} but does not start like a ${byExtension.name} file; is it truncated or mislabelled?`);
  throw new Error(`${file.name}: unknown file format${ext ? ` '${ext}'` : ''}; the workbench reads ${readableExtensions().join(', ')}`);
}

/**
 * The file's array. A file holding several image datasets (EMD) is refused with their names: the
 * workbench, like the CLI, never guesses which detector the user meant.
 */
export async function readDroppedArray(file: NamedBytes, dataset?: string): Promise<ImageArray> {
  const reader = readerForBytes(file);
  if (dataset === undefined && reader.datasets) {
    const images = (await reader.datasets(file.bytes, file.name)).filter((d) => d.image && d.readable);
    if (images.length > 1) throw new Error(`${file.name} holds ${images.length} image datasets (${images.map((d) => d.label ?? d.name).join(', ')}); the workbench reads files with one image dataset — export the one you mean`);
  }
  try {
    return await reader.read(file.bytes, file.name, dataset !== undefined ? { dataset } : undefined);
  } catch (e) {
    throw new Error((e as Error).message.split('\n')[0]);
  }
}

/** What the page lists for a dropped file before anything runs: its array's shape, type and pixel size. */
export interface FileSummary {
  readonly format: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Σ of the float32 values (float64 accumulation): lets a test compare readers across engines. */
  readonly sum: number;
  /** e.g. "(2, 32, 32) float32 · tiff · 0.5 nm/px". */
  readonly text: string;
}

export async function summariseDroppedFile(file: NamedBytes): Promise<FileSummary> {
  const array = await readDroppedArray(file);
  let sum = 0;
  for (const v of array.values.data) sum += v;
  const calibration = spatialCalibration(array);
  const pixel = calibration ? ` · ${Number(calibration.pixelWidth.toPrecision(4))} ${calibration.unit}/px` : '';
  const shape = array.values.shape;
  return { format: array.format, dtype: array.dtype, shape: [...shape], sum, text: `(${shape.join(', ')}) ${array.dtype} · ${array.format}${pixel}` };
}
