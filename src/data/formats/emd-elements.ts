/**
 * The EMD reader's shared pieces: HDF5 element types and their decoding (integers, floats, bool
 * enums, {real, imag} compounds) into native arrays, and the survey `Entry` both flavours produce.
 * Separate from emd.ts so the Berkeley and Velox surveys (emd-berkeley.ts, emd-velox.ts) can use
 * them without importing the reader.
 */
import { H5Problem, H5T, decodeNumbers, type H5DatasetInfo, type H5File } from './h5.js';
import type { Axis, NativeArray } from './reader.js';

export interface EmdDataset {
  /** HDF5 path of the array ('/Data/Image/<uuid>/Data', '/data/image/data'). */
  readonly path: string;
  readonly flavour: 'berkeley' | 'velox';
  /** Shape as returned (Velox: [N, y, x]); the dtype in the file ('uint16', 'complex64'…). */
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly axes: readonly Axis[];
  /** Rank ≥ 2: what the registry's default picks first. */
  readonly image: boolean;
  /** False for datasets this reader lists but cannot read (note says why). */
  readonly supported: boolean;
  readonly note?: string;
  readonly detector?: string;
}

export interface ElementType {
  readonly dtype: string;
  /** Values per element in `native` (2 for complex: interleaved re, im). */
  readonly parts: number;
}

export function elementType(info: H5DatasetInfo): ElementType | undefined {
  const { type, size, signed } = info;
  if (type === H5T.INTEGER && [1, 2, 4, 8].includes(size)) return { dtype: `${signed ? 'int' : 'uint'}${size * 8}`, parts: 1 };
  if (type === H5T.FLOAT && (size === 4 || size === 8)) return { dtype: `float${size * 8}`, parts: 1 };
  if (type === H5T.ENUM && size === 1 && info.enumMembers && Object.keys(info.enumMembers).sort().join() === 'FALSE,TRUE') return { dtype: 'bool', parts: 1 };
  if (type === H5T.COMPOUND && info.members?.length === 2) {
    const [re, im] = info.members;
    if (re.type === H5T.FLOAT && im.type === H5T.FLOAT && re.size === im.size && (re.size === 4 || re.size === 8) && size >= 2 * re.size) {
      return { dtype: `complex${re.size * 16}`, parts: 2 };
    }
  }
  return undefined;
}

export function typeDescription(info: H5DatasetInfo): string {
  const names: Record<number, string> = { 0: 'integer', 1: 'float', 2: 'time', 3: 'string', 4: 'bitfield', 5: 'opaque', 6: 'compound', 7: 'reference', 8: 'enum', 9: 'variable-length', 10: 'array' };
  return `${names[info.type] ?? `class ${info.type}`} of ${info.size} bytes`;
}

/** A {real, imag} compound's parts: the member named real… first (Velox: realFloat, realFloatHalfEven…), else in order. */
function complexParts(info: H5DatasetInfo): [{ offset: number; size: number }, { offset: number; size: number }] {
  const [a, b] = info.members!;
  return /^imag/i.test(a.name) && /^real/i.test(b.name) ? [b, a] : [a, b];
}

/** The dataset's elements in their own type (complex: interleaved float pairs), little-endian. */
export function decodeNative(file: H5File, info: H5DatasetInfo, et: ElementType): NativeArray {
  const raw = file.read(info);
  if (et.parts === 1) {
    const elementClass = info.type === H5T.ENUM ? H5T.INTEGER : info.type;
    const out = decodeNumbers(raw, elementClass, info.size, et.dtype !== 'bool' && info.signed);
    if (!out) throw new H5Problem(`unsupported element type ${typeDescription(info)}`, info.path);
    return out as NativeArray;
  }
  const [re, im] = complexParts(info);
  const n = info.elements;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = re.size === 4 ? new Float32Array(2 * n) : new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const at = i * info.size;
    out[2 * i] = re.size === 4 ? view.getFloat32(at + re.offset, true) : view.getFloat64(at + re.offset, true);
    out[2 * i + 1] = im.size === 4 ? view.getFloat32(at + im.offset, true) : view.getFloat64(at + im.offset, true);
  }
  return out;
}

export function toFloat32(native: NativeArray, parts: number): Float32Array {
  if (parts === 2) {
    const n = native.length / 2;
    const out = new Float32Array(n);
    const c = native as Float32Array | Float64Array;
    for (let i = 0; i < n; i++) out[i] = Math.hypot(c[2 * i], c[2 * i + 1]);
    return out;
  }
  if (native instanceof Float32Array) return native;
  const out = new Float32Array(native.length);
  if (native instanceof BigInt64Array || native instanceof BigUint64Array) for (let i = 0; i < native.length; i++) out[i] = Number(native[i]);
  else out.set(native);
  return out;
}

/** [y, x, frames] (each element `parts` values) → [frames, y, x]. */
export function framesFirst(native: NativeArray, h: number, w: number, frames: number, parts: number): NativeArray {
  if (frames === 1) return native;
  const out = new (native.constructor as new (n: number) => NativeArray)(native.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    for (let f = 0; f < frames; f++) {
      const from = (p * frames + f) * parts;
      const to = (f * plane + p) * parts;
      for (let k = 0; k < parts; k++) (out as unknown as unknown[])[to + k] = (native as unknown as unknown[])[from + k];
    }
  }
  return out;
}

export interface Entry extends EmdDataset {
  readonly info?: H5DatasetInfo;
  readonly et?: ElementType;
  /** Velox: frame 0's metadata blob; Berkeley: the dim vectors' paths. */
  readonly velox?: Record<string, unknown>;
  readonly warnings: readonly string[];
  readonly dims?: readonly { path: string; name?: string; units?: string }[];
}

export function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

export function asNumber(v: unknown): number | undefined {
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
