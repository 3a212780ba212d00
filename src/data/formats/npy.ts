/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), as documented in numpy.lib.format:
 *
 *   "\x93NUMPY" | major | minor | header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0)
 *   | header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 *     padded with spaces and a final '\n' so that the data starts 64-byte aligned
 *   | the array's bytes
 *
 * Reading accepts every numeric dtype — bool, int8…int64, uint8…uint64, float16/32/64, complex64/128 —
 * in either byte order and in C or Fortran order, and gives the values in C order (row-major, what
 * every caller indexes) as float32, trustscope's one data type (integers beyond 2^24 lose precision,
 * as they would in any float32 pipeline; complex gives its magnitude), plus the exact values in the
 * file's own type (`raw`: host byte order, C order; complex interleaved; float16 as its bits).
 * Writing always produces '<f4', version 1.0 (2.0 only for headers too long for 1.0), atomically.
 * Every error is one line that names the file.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';
import { readBytes, writeFileAtomic } from '../../io/atomic-write.js';
import { complexMagnitude, halfsToFloat32 } from './raw-elements.js';

export type NpyRaw = Float32Array | Float64Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

export interface NpyArray {
  readonly shape: number[];
  /**
   * The dtype, normalised to little-endian ('<f4', '<c8', '<u8', '|u1', '|b1', …): the byte order
   * the data now has (see `byteOrder` for the file's).
   */
  readonly dtype: string;
  /** The values converted to float32, C order (the same array as `raw` for a C-order '<f4' file). */
  readonly data: Float32Array;
  /** The values in the file's own element type, C order (bool as 0/1 bytes, complex as interleaved re, im, float16 as its bits). */
  readonly raw: NpyRaw;
  /** The file's byte order ('little' for one-byte types) and whether it stored Fortran (column-major) order. */
  readonly byteOrder: 'little' | 'big';
  readonly fortranOrder: boolean;
}

interface DtypeInfo {
  readonly size: number;
  /** Bytes per swapped unit: the element, or each half of a complex pair. */
  readonly unit: number;
  readonly view: (buffer: ArrayBuffer) => NpyRaw;
  readonly toFloat32: (raw: NpyRaw) => Float32Array;
}

const plain = (raw: NpyRaw): Float32Array => (raw instanceof Float32Array ? raw : raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Float32Array.from(raw, (v) => Number(v)) : Float32Array.from(raw));

const DTYPES: Readonly<Record<string, DtypeInfo>> = {
  f2: { size: 2, unit: 2, view: (b) => new Uint16Array(b), toFloat32: (r) => halfsToFloat32(r as Uint16Array) },
  f4: { size: 4, unit: 4, view: (b) => new Float32Array(b), toFloat32: plain },
  f8: { size: 8, unit: 8, view: (b) => new Float64Array(b), toFloat32: plain },
  c8: { size: 8, unit: 4, view: (b) => new Float32Array(b), toFloat32: (r) => complexMagnitude(r as Float32Array) },
  c16: { size: 16, unit: 8, view: (b) => new Float64Array(b), toFloat32: (r) => complexMagnitude(r as Float64Array) },
  i8: { size: 8, unit: 8, view: (b) => new BigInt64Array(b), toFloat32: plain },
  u8: { size: 8, unit: 8, view: (b) => new BigUint64Array(b), toFloat32: plain },
  i4: { size: 4, unit: 4, view: (b) => new Int32Array(b), toFloat32: plain },
  u4: { size: 4, unit: 4, view: (b) => new Uint32Array(b), toFloat32: plain },
  i2: { size: 2, unit: 2, view: (b) => new Int16Array(b), toFloat32: plain },
  u2: { size: 2, unit: 2, view: (b) => new Uint16Array(b), toFloat32: plain },
  i1: { size: 1, unit: 1, view: (b) => new Int8Array(b), toFloat32: plain },
  u1: { size: 1, unit: 1, view: (b) => new Uint8Array(b), toFloat32: plain },
  b1: { size: 1, unit: 1, view: (b) => new Uint8Array(b), toFloat32: (r) => Float32Array.from(r as Uint8Array, (v) => (v !== 0 ? 1 : 0)) },
};
const SUPPORTED = 'b1, i1, u1, i2, u2, i4, u4, i8, u8, f2, f4, f8, c8, c16, either byte order';

/**
 * Fortran (column-major) bytes → C (row-major) order, element by element (`size` bytes each): the
 * C-order walk keeps the Fortran offset up to date like an odometer, so there is no per-element
 * index arithmetic.
 */
function fortranToC(bytes: Uint8Array<ArrayBuffer>, shape: readonly number[], size: number): Uint8Array<ArrayBuffer> {
  const rank = shape.length;
  const count = sizeOf(shape);
  if (rank < 2 || count === 0) return bytes;
  const fStride: number[] = [];
  for (let k = 0, s = size; k < rank; k++) (fStride[k] = s), (s *= shape[k]);
  const out = new Uint8Array(bytes.length);
  const at = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < count; i++) {
    out.set(bytes.subarray(src, src + size), i * size);
    for (let k = rank - 1; k >= 0; k--) {
      if (++at[k] < shape[k]) {
        src += fStride[k];
        break;
      }
      at[k] = 0;
      src -= fStride[k] * (shape[k] - 1);
    }
  }
  return out;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `size`-byte element in place (only needed on big-endian hosts). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

// --- the header: a Python literal of dicts, tuples/lists, strings, ints, True/False/None ---------

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

function parsePythonLiteral(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i} of ${JSON.stringify(text.trim())}`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): PyValue => {
    space();
    const ch = text[i];
    if (ch === '{' || ch === '(' || ch === '[') {
      const close = ch === '{' ? '}' : ch === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      const dict: Record<string, PyValue> = {};
      for (;;) {
        space();
        if (text[i] === close) break;
        const item = value();
        if (ch === '{') {
          space();
          if (text[i] !== ':') fail("expected ':'");
          i++;
          if (typeof item !== 'string') fail('expected a string key');
          dict[item as string] = value();
        } else items.push(item);
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
      i++;
      return ch === '{' ? dict : items;
    }
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const word = /^[A-Za-z_]\w*|^[-+]?\d+L?/.exec(text.slice(i));
    if (!word) return fail('unexpected character');
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    if (/^[-+]?\d/.test(word[0])) return Number.parseInt(word[0], 10);
    return fail(`unexpected name '${word[0]}'`);
  };
  const v = value();
  space();
  if (i !== text.length) fail('unexpected text after the header');
  return v;
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Parses .npy bytes; `source` names the file in error messages. */
export function parseNpy(bytes: Uint8Array, source = 'npy data'): NpyArray {
  if (bytes.length < 8 || MAGIC.some((b, k) => bytes[k] !== b)) throw new Error(`${source} is not a .npy file`);
  const [major, minor] = [bytes[6], bytes[7]];
  if (major < 1 || major > 3 || minor !== 0) {
    throw new Error(`${source}: .npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new Error(`${source} is truncated: the header length is missing`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (bytes.length < dataOffset) {
    throw new Error(`${source} is truncated: the header should have ${headerLength} bytes but only ${bytes.length - 8 - lengthBytes} follow`);
  }
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataOffset));

  let header: PyValue;
  try {
    header = parsePythonLiteral(headerText);
  } catch (e) {
    throw new Error(`${source}: malformed .npy header (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error(`${source}: malformed .npy header (not a dict: ${JSON.stringify(headerText.trim())})`);
  }
  const { descr, fortran_order: fortran, shape: shapeValue } = header;
  if (descr === undefined || fortran === undefined || shapeValue === undefined) {
    throw new Error(`${source}: malformed .npy header (needs 'descr', 'fortran_order' and 'shape': ${JSON.stringify(headerText.trim())})`);
  }
  if (typeof descr !== 'string') {
    throw new Error(`${source}: structured arrays (dtype ${JSON.stringify(descr)}) are not supported; save a plain numeric array`);
  }
  if (typeof fortran !== 'boolean') throw new Error(`${source}: malformed .npy header ('fortran_order' is ${JSON.stringify(fortran)})`);
  if (!Array.isArray(shapeValue) || shapeValue.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    throw new Error(`${source}: malformed .npy header ('shape' is ${JSON.stringify(shapeValue)})`);
  }
  const shape = shapeValue as number[];

  const order = descr[0];
  const code = descr.slice(1);
  const type = DTYPES[code];
  if (!type || !['<', '>', '|', '='].includes(order)) {
    throw new Error(`${source}: dtype '${descr}' is not supported (supported: ${SUPPORTED})`);
  }
  if (order === '=' && type.size > 1 && !LITTLE_ENDIAN_HOST) {
    throw new Error(`${source}: native-order dtype '${descr}' is ambiguous; save it with an explicit byte order`);
  }
  const bigEndian = order === '>' && type.unit > 1;
  const dtype = `${type.size === 1 ? '|' : '<'}${code}`;

  const count = sizeOf(shape);
  const need = count * type.size;
  const have = bytes.length - dataOffset;
  if (!Number.isSafeInteger(need) || have < need) {
    throw new Error(`${source} is truncated: shape ${shapeText(shape)} of ${dtype} needs ${need} bytes of data but only ${have} follow the header`);
  }
  // Copy: the data may sit at an offset that is not a multiple of the element size. (Not
  // bytes.slice: on a Node Buffer that is a view sharing the file's whole ArrayBuffer.)
  let copy = new Uint8Array(need);
  copy.set(bytes.subarray(dataOffset, dataOffset + need));
  if (bigEndian === LITTLE_ENDIAN_HOST) swapBytes(copy, type.unit);
  if (fortran) copy = fortranToC(copy, shape, type.size);
  const raw = type.view(copy.buffer);
  return { shape, dtype, data: type.toFloat32(raw), raw, byteOrder: bigEndian ? 'big' : 'little', fortranOrder: fortran };
}

/** Reads a .npy file as a float32 tensor. */
export async function readNpy(path: string): Promise<Tensor> {
  const a = parseNpy(await readBytes(path), path);
  return tensor(a.shape, a.data);
}

/** The .npy bytes ('<f4', C order, format 1.0 unless the header needs 2.0) of a tensor. */
export function encodeNpy(t: Tensor): Uint8Array {
  if (sizeOf(t.shape) !== t.data.length) {
    throw new Error(`encodeNpy: shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)} values but the tensor has ${t.data.length}`);
  }
  return encodeNpyArray(t.data, t.shape, '<f4');
}

/** NumPy descr of each typed array (little-endian), for writing data in its own type. */
const DESCR: Readonly<Record<string, string>> = {
  Float32Array: '<f4',
  Float64Array: '<f8',
  Int8Array: '|i1',
  Uint8Array: '|u1',
  Int16Array: '<i2',
  Uint16Array: '<u2',
  Int32Array: '<i4',
  Uint32Array: '<u4',
  BigInt64Array: '<i8',
  BigUint64Array: '<u8',
};

/**
 * The .npy bytes (C order, format 1.0 unless the header needs 2.0) of any typed array in its own
 * type; `descr` overrides the type's own (e.g. '<c8' for interleaved complex64 in a Float32Array).
 */
export function encodeNpyArray(data: ArrayBufferView & { length: number }, shape: readonly number[], descr = DESCR[data.constructor.name]): Uint8Array {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`encodeNpy: invalid shape [${shape.join(', ')}]`);
  if (!descr) throw new Error(`encodeNpy: no NumPy type for ${data.constructor.name}`);
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  // Pad with spaces and end with '\n' so that magic + version + length + header is a multiple of 64.
  const major = dict.length + 1 + 10 <= 0xffff ? 1 : 2;
  const preamble = major === 1 ? 10 : 12;
  const headerLength = Math.ceil((preamble + dict.length + 1) / 64) * 64 - preamble;
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const out = new Uint8Array(preamble + headerLength + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  for (let k = 0; k < header.length; k++) out[preamble + k] = header.charCodeAt(k);
  const body = out.subarray(preamble + headerLength);
  body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const width = data.byteLength / Math.max(1, data.length);
  if (!LITTLE_ENDIAN_HOST && width > 1) swapBytes(body, width);
  return out;
}

/** Writes a tensor as a '<f4' .npy file, atomically (temp file + rename), creating parent directories. */
export async function writeNpy(path: string, t: Tensor): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = encodeNpy(t);
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message.replace(/^encodeNpy: /, '')}`);
  }
  await writeFileAtomic(path, bytes);
}
