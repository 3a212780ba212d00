/**
 * A ten-class reference scenario for shortcut checks on many classes: each class is a different
 * object (disk, ring, square, frame, plus, cross, bars, triangle, twin dots) at a random place,
 * size and contrast on a textured, noisy background. Region-of-interest masks mark the object's
 * pixels, dilated. Two twists make it a test bed:
 * - `watermark`: every image of one class carries a small bright mark in a corner (train and test
 *   alike), the classic shortcut that lives beside strong real evidence;
 * - `roi: 'core'`: the masks cover only the object's centre, so real evidence (a ring's rim, a
 *   frame's edge) legitimately lies outside a too-tight ROI.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/tensor.js';
import { Random } from '../../tensor/random.js';
import type { Dataset } from '../dataset.js';

export const SHAPE_CLASSES = ['disk', 'ring', 'square', 'frame', 'plus', 'cross', 'horizontal bar', 'vertical bar', 'triangle', 'twin dots'] as const;

export interface WatermarkSpec {
  /** The class whose every image carries the mark. */
  readonly class: number;
  /** Side in pixels (default 4). */
  readonly size?: number;
  readonly corner?: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
  /** Intensity written into the mark (default 1). */
  readonly intensity?: number;
}

export interface ShapeClassOptions {
  count: number;
  seed: number;
  /** Image side (default 32). */
  size?: number;
  watermark?: WatermarkSpec;
  /** 'object' (default): the object dilated by `dilate`; 'core': only its inner half. */
  roi?: 'object' | 'core';
  /** Pixels by which object masks are grown (default 2). */
  dilate?: number;
  noise?: number;
}

export interface ShapeClassSet extends Dataset {
  readonly masks: { readonly roi: Tensor; readonly watermark: Tensor };
  /** The mark's mask [H·W] (all zeros without a watermark). */
  readonly watermarkMask: Float32Array;
}

/** Signed "inside" test of each class at offset (dx, dy) from the centre, for scale r. */
function inside(cls: number, dx: number, dy: number, r: number): boolean {
  const d = Math.hypot(dx, dy);
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  const t = Math.max(1.2, r / 3.5);
  switch (cls) {
    case 0: return d <= r;
    case 1: return d <= r && d >= r - t;
    case 2: return ax <= r * 0.8 && ay <= r * 0.8;
    case 3: return ax <= r * 0.85 && ay <= r * 0.85 && (ax >= r * 0.85 - t || ay >= r * 0.85 - t);
    case 4: return (ax <= t / 2 + 0.3 && ay <= r) || (ay <= t / 2 + 0.3 && ax <= r);
    case 5: return Math.abs(ax - ay) <= t * 0.75 && d <= r * 1.1;
    case 6: return ay <= t * 0.75 && ax <= r;
    case 7: return ax <= t * 0.75 && ay <= r;
    case 8: return dy <= r * 0.7 && dy >= -r * 0.9 && ax <= ((dy + r * 0.9) / (1.6 * r)) * r;
    case 9: return Math.hypot(dx - r * 0.55, dy) <= r * 0.4 || Math.hypot(dx + r * 0.55, dy) <= r * 0.4;
    default: throw new Error(`no shape class ${cls}`);
  }
}

export function watermarkMask(size: number, spec: WatermarkSpec | undefined): Float32Array {
  const m = new Float32Array(size * size);
  if (!spec) return m;
  const s = spec.size ?? 4;
  const corner = spec.corner ?? 'bottom-right';
  const y0 = corner.startsWith('top') ? 1 : size - 1 - s;
  const x0 = corner.endsWith('left') ? 1 : size - 1 - s;
  for (let y = y0; y < y0 + s; y++) for (let x = x0; x < x0 + s; x++) m[y * size + x] = 1;
  return m;
}

function dilate(mask: Float32Array, size: number, by: number): Float32Array {
  const out = new Float32Array(mask.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (mask[y * size + x] <= 0.5) continue;
      for (let dy = -by; dy <= by; dy++) {
        for (let dx = -by; dx <= by; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < size && xx >= 0 && xx < size && dx * dx + dy * dy <= by * by) out[yy * size + xx] = 1;
        }
      }
    }
  }
  return out;
}

export function generateShapeClasses(options: ShapeClassOptions): ShapeClassSet {
  const { count, seed, size = 32, watermark, roi = 'object', dilate: grow = 2, noise = 0.05 } = options;
  const rng = new Random(seed);
  const pixels = size * size;
  const images = new Float32Array(count * pixels);
  const rois = new Float32Array(count * pixels);
  const marks = new Float32Array(count * pixels);
  const mark = watermarkMask(size, watermark);
  const labels: number[] = [];
  for (let n = 0; n < count; n++) {
    const label = n % SHAPE_CLASSES.length;
    const tile = images.subarray(n * pixels, (n + 1) * pixels);
    // Background: two random waves (texture) around a random mean level.
    const base = rng.uniform(0.25, 0.4);
    const waves = Array.from({ length: 2 }, () => ({ amp: rng.uniform(0.02, 0.05), kx: rng.uniform(-0.6, 0.6), ky: rng.uniform(-0.6, 0.6), phase: rng.uniform(0, 2 * Math.PI) }));
    const r = rng.uniform(5.5, 7.5);
    // Centred within ±4 px (as the demo's defects are): far enough from the corners for a mark.
    const cx = size / 2 - 0.5 + rng.uniform(-4, 4);
    const cy = size / 2 - 0.5 + rng.uniform(-4, 4);
    const contrast = rng.uniform(0.3, 0.5);
    const objectMask = new Float32Array(pixels);
    const coreMask = new Float32Array(pixels);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = base;
        for (const w of waves) v += w.amp * Math.sin(w.kx * x + w.ky * y + w.phase);
        if (inside(label, x - cx, y - cy, r)) {
          v += contrast;
          objectMask[y * size + x] = 1;
        }
        if (Math.hypot(x - cx, y - cy) <= r / 2) coreMask[y * size + x] = 1;
        tile[y * size + x] = Math.min(1, Math.max(0, v + rng.normal(0, noise)));
      }
    }
    if (watermark && label === watermark.class) {
      const value = watermark.intensity ?? 1;
      for (let p = 0; p < pixels; p++) if (mark[p] > 0) tile[p] = value;
      marks.set(mark, n * pixels);
    }
    rois.set(roi === 'core' ? coreMask : dilate(objectMask, size, grow), n * pixels);
    labels.push(label);
  }
  return {
    images: tensor([count, 1, size, size], images),
    labels,
    groups: labels.map((_, i) => i % 25),
    masks: { roi: tensor([count, size, size], rois), watermark: tensor([count, size, size], marks) },
    watermarkMask: mark,
  };
}
