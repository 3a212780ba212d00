/** PNG as a Reader: one image [C, H, W] scaled to [0, 1] by its bit depth (see png.ts). */
import { hasPngSignature } from 'fast-png';
import { decodePngBytes } from './png.js';
import { FormatError, type Reader } from './reader.js';

export const pngReader: Reader = {
  name: 'png',
  description: 'PNG, 1–16-bit grey, grey+alpha, RGB(A) and palette; scaled to [0, 1]',
  extensions: ['.png'],
  sniff: (head) => hasPngSignature(head),
  read(bytes, source) {
    checkPngClaim(bytes, source);
    let values: ReturnType<typeof decodePngBytes>;
    try {
      values = decodePngBytes(bytes, source);
    } catch (e) {
      throw new FormatError(source, (e as Error).message.replace(`${source}: `, '').split('\n')[0]);
    }
    const [c, h, w] = values.shape;
    return { values, dtype: 'png', axes: [{ name: 'c', size: c }, { name: 'y', size: h }, { name: 'x', size: w }], metadata: {}, format: 'png' };
  },
};

/** Samples per pixel by PNG colour type (grey, -, RGB, palette, grey+alpha, -, RGBA). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Deflate cannot expand data by more than about 1032:1. */
const MAX_INFLATE = 1032;

/**
 * Refuses an IHDR whose pixel count the file's bytes cannot hold before the decoder allocates it:
 * a 40-byte mutant claiming 65 535 × 65 535 pixels took 5 s (and gigabytes) in the decoder.
 */
function checkPngClaim(bytes: Uint8Array, source: string): void {
  if (bytes.length < 33) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const channels = CHANNELS[bytes[25]] ?? 4;
  const raw = height * (1 + Math.ceil((width * channels * depth) / 8));
  if (raw > MAX_INFLATE * bytes.length + 65536) {
    throw new FormatError(source, `the header claims ${width}×${height} pixels (${raw} bytes) but the file holds only ${bytes.length}; it is truncated or corrupt`, 'IHDR, byte 16');
  }
}
