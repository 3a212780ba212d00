/**
 * One strip or tile of a TIFF, from its stored bytes to samples in the machine's byte order:
 * decompression (LZW and PackBits by utif2 — the decoder chosen in bench/tiff-decoders.ts — and
 * Deflate by Node's zlib with an output limit), then the predictor (2: horizontal differencing on
 * 8/16/32-bit integers; 3: floating point) and the byte order.
 *
 * Bounds: the caller learns, before allocating the image, how many bytes each chunk can decode to
 * (`decodedCapacity`: exact for LZW and uncompressed, the format's maximum ratio for PackBits and
 * Deflate), so a header claiming more than the file can hold is refused first (and tiff.ts decodes
 * PackBits/Deflate chunks once, chunk by chunk, before allocating an image over 64× the file). utif2's LZW decoder
 * trusts its input (a code naming a stale table entry can make it loop); `scanLzw` walks the code
 * stream first with the same bit reader and table growth and refuses any code the table does not
 * hold yet, so utif2 only ever sees streams it decodes in bounded time.
 */
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { FormatError } from './reader.js';

interface UtifCodecs {
  decode: {
    _decodeLZW(data: Uint8Array, off: number, len: number, tgt: Uint8Array, toff: number, bits: number): number;
    _decodePackBits(data: Uint8Array, off: number, len: number, tgt: Uint8Array, toff: number): number;
  };
}

const UTIF = createRequire(import.meta.url)('utif2') as UtifCodecs;

export const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  1: 'none', 2: 'CCITT RLE', 3: 'CCITT G3', 4: 'CCITT G4', 5: 'LZW', 6: 'old JPEG', 7: 'JPEG', 8: 'Deflate (Adobe)', 32773: 'PackBits',
  32946: 'Deflate', 34712: 'JPEG 2000', 34887: 'LERC', 34925: 'LZMA', 50000: 'Zstandard', 50001: 'WebP', 50002: 'JPEG XL',
};

export const SUPPORTED_COMPRESSION = new Set([1, 5, 8, 32773, 32946]);

/** Most bytes one stored byte can become (PackBits: 2 bytes → 128; Deflate: 1032 by its format). */
const MAX_RATIO: Readonly<Record<number, number>> = { 32773: 64, 8: 1032, 32946: 1032 };

export interface ChunkSource {
  /** The whole file, as a view starting at byte 0 of its own buffer (utif2's PackBits needs that). */
  readonly file: Uint8Array;
  readonly source: string;
}

/**
 * Walks an LZW stream exactly as utif2's decoder will (MSB-first codes, 9→12 bits with early change,
 * 256 = clear, 257 = end) and returns the number of bytes it decodes to; throws on a code the
 * table does not hold yet (the stream is corrupt, and utif2 could loop on it).
 */
export function scanLzw(data: Uint8Array, off: number, len: number, where: () => string, source: string): number {
  const lengths = new Uint32Array(4096);
  lengths.fill(1, 0, 258);
  const n = data.length;
  const end = (off + len) * 8;
  let bit = off * 8;
  let width = 9;
  let next = 258;
  let prev = 0;
  let total = 0;
  let afterClear = false;
  for (;;) {
    if (!afterClear && bit >= end) break;
    // the same 24-bit window utif2 reads (bytes past the end of the file read as 0)
    const s = bit >>> 3;
    const word = ((s < n ? data[s] : 0) << 16) | ((s + 1 < n ? data[s + 1] : 0) << 8) | (s + 2 < n ? data[s + 2] : 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === 257) break;
    if (afterClear) {
      // utif2 emits the code after a clear as a string of the fresh table (256 included, as one byte)
      afterClear = false;
      if (code >= 258) throw new FormatError(source, `corrupt LZW data: code ${code} right after a clear code`, where());
      total += lengths[code];
    } else if (code === 256) {
      width = 9;
      next = 258;
      afterClear = true;
      continue;
    } else if (code <= next && code < 4096) {
      // code < next: a known string; code === next: the string being defined (KwKwK)
      if (next < 4096) lengths[next] = lengths[prev] + 1;
      next++;
      if (next + 1 === 1 << width && width !== 12) width++;
      total += lengths[code];
    } else {
      throw new FormatError(source, `corrupt LZW data: code ${code} is not in the table yet (${next} entries)`, where());
    }
    prev = code;
  }
  return total;
}

/** Upper bound of the bytes a chunk decodes to (exact for none and LZW), to refuse before allocating. */
export function decodedCapacity(src: ChunkSource, compression: number, off: number, len: number, where: () => string): number {
  if (compression === 1) return len;
  if (compression === 5) return scanLzw(src.file, off, len, where, src.source);
  return len * (MAX_RATIO[compression] ?? 1);
}

/**
 * The decoded bytes of one chunk, at least `need` of them (a strip may decode to up to `full`
 * bytes: writers that pad the last strip to RowsPerStrip rows).
 */
export function decompress(src: ChunkSource, compression: number, off: number, len: number, need: number, full: number, where: () => string): Uint8Array {
  const { file, source } = src;
  let out: Uint8Array;
  let got: number;
  if (compression === 1) {
    out = file.subarray(off, off + len);
    got = len;
  } else if (compression === 5) {
    out = new Uint8Array(full);
    got = UTIF.decode._decodeLZW(file, off, len, out, 0, 8);
  } else if (compression === 32773) {
    out = new Uint8Array(full);
    got = UTIF.decode._decodePackBits(file, off, len, out, 0);
  } else if (compression === 8 || compression === 32946) {
    try {
      out = inflateSync(file.subarray(off, off + len), { maxOutputLength: Math.max(full, 1) });
    } catch (e) {
      const why = String((e as Error)?.message ?? e).split('\n')[0];
      throw new FormatError(source, `corrupt Deflate data (${/larger than/i.test(why) ? `decodes to more than ${full} bytes` : why})`, where());
    }
    got = out.length;
  } else {
    throw new FormatError(source, `unsupported compression ${COMPRESSION_NAMES[compression] ?? compression}`, where());
  }
  if (got < need) throw new FormatError(source, `${COMPRESSION_NAMES[compression]} data decodes to ${got} bytes; ${need} are needed`, where());
  return out.subarray(0, Math.min(got, full));
}

/**
 * Undoes predictor 3 (TIFF Technical Note 3) on `rows` rows of `perRow` samples of `bytes` bytes,
 * `stride` samples per pixel: byte-wise horizontal differencing, then byte planes (most significant
 * first) back to samples, written little-endian.
 */
function unpredictFloat(data: Uint8Array, rows: number, perRow: number, bytes: number, stride: number): Uint8Array {
  const rowBytes = perRow * bytes;
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = stride; i < rowBytes; i++) row[i] = (row[i] + row[i - stride]) & 0xff;
    const o = r * rowBytes;
    for (let i = 0; i < perRow; i++) for (let b = 0; b < bytes; b++) out[o + i * bytes + b] = row[(bytes - 1 - b) * perRow + i];
  }
  return out;
}

type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
export type SampleCtor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => Samples;

/**
 * Samples of a decoded chunk of `rows` rows × `perRow` samples (`stride` samples per pixel), in
 * the machine's byte order, with the predictor undone. May modify `decoded` in place.
 */
export function toSamples(decoded: Uint8Array, ctor: SampleCtor, bytes: number, littleEndian: boolean, predictor: number, rows: number, perRow: number, stride: number, isFloat: boolean, fail: (why: string) => never): Samples {
  const n = rows * perRow;
  if (predictor === 1 && (littleEndian || bytes === 1) && decoded.byteOffset % bytes === 0) {
    return new ctor(decoded.buffer as ArrayBuffer, decoded.byteOffset, n); // nothing to change: a view, no copy
  }
  let buf: Uint8Array;
  if (predictor === 3) {
    if (!isFloat) fail('predictor 3 (floating point) on integer samples');
    buf = unpredictFloat(new Uint8Array(decoded.subarray(0, n * bytes)), rows, perRow, bytes, stride);
  } else {
    // An aligned copy, ours to modify (`decoded` may be the file itself). Not `decoded.slice()`: on a
    // Node Buffer (fs.readFile's) slice is a view, and an unaligned strip then read from byte 0.
    buf = new Uint8Array(decoded.subarray(0, n * bytes));
    if (!littleEndian && bytes > 1) for (let i = 0; i < buf.length; i += bytes) buf.subarray(i, i + bytes).reverse();
  }
  const samples = new ctor(buf.buffer as ArrayBuffer, 0, n);
  if (predictor === 2) {
    if (isFloat) fail('predictor 2 (horizontal differencing) on floating-point samples');
    for (let r = 0; r < rows; r++) {
      const row = samples.subarray(r * perRow, (r + 1) * perRow);
      for (let i = stride; i < perRow; i++) row[i] += row[i - stride]; // typed arrays wrap, as the predictor needs
    }
  } else if (predictor !== 1 && predictor !== 3) {
    fail(`unknown predictor ${predictor}`);
  }
  return samples;
}
