/**
 * PNG → Tensor: float32 [C, H, W] scaled to [0, 1] by the file's bit depth (so 8- and 16-bit
 * exports of the same micrograph give the same numbers).
 * - grey and grey+alpha → C = 1; RGB and RGBA → C = 3. Alpha is dropped: models see intensities,
 *   and a transparency mask is not part of the measurement.
 * - palette images → C = 3, or C = 1 when every palette entry is grey (common for 8-bit EM exports,
 *   and a 1-channel model should accept them).
 */
import { convertIndexedToRgb, decode, hasPngSignature, type DecodedPng } from 'fast-png';
import type { Tensor } from '../../tensor/tensor.js';

export async function readPng(path: string): Promise<Tensor> {
  // Loaded lazily so the decoder half of this module also works in the browser workbench.
  const { readBytes } = await import('../../io/atomic-write.js');
  return decodePngBytes(await readBytes(path), path);
}

/** `source` names the bytes in error messages (a path, a file name from a drop, …). */
export function decodePngBytes(bytes: Uint8Array, source: string): Tensor {
  if (!hasPngSignature(bytes)) throw new Error(`${source} is not a PNG file`);
  try {
    const png = decode(bytes);
    return png.palette ? fromPalette(png) : fromDirect(png);
  } catch (err) {
    // fast-png and the palette conversion throw for corrupt data; keep it to one line with the name.
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot decode ${source}: ${message.split('\n')[0]}`);
  }
}

function fromDirect(png: DecodedPng): Tensor {
  const { width, height, channels, depth } = png;
  const colour = channels >= 3 ? 3 : 1;
  if (channels < 1 || channels > 4) throw new Error(`unsupported channel count ${channels}`);
  const samples = depth < 8 ? unpackBits(png.data, width, height, depth) : png.data;
  const n = width * height;
  if (samples.length < n * channels) {
    throw new Error(`pixel data is truncated (${samples.length} of ${n * channels} samples)`);
  }
  const scale = 1 / (2 ** depth - 1);
  const out = new Float32Array(colour * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < colour; c++) out[c * n + i] = samples[i * channels + c] * scale;
  }
  return { shape: [colour, height, width], data: out };
}

/** Sub-byte grey samples are packed MSB-first with every row padded to a whole byte. */
function unpackBits(packed: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)];
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

function fromPalette(png: DecodedPng): Tensor {
  const { width, height } = png;
  const palette = png.palette ?? [];
  // Entries carry a 4th (alpha) value when the file has a tRNS chunk; the stride follows the palette.
  const stride = palette[0]?.length ?? 3;
  const rgb = convertIndexedToRgb(png);
  const grey = palette.every((e) => e[0] === e[1] && e[1] === e[2]);
  const colour = grey ? 1 : 3;
  const n = width * height;
  const out = new Float32Array(colour * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < colour; c++) out[c * n + i] = rgb[i * stride + c] / 255;
  }
  return { shape: [colour, height, width], data: out };
}
