/**
 * The structure of a TIFF file, walked without trusting it: the header (classic or BigTIFF, either
 * byte order), the chain of image file directories (IFDs) and each tag's values, every offset and
 * count checked against the file's length before it is read. Pixel data is not touched here
 * (tiff.ts decodes it); this gives tiff.ts and tiff-metadata.ts typed, bounded tag access.
 *
 * Errors are `FormatError`s naming the IFD and tag (or byte offset) that is wrong.
 */
import { FormatError } from './reader.js';

/** Bytes per value of each TIFF field type (TIFF 6.0 + BigTIFF). */
const TYPE_SIZE: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  FillOrder: 266,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  Orientation: 274,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  DateTime: 306,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
} as const;

export interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  /** Absolute byte offset of the first value (inline values point into the entry itself). */
  readonly at: number;
}

export interface Ifd {
  readonly index: number;
  readonly offset: number;
  readonly entries: ReadonlyMap<number, Entry>;
}

export interface TiffFile {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly ifds: readonly Ifd[];
  readonly source: string;
}

/** True for 'II*\0', 'MM\0*' (classic) and 'II+\0', 'MM\0+' (BigTIFF). */
export function hasTiffSignature(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  if (head[0] === 0x49 && head[1] === 0x49) return (head[2] === 42 || head[2] === 43) && head[3] === 0;
  if (head[0] === 0x4d && head[1] === 0x4d) return head[2] === 0 && (head[3] === 42 || head[3] === 43);
  return false;
}

function offsetAt(file: { view: DataView; littleEndian: boolean; bigTiff: boolean }, at: number): number {
  if (!file.bigTiff) return file.view.getUint32(at, file.littleEndian);
  const v = file.view.getBigUint64(at, file.littleEndian);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Parses the header and every IFD of the main chain (no SubIFDs). */
export function parseTiff(bytes: Uint8Array, source: string): TiffFile {
  if (!hasTiffSignature(bytes)) {
    throw new FormatError(source, bytes.length < 8 ? `too short for a TIFF file (${bytes.length} bytes)` : 'is not a TIFF file (no II*/MM* signature)', 'byte 0');
  }
  const littleEndian = bytes[0] === 0x49;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bigTiff = view.getUint16(2, littleEndian) === 43;
  const headerSize = bigTiff ? 16 : 8;
  if (bytes.length < headerSize) throw new FormatError(source, `truncated header (${bytes.length} of ${headerSize} bytes)`, 'byte 0');
  if (bigTiff && (view.getUint16(4, littleEndian) !== 8 || view.getUint16(6, littleEndian) !== 0)) {
    throw new FormatError(source, 'BigTIFF header with an offset size other than 8', 'byte 4');
  }
  const file = { bytes, view, littleEndian, bigTiff, source };
  const ifds: Ifd[] = [];
  // Bytes already used by a directory: a chain that loops or whose directories overlap ends there
  // (tifffile stops too), and the number of directories stays below the file size.
  const used = new Uint8Array(Math.ceil(bytes.length / 8));
  const overlaps = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (used[i >> 3] & (1 << (i & 7))) return true;
    return false;
  };
  let next = offsetAt(file, bigTiff ? 8 : 4);
  let from = bigTiff ? 'byte 8 (first IFD offset)' : 'byte 4 (first IFD offset)';
  if (next === 0) throw new FormatError(source, 'the header points to no image directory', from);
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const inline = bigTiff ? 8 : 4;
  while (next !== 0) {
    if (next + countSize > bytes.length) {
      if (ifds.length > 0) break; // a dangling last pointer, as in many writers' files: tifffile reads the pages before it
      throw new FormatError(source, `image directory offset ${next} is past the end of the file (${bytes.length} bytes)`, from);
    }
    const n = bigTiff ? offsetAt(file, next) : view.getUint16(next, littleEndian);
    const end = next + countSize + n * entrySize + inline;
    if (end > bytes.length) {
      if (ifds.length > 0) break;
      throw new FormatError(source, `image directory with ${n} entries runs past the end of the file`, `IFD 0 at byte ${next}`);
    }
    if (overlaps(next, end)) break;
    for (let i = next; i < end; i++) used[i >> 3] |= 1 << (i & 7);
    const entries = new Map<number, Entry>();
    for (let i = 0; i < n; i++) {
      const e = next + countSize + i * entrySize;
      const tag = view.getUint16(e, littleEndian);
      const type = view.getUint16(e + 2, littleEndian);
      const count = bigTiff ? offsetAt(file, e + 4) : view.getUint32(e + 4, littleEndian);
      const size = TYPE_SIZE[type];
      if (size === undefined) continue; // unknown field type: skipped, as tifffile does
      const valueAt = e + (bigTiff ? 12 : 8);
      const at = count * size <= inline ? valueAt : offsetAt(file, valueAt);
      entries.set(tag, { tag, type, count, at });
    }
    ifds.push({ index: ifds.length, offset: next, entries });
    from = `IFD ${ifds.length - 1} next-IFD offset`;
    next = offsetAt(file, end - inline);
  }
  return { ...file, ifds };
}

function where(ifd: Ifd, tag: number): string {
  const name = Object.entries(TAG).find(([, v]) => v === tag)?.[0];
  return `IFD ${ifd.index} tag ${tag}${name ? ` (${name})` : ''}`;
}

/** The entry's values must lie inside the file; throws naming the tag otherwise. */
function checkedEntry(file: TiffFile, ifd: Ifd, tag: number): Entry | undefined {
  const e = ifd.entries.get(tag);
  if (!e) return undefined;
  const size = TYPE_SIZE[e.type];
  if (!Number.isSafeInteger(e.count * size) || e.at + e.count * size > file.bytes.length) {
    throw new FormatError(file.source, `tag values (${e.count} × ${size} bytes at byte ${e.at}) run past the end of the file (${file.bytes.length} bytes)`, where(ifd, tag));
  }
  return e;
}

function valueAt(file: TiffFile, e: Entry, i: number): number {
  const { view, littleEndian: le } = file;
  const p = e.at + i * TYPE_SIZE[e.type];
  switch (e.type) {
    case 1: case 2: case 7: return view.getUint8(p);
    case 6: return view.getInt8(p);
    case 3: return view.getUint16(p, le);
    case 8: return view.getInt16(p, le);
    case 4: case 13: return view.getUint32(p, le);
    case 9: return view.getInt32(p, le);
    case 5: return view.getUint32(p, le) / view.getUint32(p + 4, le);
    case 10: return view.getInt32(p, le) / view.getInt32(p + 4, le);
    case 11: return view.getFloat32(p, le);
    case 12: return view.getFloat64(p, le);
    case 16: case 18: return Number(view.getBigUint64(p, le));
    case 17: return Number(view.getBigInt64(p, le));
    default: return NaN;
  }
}

/** All values of a numeric tag (rationals as quotients), or undefined when the tag is absent. */
export function numbers(file: TiffFile, ifd: Ifd, tag: number): number[] | undefined {
  const e = checkedEntry(file, ifd, tag);
  if (!e) return undefined;
  const out = new Array<number>(e.count);
  for (let i = 0; i < e.count; i++) out[i] = valueAt(file, e, i);
  return out;
}

/** The first value of a numeric tag, or `fallback` when absent or empty. */
export function number(file: TiffFile, ifd: Ifd, tag: number, fallback: number): number {
  const e = checkedEntry(file, ifd, tag);
  return e && e.count > 0 ? valueAt(file, e, 0) : fallback;
}

/** A rational tag as [numerator, denominator] (for exact calibrations), or undefined. */
export function rational(file: TiffFile, ifd: Ifd, tag: number): [number, number] | undefined {
  const e = checkedEntry(file, ifd, tag);
  if (!e || e.count < 1) return undefined;
  if (e.type !== 5 && e.type !== 10) return [valueAt(file, e, 0), 1];
  const signed = e.type === 10;
  const num = signed ? file.view.getInt32(e.at, file.littleEndian) : file.view.getUint32(e.at, file.littleEndian);
  const den = signed ? file.view.getInt32(e.at + 4, file.littleEndian) : file.view.getUint32(e.at + 4, file.littleEndian);
  return [num, den];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * A text tag (ASCII, or BYTE/UNDEFINED holding text as vendors write it), cut at the first NUL,
 * decoded as UTF-8 when valid and as Latin-1 otherwise (DM writes 'µm' in Latin-1).
 * `max` bounds what is decoded (vendor blocks can be large).
 */
export function text(file: TiffFile, ifd: Ifd, tag: number, max = 1 << 20): string | undefined {
  const e = checkedEntry(file, ifd, tag);
  if (!e || (e.type !== 2 && e.type !== 1 && e.type !== 7)) return undefined;
  let raw = file.bytes.subarray(e.at, e.at + Math.min(e.count, max));
  const nul = raw.indexOf(0);
  if (nul >= 0) raw = raw.subarray(0, nul);
  try {
    return utf8.decode(raw);
  } catch {
    return latin1.decode(raw);
  }
}

export function tagWhere(ifd: Ifd, tag: number): string {
  return where(ifd, tag);
}
