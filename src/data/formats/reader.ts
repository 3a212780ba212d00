/**
 * The `Reader` contract of data/formats: one file per format, chosen by content (magic bytes) first
 * and by extension second, every one returning the same `ImageArray`: float32 values for the models,
 * plus what the file said about them (its own dtype, axes with physical calibration, metadata) so a
 * report can say "2.1 nm/px, 16-bit" instead of guessing.
 */
import type { Tensor } from '../../tensor/tensor.js';

export interface Axis {
  /** 'y', 'x', 'c' (channel), 'n' (image/frame), 'z', 'e' (energy)… */
  readonly name: string;
  readonly size: number;
  /** Physical size of one step along the axis and its unit, when the file records them. */
  readonly scale?: number;
  readonly offset?: number;
  readonly unit?: string;
}

/** The element arrays a reader may return in the file's own type (complex as interleaved re, im pairs). */
export type NativeArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export interface ImageArray {
  /** The values as float32, shaped as the file stores them (C order); complex data: the magnitude. */
  readonly values: Tensor;
  /**
   * The element type in the file: 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'int64',
   * 'uint64', 'float32', 'float64', 'complex64', 'complex128', 'bool', 'rgb8', 'rgba8'.
   */
  readonly dtype: string;
  /** The values in the file's own type, C order (complex: interleaved; rgb(a): a trailing axis of 3 or 4). */
  readonly native?: NativeArray;
  readonly axes: readonly Axis[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The reader that produced it. */
  readonly format: string;
}

/** How to read a file; a reader ignores what does not apply to its format (the registry checks). */
export interface ReadOptions {
  /**
   * Which dataset of a file that holds several (EMD/HDF5): its name as `datasets()` lists it (each
   * reader may accept more spellings, e.g. EMD a group path or a Velox uuid). Default: the reader's
   * own choice (EMD: the first image).
   */
  readonly dataset?: string;
}

/** One dataset of a file holding several, as a reader lists it without reading the arrays. */
export interface DatasetEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** What the file calls it, when that is not the name (a Velox detector: 'HAADF'); also accepted as `dataset`. */
  readonly label?: string;
  /** An image or stack (rank ≥ 2), as opposed to a spectrum, a table or a coordinate list. */
  readonly image: boolean;
  /** Whether this reader can read it (else `note` says why not). */
  readonly readable: boolean;
  readonly note?: string;
}

export interface Reader {
  /** Short name shown in errors and run.json ('npy', 'png', …). */
  readonly name: string;
  readonly description: string;
  /** Lower-case extensions with the dot ('.npy'). */
  readonly extensions: readonly string[];
  /** True when the first bytes of a file are this format's signature. */
  sniff(head: Uint8Array): boolean;
  read(bytes: Uint8Array, source: string, options?: ReadOptions): ImageArray | Promise<ImageArray>;
  /** Formats whose files hold several datasets list them here (and take `options.dataset` in read). */
  datasets?(bytes: Uint8Array, source: string): DatasetEntry[] | Promise<DatasetEntry[]>;
}

/**
 * A file a reader cannot read: truncated, corrupt, or a variant it does not support. The message is
 * one line naming the file, what is wrong and where (a byte offset or a tag path); every reader
 * throws only this, so a hostile file can never surface as a stack trace.
 */
export class FormatError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string,
    readonly where?: string,
  ) {
    super(`${source}: ${problem}${where ? ` (at ${where})` : ''}`);
    this.name = 'FormatError';
  }
}

/**
 * Refuses an element count a header claims before anything is allocated: a corrupt or hostile
 * header saying 2^40 elements must be an error, not an out-of-memory crash.
 */
export function checkClaimedSize(source: string, elements: number, bytesPerElement: number, available: number, where: string): void {
  if (!Number.isSafeInteger(elements) || elements < 0) throw new FormatError(source, `impossible element count ${elements}`, where);
  const need = elements * bytesPerElement;
  if (need > available) throw new FormatError(source, `the header claims ${elements} elements (${need} bytes) but only ${available} bytes follow; the file is truncated or corrupt`, where);
}
