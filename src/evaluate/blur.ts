/**
 * Gaussian blur of image batches, the "blur" baseline of deletion/insertion curves (Petsiuk et al.'s
 * RISE paper inserts pixels into a blurred copy). Separable kernel exp(−t²/2σ²), truncated at
 * ⌈3σ⌉ and normalised to sum 1; borders replicate the edge pixel, so a constant image stays constant.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, tensor } from '../tensor/tensor.js';

export function gaussianKernel(sigma: number): Float64Array {
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new Error(`blur sigma must be a positive number of pixels (got ${sigma})`);
  const r = Math.ceil(3 * sigma);
  const k = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / s);
}

/** Blurs every channel of every image of [N, C, H, W] with a Gaussian of `sigma` pixels. */
export function gaussianBlur(images: Tensor, sigma: number): Tensor {
  if (images.shape.length !== 4) throw new Error(`gaussianBlur needs [N, C, H, W] images; got ${shapeToString(images.shape)}`);
  const [n, c, h, w] = images.shape;
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const out = new Float32Array(images.data.length);
  const rowPass = new Float64Array(h * w);
  for (let p = 0; p < n * c; p++) {
    const o = p * h * w;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r] * images.data[o + y * w + Math.min(w - 1, Math.max(0, x + t))];
        rowPass[y * w + x] = s;
      }
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r] * rowPass[Math.min(h - 1, Math.max(0, y + t)) * w + x];
        out[o + y * w + x] = s;
      }
  }
  return tensor(images.shape, out);
}
