/**
 * Resizing [N, C, h, w] maps to the input's size as torch.nn.functional.interpolate does (nearest, or
 * bilinear with align_corners=False): Grad-CAM's and attention's layer maps, ICE's concept maps.
 */
import { shapeToString, tensor, type Tensor } from './tensor.js';

/** Source index for torch's legacy 'nearest': floor(dst · in / out), computed exactly. */
function nearestIndex(dst: number, inSize: number, outSize: number): number {
  return Math.min(Math.floor((dst * inSize) / outSize), inSize - 1);
}

/** Two source indices and the weight of the second for torch's bilinear with align_corners=False. */
function bilinearTaps(dst: number, inSize: number, outSize: number): [number, number, number] {
  const src = Math.max(0, ((dst + 0.5) * inSize) / outSize - 0.5);
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return [i0, i1, src - i0];
}

/** Resizes [N, C, h, w] maps to [N, C, H, W] as torch.nn.functional.interpolate would. */
export function resizeMaps(maps: Tensor, height: number, width: number, mode: 'nearest' | 'bilinear'): Tensor {
  if (maps.shape.length !== 4) throw new Error(`resizeMaps needs [N, C, h, w] maps; got ${shapeToString(maps.shape)}`);
  const [n, c, h, w] = maps.shape;
  const out = new Float32Array(n * c * height * width);
  if (mode === 'nearest') {
    const ys = Array.from({ length: height }, (_, y) => nearestIndex(y, h, height));
    const xs = Array.from({ length: width }, (_, x) => nearestIndex(x, w, width));
    for (let p = 0; p < n * c; p++)
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) out[(p * height + y) * width + x] = maps.data[(p * h + ys[y]) * w + xs[x]];
  } else {
    const ys = Array.from({ length: height }, (_, y) => bilinearTaps(y, h, height));
    const xs = Array.from({ length: width }, (_, x) => bilinearTaps(x, w, width));
    for (let p = 0; p < n * c; p++) {
      const at = (yy: number, xx: number) => maps.data[(p * h + yy) * w + xx];
      for (let y = 0; y < height; y++) {
        const [y0, y1, ly] = ys[y];
        for (let x = 0; x < width; x++) {
          const [x0, x1, lx] = xs[x];
          const top = (1 - lx) * at(y0, x0) + lx * at(y0, x1);
          const bottom = (1 - lx) * at(y1, x0) + lx * at(y1, x1);
          out[(p * height + y) * width + x] = (1 - ly) * top + ly * bottom;
        }
      }
    }
  }
  return tensor([n, c, height, width], out);
}
