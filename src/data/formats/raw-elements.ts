/**
 * Fixed-size binary elements → typed arrays, for the readers of raw-layout formats (MRC, SER): a
 * copy of the element bytes into a fresh, aligned buffer, byte-swapped when the file's order is not
 * the host's, viewed as the element type. Callers check the byte range first (`checkClaimedSize`),
 * so nothing here allocates more than the file holds.
 */
import type { NativeArray } from './reader.js';

export type ElementKind = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64' | 'float16';

export const ELEMENT_BYTES: Readonly<Record<ElementKind, number>> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
  float16: 2,
};

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `count` elements of `kind` from `bytes[offset…]`; float16 comes back as its raw Uint16 bits. */
export function readElements(bytes: Uint8Array, offset: number, count: number, kind: ElementKind, littleEndian: boolean): NativeArray {
  const size = ELEMENT_BYTES[kind];
  // A fresh buffer of exactly these bytes (Buffer#slice would share the pool's memory).
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(offset, offset + count * size));
  if (size > 1 && littleEndian !== LITTLE_ENDIAN_HOST) {
    for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  }
  const buffer = copy.buffer;
  switch (kind) {
    case 'uint8':
      return copy;
    case 'int8':
      return new Int8Array(buffer);
    case 'uint16':
    case 'float16':
      return new Uint16Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
  }
}

/** IEEE 754 binary16 bits → the number (exact in float32). */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let halfTable: Float32Array | undefined;

/** float16 bits → float32 values, through a 65,536-entry table (every half is exact in float32). */
export function halfsToFloat32(bits: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToNumber(h);
  }
  const table = halfTable;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** Values as float32 (a copy for every type but Float32Array, which is returned as is). */
export function toFloat32(native: NativeArray): Float32Array {
  if (native instanceof Float32Array) return native;
  if (native instanceof BigInt64Array || native instanceof BigUint64Array) return Float32Array.from(native, (v) => Number(v));
  return Float32Array.from(native);
}

/** |re + i·im| of interleaved complex pairs, as float32. */
export function complexMagnitude(interleaved: Float32Array | Float64Array): Float32Array {
  const out = new Float32Array(interleaved.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Math.hypot(interleaved[2 * i], interleaved[2 * i + 1]);
  return out;
}

/** Printable ASCII of a fixed-width text field: stops at the first NUL, drops other control bytes, trims the end. */
export function fixedText(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  const end = Math.min(bytes.length, offset + length);
  for (let i = offset; i < end; i++) {
    const c = bytes[i];
    if (c === 0) break;
    if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
  }
  return s.trimEnd();
}
