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

export interface ImageArray {
  /** The values as float32, shaped as the file stores them (C order). */
  readonly values: Tensor;
  /** The element type in the file ('uint8', 'uint16', 'float32', …). */
  readonly dtype: string;
  readonly axes: readonly Axis[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The reader that produced it. */
  readonly format: string;
}

export interface Reader {
  /** Short name shown in errors and run.json ('npy', 'png', …). */
  readonly name: string;
  readonly description: string;
  /** Lower-case extensions with the dot ('.npy'). */
  readonly extensions: readonly string[];
  /** True when the first bytes of a file are this format's signature. */
  sniff(head: Uint8Array): boolean;
  read(bytes: Uint8Array, source: string): ImageArray | Promise<ImageArray>;
}
