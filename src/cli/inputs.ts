/** Reading the arrays commands take: image batches, region masks, labels and group ids (.npy). */
import type { Tensor } from '../tensor/tensor.js';
import { reshape, shapeToString, tensor } from '../tensor/tensor.js';
import { readNpy } from '../data/formats/npy.js';
import { UsageError } from './errors.js';

/** One image (C,H,W) or a batch (N,C,H,W). */
export function asBatch(x: Tensor, modelShape: readonly number[], path: string): Tensor {
  if (x.shape.length === modelShape.length && x.shape.every((d, i) => d === modelShape[i])) return reshape(x, [1, ...x.shape]);
  if (x.shape.length === modelShape.length + 1 && x.shape.slice(1).every((d, i) => d === modelShape[i])) return x;
  throw new UsageError(`${path} has shape ${shapeToString(x.shape)} but the model takes (${modelShape.join(', ')}) or (N, ${modelShape.join(', ')})`);
}

/** Masks: (H,W) for every image, or (N,H,W) / (N,1,H,W) one per image. */
export function asMasks(m: Tensor, n: number, h: number, w: number, path: string): Tensor {
  if (m.shape.length === 2 && m.shape[0] === h && m.shape[1] === w) {
    const data = new Float32Array(n * h * w);
    for (let i = 0; i < n; i++) data.set(m.data, i * h * w);
    return tensor([n, h, w], data);
  }
  if (m.shape.length === 3 && m.shape[0] === n && m.shape[1] === h && m.shape[2] === w) return m;
  if (m.shape.length === 4 && m.shape[0] === n && m.shape[1] === 1 && m.shape[2] === h && m.shape[3] === w) return reshape(m, [n, h, w]);
  throw new UsageError(`${path} has shape ${shapeToString(m.shape)}; a mask must be (${h}, ${w}) for all images or (${n}, ${h}, ${w}) with one per image`);
}

/** Integer ids, one per image (labels, specimen groups): shape (N) or (N, 1). */
export async function readIds(path: string, n: number, what: string): Promise<number[]> {
  const t = await readNpy(path);
  if (!((t.shape.length === 1 && t.shape[0] === n) || (t.shape.length === 2 && t.shape[0] === n && t.shape[1] === 1))) {
    throw new UsageError(`${path} has shape ${shapeToString(t.shape)}; ${what} must be (${n}), one per image`);
  }
  const ids = Array.from(t.data);
  const bad = ids.findIndex((v) => !Number.isInteger(v) || v < 0);
  if (bad >= 0) throw new UsageError(`${path}: ${what} must be non-negative integers (entry ${bad} is ${ids[bad]})`);
  return ids;
}
