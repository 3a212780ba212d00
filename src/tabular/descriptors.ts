/**
 * Physical descriptors of EM images: a table [N, F] a materials scientist can read, so that
 * tabular explanations (permutation importance, Shapley values, a tree) can say *what* a model
 * looks at. Images are [N, C, H, W] (or [N, H, W]); multi-channel images are averaged over channels
 * first, giving one intensity I(y, x) per pixel. Definitions (H, W ≥ 3):
 *
 *  - mean_brightness: mean of I over all pixels.
 *  - local_contrast: mean over every 3×3 window fully inside the image of the window's standard
 *    deviation (population) — contrast at the scale of a few pixels, insensitive to slow shading.
 *  - texture_score: mean of |∇²I| over interior pixels, with the 4-neighbour Laplacian
 *    ∇²I = I(y−1,x) + I(y+1,x) + I(y,x−1) + I(y,x+1) − 4 I(y,x): fine-scale texture (and noise).
 *  - defect_intensity: mean of I over the centre disk (distance from the image centre ≤ R,
 *    R = min(H, W)/4) minus the mean over the surrounding ring R < distance ≤ 1.5 R: a bright (or
 *    dark) centred feature, with the specimen's own brightness subtracted.
 *  - edge_density: share of interior pixels whose Sobel gradient magnitude
 *    √(Gx² + Gy²) (kernels [1 0 −1; 2 0 −2; 1 0 −1] and its transpose) exceeds `edgeThreshold`
 *    (default 0.5 intensity units: a step of ≥ 0.125 between neighbours; read noise of σ = 0.04
 *    crosses it at ~0.2% of pixels).
 *  - corner_brightness: the largest, over the four corners, of the mean of I over a k×k corner
 *    square, k = max(1, round(min(H, W)/8)) (4 px for 32×32): detector hot spots, labels, scale bars.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, tensor } from '../tensor/tensor.js';

export const DESCRIPTOR_NAMES = ['mean_brightness', 'local_contrast', 'texture_score', 'defect_intensity', 'edge_density', 'corner_brightness'] as const;
export type DescriptorName = (typeof DESCRIPTOR_NAMES)[number];

export interface DescriptorOptions {
  /** Sobel magnitude above which a pixel counts as an edge (default 0.5). */
  edgeThreshold?: number;
}

export interface DescriptorTable {
  /** [N, F] with F = names.length. */
  table: Tensor;
  names: string[];
}

/** Channel-mean intensity planes, N × (H·W), and the plane size. */
function intensityPlanes(images: Tensor): { planes: Float64Array[]; h: number; w: number } {
  const s = images.shape;
  if (s.length !== 3 && s.length !== 4) throw new Error(`descriptors: images have shape ${shapeToString(s)}; give [N, C, H, W] or [N, H, W]`);
  const [n, c, h, w] = s.length === 4 ? s : [s[0], 1, s[1], s[2]];
  if (h < 3 || w < 3) throw new Error(`descriptors: images of ${h}×${w} pixels are too small; give images of at least 3×3`);
  const bad = firstNonFinite(images.data);
  if (bad >= 0) throw new Error(`descriptors: images hold a non-finite value at flat index ${bad}; clean the data first`);
  const plane = h * w;
  const planes = Array.from({ length: n }, (_, i) => {
    const p = new Float64Array(plane);
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * plane;
      for (let q = 0; q < plane; q++) p[q] += images.data[base + q] / c;
    }
    return p;
  });
  return { planes, h, w };
}

function meanBrightness(p: Float64Array): number {
  let s = 0;
  for (const v of p) s += v;
  return s / p.length;
}

function localContrast(p: Float64Array, h: number, w: number): number {
  let total = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      let s = 0;
      let s2 = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const v = p[(y + dy) * w + x + dx];
          s += v;
          s2 += v * v;
        }
      }
      const mean = s / 9;
      total += Math.sqrt(Math.max(0, s2 / 9 - mean * mean));
    }
  }
  return total / ((h - 2) * (w - 2));
}

function textureScore(p: Float64Array, h: number, w: number): number {
  let total = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      total += Math.abs(p[i - w] + p[i + w] + p[i - 1] + p[i + 1] - 4 * p[i]);
    }
  }
  return total / ((h - 2) * (w - 2));
}

function defectIntensity(p: Float64Array, h: number, w: number): number {
  const r = Math.min(h, w) / 4;
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  let disk = 0;
  let diskN = 0;
  let ring = 0;
  let ringN = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(y - cy, x - cx);
      if (d <= r) {
        disk += p[y * w + x];
        diskN++;
      } else if (d <= 1.5 * r) {
        ring += p[y * w + x];
        ringN++;
      }
    }
  }
  return disk / Math.max(1, diskN) - (ringN > 0 ? ring / ringN : 0);
}

function edgeDensity(p: Float64Array, h: number, w: number, threshold: number): number {
  let edges = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = p[i - w - 1] + 2 * p[i - 1] + p[i + w - 1] - p[i - w + 1] - 2 * p[i + 1] - p[i + w + 1];
      const gy = p[i - w - 1] + 2 * p[i - w] + p[i - w + 1] - p[i + w - 1] - 2 * p[i + w] - p[i + w + 1];
      if (Math.hypot(gx, gy) > threshold) edges++;
    }
  }
  return edges / ((h - 2) * (w - 2));
}

function cornerBrightness(p: Float64Array, h: number, w: number): number {
  const k = Math.max(1, Math.round(Math.min(h, w) / 8));
  let best = -Infinity;
  for (const [y0, x0] of [[0, 0], [0, w - k], [h - k, 0], [h - k, w - k]]) {
    let s = 0;
    for (let y = y0; y < y0 + k; y++) for (let x = x0; x < x0 + k; x++) s += p[y * w + x];
    best = Math.max(best, s / (k * k));
  }
  return best;
}

/** The descriptor table of a batch of images (columns in DESCRIPTOR_NAMES order). */
export function extractDescriptors(images: Tensor, options: DescriptorOptions = {}): DescriptorTable {
  const threshold = options.edgeThreshold ?? 0.5;
  if (!(threshold >= 0)) throw new Error(`descriptors: edgeThreshold must be ≥ 0 (got ${threshold})`);
  const { planes, h, w } = intensityPlanes(images);
  const f = DESCRIPTOR_NAMES.length;
  const out = new Float32Array(planes.length * f);
  planes.forEach((p, i) => {
    out.set(
      [meanBrightness(p), localContrast(p, h, w), textureScore(p, h, w), defectIntensity(p, h, w), edgeDensity(p, h, w, threshold), cornerBrightness(p, h, w)],
      i * f,
    );
  });
  return { table: tensor([planes.length, f], out), names: [...DESCRIPTOR_NAMES] };
}
