/**
 * `node:zlib` for the browser build: the one function the TIFF reader uses (Deflate strips), on
 * fflate (already in the tree as fast-png's decoder). Same contract: zlib-wrapped input, an output
 * limit that refuses a bomb instead of allocating it.
 */
import { unzlibSync } from 'fflate';

export function inflateSync(data: Uint8Array, options: { maxOutputLength?: number } = {}): Uint8Array {
  const out = unzlibSync(data);
  if (options.maxOutputLength !== undefined && out.length > options.maxOutputLength) {
    throw new RangeError(`Cannot create a Buffer larger than ${options.maxOutputLength} bytes`);
  }
  return out;
}
