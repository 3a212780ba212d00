/**
 * `node:zlib` for the browser build: the one function the TIFF reader uses (Deflate strips), on
 * fflate (already in the tree as fast-png's decoder). Same contract: zlib-wrapped input, and an
 * output limit that refuses a bomb without allocating it — fflate writes into a buffer one byte
 * longer than the limit and stops there, so a filled last byte means "more than allowed".
 */
import { unzlibSync } from 'fflate';

export function inflateSync(data: Uint8Array, options: { maxOutputLength?: number } = {}): Uint8Array {
  const max = options.maxOutputLength;
  if (max === undefined) return unzlibSync(data);
  const out = unzlibSync(data, { out: new Uint8Array(max + 1) });
  if (out.length > max) throw new RangeError(`Cannot create a Buffer larger than ${max} bytes`);
  return out;
}
