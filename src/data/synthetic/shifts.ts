/**
 * Seeded distribution shifts of EM tiles, for testing out-of-distribution detectors: each takes
 * in-distribution tiles (values in [0, 1]) and a severity in [0, 1] (0 leaves the tiles unchanged,
 * 1 is a strong shift), and models one thing that goes wrong between training and use:
 *  - novel-morphology: the specimen has grains (Voronoi cells, each with its own brightness and
 *    lamellar stripes at its own angle, dark boundaries) that the training specimens never showed;
 *  - contamination: dark hydrocarbon spots and bright beam-damage holes;
 *  - drift-blur: stage drift during the exposure blurs the tile (Gaussian, σ = 2.5·severity px);
 *  - drift-offset: the detector's offset drifts, brightening every pixel by 0.3·severity;
 *  - dose-creep: a lower dose gives more shot noise (extra Gaussian noise, σ = 0.2·severity);
 *  - thickness: a thicker specimen in bright field is darker (mass–thickness contrast: mean ×
 *    (1 − 0.4·severity)) and loses contrast (deviations from the mean × (1 − 0.85·severity)); the
 *    detector's noise comes after the specimen, so fresh noise restores the generator's level;
 *  - contrast-loss: the contrast loss alone, mean kept and the noise shrunk with everything else
 *    (a smoothed, easier input: the hard case for reconstruction error, see README).
 * Results are clamped to [0, 1] like the generator's tiles.
 */
import { Random } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { firstNonFinite, shapeToString, tensor } from '../../tensor/tensor.js';
import type { Dataset } from '../dataset.js';
import type { EmDefectOptions } from './em-defects.js';
import { generateEmDefects } from './em-defects.js';

export const SHIFT_KINDS = ['novel-morphology', 'contamination', 'drift-blur', 'drift-offset', 'dose-creep', 'thickness', 'contrast-loss'] as const;

/** The EM generator's default read-noise σ, which the thickness shift restores. */
const DETECTOR_NOISE = 0.04;
export type ShiftKind = (typeof SHIFT_KINDS)[number];

export interface ShiftOptions {
  /** 0 = no shift, 1 = strong. */
  severity: number;
  seed: number;
}

export interface ShiftedSet extends Dataset {
  readonly shift: ShiftKind;
  readonly severity: number;
}

/** Shifted in-distribution tiles: the EM generator's clean tiles with `kind` applied. */
export interface ShiftedSetOptions extends ShiftOptions {
  count: number;
  /** Generator settings of the in-distribution data (size, noise, contrast…). */
  generator?: Partial<Omit<EmDefectOptions, 'count' | 'seed'>>;
}

/** One tile [H, W] transformed in place. */
type TileShift = (tile: Float32Array, h: number, w: number, severity: number, rng: Random) => void;

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

const novelMorphology: TileShift = (tile, h, w, s, rng) => {
  const grains = Array.from({ length: rng.int(5, 10) }, () => ({
    x: rng.uniform(-4, w + 4),
    y: rng.uniform(-4, h + 4),
    offset: rng.uniform(-0.12, 0.12),
    angle: rng.uniform(0, Math.PI),
    period: rng.uniform(3, 6),
  }));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let [best, second, k] = [Infinity, Infinity, 0];
      grains.forEach((g, i) => {
        const d = Math.hypot(x - g.x, y - g.y);
        if (d < best) [second, best, k] = [best, d, i];
        else if (d < second) second = d;
      });
      const g = grains[k];
      const along = x * Math.cos(g.angle) + y * Math.sin(g.angle);
      const stripes = 0.08 * Math.sin((2 * Math.PI * along) / g.period);
      // Within about a pixel of the bisector between the two nearest seeds: a grain boundary.
      const boundary = second - best < 1.5 ? -0.2 : 0;
      tile[y * w + x] += s * (g.offset + stripes + boundary);
    }
};

const contamination: TileShift = (tile, h, w, s, rng) => {
  if (s === 0) return;
  const spots = 1 + Math.round(7 * s);
  for (let k = 0; k < spots; k++) {
    const [cx, cy, r] = [rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1.5, 3.5)];
    // Dark hydrocarbon deposits or bright holes burnt by the beam.
    const amplitude = (rng.next() < 0.5 ? -1 : 1) * (0.2 + 0.3 * s);
    for (let y = Math.max(0, Math.floor(cy - r - 1)); y < Math.min(h, Math.ceil(cy + r + 1)); y++)
      for (let x = Math.max(0, Math.floor(cx - r - 1)); x < Math.min(w, Math.ceil(cx + r + 1)); x++) {
        const weight = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(x - cx, y - cy)));
        tile[y * w + x] += amplitude * weight;
      }
  }
};

/** Separable Gaussian blur with edge-clamped borders. */
const driftBlur: TileShift = (tile, h, w, s) => {
  const sigma = 2.5 * s;
  if (sigma <= 0) return;
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let i = -radius; i <= radius; i++) {
          const [yy, xx] = horizontal ? [y, Math.min(w - 1, Math.max(0, x + i))] : [Math.min(h - 1, Math.max(0, y + i)), x];
          acc += kernel[i + radius] * src[yy * w + xx];
        }
        out[y * w + x] = acc / total;
      }
    return out;
  };
  tile.set(pass(pass(tile, true), false));
};

const driftOffset: TileShift = (tile, _h, _w, s) => {
  for (let i = 0; i < tile.length; i++) tile[i] += 0.3 * s;
};

const doseCreep: TileShift = (tile, _h, _w, s, rng) => {
  if (s === 0) return;
  for (let i = 0; i < tile.length; i++) tile[i] += rng.normal(0, 0.2 * s);
};

function tileMean(tile: Float32Array): number {
  let mean = 0;
  for (const v of tile) mean += v / tile.length;
  return mean;
}

const contrastLoss: TileShift = (tile, _h, _w, s) => {
  const mean = tileMean(tile);
  for (let i = 0; i < tile.length; i++) tile[i] = mean + (tile[i] - mean) * (1 - 0.85 * s);
};

const thickness: TileShift = (tile, _h, _w, s, rng) => {
  if (s === 0) return;
  const mean = tileMean(tile);
  const c = 1 - 0.85 * s;
  // Scaling shrank the tile's read noise by c; add back what makes it DETECTOR_NOISE again.
  const renoise = DETECTOR_NOISE * Math.sqrt(1 - c * c);
  for (let i = 0; i < tile.length; i++) tile[i] = mean * (1 - 0.4 * s) + (tile[i] - mean) * c + rng.normal(0, renoise);
};

const SHIFTS: Record<ShiftKind, TileShift> = {
  'novel-morphology': novelMorphology,
  contamination,
  'drift-blur': driftBlur,
  'drift-offset': driftOffset,
  'dose-creep': doseCreep,
  thickness,
  'contrast-loss': contrastLoss,
};

function checkShift(kind: string, severity: number): asserts kind is ShiftKind {
  if (!(SHIFT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown shift '${kind}'; use one of ${SHIFT_KINDS.join(', ')}`);
  if (!(severity >= 0 && severity <= 1)) throw new Error(`shift severity must be a number in [0, 1] (got ${severity})`);
}

/** A shifted copy of images [N, C, H, W] (values in [0, 1]); each channel of each image is one tile. */
export function applyShift(images: Tensor, kind: ShiftKind, options: ShiftOptions): Tensor {
  checkShift(kind, options.severity);
  if (images.shape.length !== 4) throw new Error(`applyShift: images have shape ${shapeToString(images.shape)}; give [N, C, H, W]`);
  const bad = firstNonFinite(images.data);
  if (bad >= 0) throw new Error(`applyShift: images hold a non-finite value at flat index ${bad}; clean the data first`);
  const [, , h, w] = images.shape;
  const out = Float32Array.from(images.data);
  const rng = new Random(options.seed);
  const apply = SHIFTS[kind];
  for (let start = 0; start < out.length; start += h * w) {
    const tile = out.subarray(start, start + h * w);
    apply(tile, h, w, options.severity, rng);
    for (let i = 0; i < tile.length; i++) tile[i] = clamp01(tile[i]);
  }
  return tensor(images.shape, out);
}

/** Fresh clean EM tiles (labels, groups and masks as generated), then the shift. */
export function generateShiftedSet(kind: ShiftKind, options: ShiftedSetOptions): ShiftedSet {
  checkShift(kind, options.severity);
  const base = generateEmDefects({ ...options.generator, count: options.count, seed: options.seed, artifact: 'none' });
  const images = applyShift(base.images, kind, { severity: options.severity, seed: options.seed + 7919 });
  return { images, labels: base.labels, groups: base.groups, masks: base.masks, shift: kind, severity: options.severity };
}

/** Every shift at one severity, each from its own seed. */
export function generateShiftSuite(options: ShiftedSetOptions, kinds: readonly ShiftKind[] = SHIFT_KINDS): ShiftedSet[] {
  return kinds.map((kind, i) => generateShiftedSet(kind, { ...options, seed: options.seed + 101 * (i + 1) }));
}
