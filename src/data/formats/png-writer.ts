/**
 * Writes a grey image as a 16-bit PNG: values in [0, 1] become round(v × 65535). The PNG reader
 * (png.ts) maps a 16-bit sample k back to k × (1/65535), so `quantise16` gives, as float32, exactly
 * the values a reader will see — what a .npy or TIFF copy must hold to feed a model the same numbers.
 */
import { encode } from 'fast-png';
import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString } from '../../tensor/tensor.js';

const LEVELS = 65535;

function sample(v: number, where: string): number {
  if (!(v >= 0 && v <= 1)) throw new Error(`encodeGrey16Png: ${where} is ${v}; a 16-bit PNG holds values in [0, 1] (scale the image first)`);
  return Math.round(v * LEVELS);
}

/** [H, W] or [1, H, W] values in [0, 1] → 16-bit greyscale PNG bytes. */
export function encodeGrey16Png(image: Tensor): Uint8Array {
  const s = image.shape;
  if (!(s.length === 2 || (s.length === 3 && s[0] === 1)) || s.some((d) => d <= 0)) throw new Error(`encodeGrey16Png: expected [H, W] or [1, H, W], got ${shapeToString(s)}`);
  const [h, w] = s.slice(-2);
  const data = new Uint16Array(h * w);
  for (let i = 0; i < data.length; i++) data[i] = sample(image.data[i], `pixel (${Math.floor(i / w)}, ${i % w})`);
  return encode({ width: w, height: h, data, channels: 1, depth: 16 });
}

/** The float32 values a 16-bit PNG of `x` reads back as (same shape). */
export function quantise16(x: Tensor): Tensor {
  // Written as the reader computes it (sample × (1/65535)), so the float32 values agree bit for bit.
  const scale = 1 / LEVELS;
  return { shape: [...x.shape], data: Float32Array.from(x.data, (v, i) => sample(v, `value ${i}`) * scale) };
}
