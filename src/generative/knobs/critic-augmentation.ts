/**
 * Light augmentation of the critic C's training tiles, so that the generator cannot satisfy C with
 * texture. G learns its edits from C's gradient alone; a C that reads an attribute off fine
 * pixel-level texture (a 2-pixel phase, a noise pattern) lets G "edit" that attribute by drawing
 * the texture, which neither R nor the physical measurement reads as the attribute. Trained on tiles
 * that are shifted by a few pixels (C's max-pool phase no longer fixed), slightly blurred and
 * re-noised, C must read what survives those — crystal outlines, sizes, holes — and so must G's
 * edits. Brightness is left alone on purpose: it is the decoy attribute, which C must read.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/tensor.js';
import type { Random } from '../../tensor/random.js';

export interface CriticAugmentation {
  /** Largest shift in pixels along each axis (integers in [−shift, shift], edges replicated; default 2). */
  shift?: number;
  /** Largest weight t of the 3×3 binomial blur mixed in, (1 − t)·x + t·blur(x), t uniform (default 0.5: a pin-prick hole keeps most of its depth). */
  blur?: number;
  /** Largest σ of the added Gaussian pixel noise, σ uniform per tile (default 0.03; tiles stay in [0, 1]). */
  noise?: number;
}

export const CRITIC_AUGMENTATION_DEFAULTS: Required<CriticAugmentation> = { shift: 2, blur: 0.5, noise: 0.03 };

/** Shifts a single-channel side×side image by (dx, dy), replicating the edge pixels. */
export function shiftImage(img: Float32Array, side: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < side; y++) {
    const sy = Math.min(side - 1, Math.max(0, y - dy));
    for (let x = 0; x < side; x++) out[y * side + x] = img[sy * side + Math.min(side - 1, Math.max(0, x - dx))];
  }
  return out;
}

/** (1 − t)·img + t·(img convolved with the 3×3 binomial kernel [1 2 1]ᵀ[1 2 1]/16, edges replicated). */
export function blurImage(img: Float32Array, side: number, t: number): Float32Array {
  const at = (x: number, y: number) => img[Math.min(side - 1, Math.max(0, y)) * side + Math.min(side - 1, Math.max(0, x))];
  const out = new Float32Array(img.length);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += (2 - Math.abs(dx)) * (2 - Math.abs(dy)) * at(x + dx, y + dy);
      out[y * side + x] = (1 - t) * img[y * side + x] + (t * s) / 16;
    }
  }
  return out;
}

/** An augment hook for trainRegressor: every tile of [N, C, S, S] shifted, blurred and re-noised with its own draws. */
export function criticAugment(options: CriticAugmentation = {}): (images: Tensor, labels: readonly number[], random: Random) => Tensor {
  const { shift, blur, noise } = { ...CRITIC_AUGMENTATION_DEFAULTS, ...options };
  return (images, _labels, random) => {
    const [n, c, side, w] = images.shape;
    if (side !== w) throw new Error(`critic augmentation: tiles must be square (got ${side}×${w})`);
    const plane = side * side;
    const out = new Float32Array(images.data.length);
    for (let i = 0; i < n; i++) {
      const [dx, dy] = [random.int(-shift, shift + 1), random.int(-shift, shift + 1)];
      const t = random.uniform(0, blur);
      const sigma = random.uniform(0, noise);
      for (let ch = 0; ch < c; ch++) {
        const start = (i * c + ch) * plane;
        const img = blurImage(shiftImage(images.data.subarray(start, start + plane), side, dx, dy), side, t);
        for (let p = 0; p < plane; p++) out[start + p] = Math.min(1, Math.max(0, img[p] + (sigma > 0 ? random.normal(0, sigma) : 0)));
      }
    }
    return tensor(images.shape, out);
  };
}
