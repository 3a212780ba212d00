/**
 * NumPy .npy as a Reader: axes are unnamed beyond position (NumPy records no calibration); values
 * and native data come in C order whatever order the file stored (see npy.ts).
 */
import { tensor } from '../../tensor/tensor.js';
import { parseNpy } from './npy.js';
import { FormatError, type Reader } from './reader.js';

const DTYPE_NAMES: Readonly<Record<string, string>> = {
  '<f2': 'float16',
  '<f4': 'float32',
  '<f8': 'float64',
  '<c8': 'complex64',
  '<c16': 'complex128',
  '<i8': 'int64',
  '<u8': 'uint64',
  '<i4': 'int32',
  '<u4': 'uint32',
  '<i2': 'int16',
  '<u2': 'uint16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '|b1': 'bool',
};

/** Axis names by rank, in NCHW order (trustscope's layout, and PyTorch's). */
function axisNames(rank: number): string[] {
  return ['n', 'c', 'y', 'x'].slice(Math.max(0, 4 - rank)).concat(Array.from({ length: Math.max(0, rank - 4) }, (_, i) => `d${i}`)).slice(0, rank);
}

export const npyReader: Reader = {
  name: 'npy',
  description: 'NumPy .npy (every numeric dtype and bool, either byte order, C or Fortran order)',
  extensions: ['.npy'],
  sniff: (head) => head.length >= 6 && head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY',
  read(bytes, source) {
    let a: ReturnType<typeof parseNpy>;
    try {
      a = parseNpy(bytes, source);
    } catch (e) {
      // parseNpy's messages already name the file; keep them, as the one error type readers throw.
      throw new FormatError(source, (e as Error).message.replace(`${source}: `, '').split('\n')[0]);
    }
    const names = axisNames(a.shape.length);
    return {
      values: tensor(a.shape, a.data),
      dtype: DTYPE_NAMES[a.dtype] ?? a.dtype,
      axes: a.shape.map((size, i) => ({ name: names[i], size })),
      native: a.raw,
      // Only what differs from the common case, so inspect stays quiet for ordinary files.
      metadata: { ...(a.byteOrder === 'big' ? { byteOrder: 'big' } : {}), ...(a.fortranOrder ? { fortranOrder: true } : {}) },
      format: 'npy',
    };
  },
};
