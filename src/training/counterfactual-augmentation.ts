/**
 * Remedy (a), counterfactual augmentation: the expert has marked an artifact (a mask and the
 * intensity it paints, e.g. the detector's saturated corner). During training each image of a
 * batch, whatever its class, independently either gets the artifact pasted in (share `pasteShare`)
 * or has the marked region erased by its surroundings. Afterwards the artifact says nothing about
 * the label, so a model can no longer lower its loss by reading it: it has to learn the physics.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, tensor } from '../tensor/tensor.js';
import type { Random } from '../tensor/random.js';
import type { Patch } from '../trust/intervention.js';

export interface CounterfactualOptions {
  /** Share of images the artifact is pasted into; the rest have it erased (default 0.5: independent of the label). */
  pasteShare?: number;
  /** Width in pixels of the ring around the mask whose median replaces an erased pixel (default 2). */
  ring?: number;
}

/** The pixels within `ring` (Chebyshev distance) of the mask but outside it: an erased region's surroundings. */
export function surroundingRing(mask: Float32Array, h: number, w: number, ring: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x] > 0.5) continue;
      let near = false;
      for (let dy = -ring; dy <= ring && !near; dy++) {
        for (let dx = -ring; dx <= ring && !near; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          near = yy >= 0 && yy < h && xx >= 0 && xx < w && mask[yy * w + xx] > 0.5;
        }
      }
      if (near) out.push(y * w + x);
    }
  }
  return out;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values.length ? values[Math.floor(values.length / 2)] : 0;
}

/**
 * Erases the masked pixels of every image and channel by the median of their surrounding ring — a
 * median so the bright artifact's own spill does not leak back in (as eraseWindow in
 * trust/hotspot-windows.ts, for an arbitrary mask). Returns a new tensor.
 */
export function eraseMasked(images: Tensor, mask: Float32Array, ring = 2): Tensor {
  const [n, c, h, w] = images.shape;
  checkMask(images, mask);
  const around = surroundingRing(mask, h, w, ring);
  const inside = Array.from(mask.keys()).filter((p) => mask[p] > 0.5);
  const out = images.data.slice();
  for (let i = 0; i < n * c; i++) {
    const base = i * h * w;
    const fill = median(around.map((p) => out[base + p]));
    for (const p of inside) out[base + p] = fill;
  }
  return tensor(images.shape, out);
}

function checkMask(images: Tensor, mask: Float32Array): void {
  const [, , h, w] = images.shape;
  if (images.shape.length !== 4 || mask.length !== h * w) {
    throw new Error(`counterfactual augmentation: the artifact mask has ${mask.length} pixels but the images are ${shapeToString(images.shape)}; give an [H, W] mask`);
  }
}

/**
 * The augmentation as train.ts's `augment` hook: per image, a seeded coin decides paste or erase.
 * The label is not read: the point is that both edits happen to every class alike.
 */
export function counterfactualAugmentation(artifact: Patch, options: CounterfactualOptions = {}) {
  const pasteShare = options.pasteShare ?? 0.5;
  const ring = options.ring ?? 2;
  if (!(pasteShare >= 0 && pasteShare <= 1)) throw new Error(`counterfactual augmentation: the paste share must lie in [0, 1] (got ${pasteShare})`);
  if (!artifact.mask.some((v) => v > 0.5)) throw new Error('counterfactual augmentation: the artifact mask marks no pixel; mark the artifact with 1s');
  const [maskPixels, ringPixels] = [[] as number[], [] as number[]];
  let cachedSize = -1;
  return (images: Tensor, _labels: readonly number[], random: Random): Tensor => {
    checkMask(images, artifact.mask);
    const [n, c, h, w] = images.shape;
    if (cachedSize !== h * w) {
      maskPixels.length = 0;
      ringPixels.length = 0;
      artifact.mask.forEach((v, p) => v > 0.5 && maskPixels.push(p));
      ringPixels.push(...surroundingRing(artifact.mask, h, w, ring));
      cachedSize = h * w;
    }
    const out = images.data.slice();
    for (let i = 0; i < n; i++) {
      const paste = random.next() < pasteShare;
      for (let ch = 0; ch < c; ch++) {
        const base = (i * c + ch) * h * w;
        const fill = paste ? artifact.value : median(ringPixels.map((p) => out[base + p]));
        for (const p of maskPixels) out[base + p] = fill;
      }
    }
    return tensor(images.shape, out);
  };
}
