/**
 * The explore reference scenario (issue 14): ten EM microstructure classes playing CIFAR-10's role,
 * single-channel size×size tiles (default 32), seeded. Each tile is a grey background with a
 * per-image brightness offset, one class-specific structure and Gaussian read noise.
 *
 * Two pairs are ambiguous on purpose, as cat/dog are in CIFAR-10, so a CNN's accuracy stays
 * realistic:
 *  - equiaxed vs elongated grains: a Voronoi tessellation whose seeds are stretched along one
 *    direction by an aspect ratio drawn from [1, 1.9] (equiaxed) or [1.5, 3] (elongated) — the
 *    ranges overlap, so some tiles of either class look alike;
 *  - voids vs precipitates: round blobs, voids dark and precipitates bright, except that a share
 *    `invertedContrast` (default 0.25) of each class is drawn with the other's contrast (a defocus
 *    contrast reversal, as in Fresnel contrast in TEM), so sign alone does not decide.
 * The other six are separable by texture or shape: twins (a few parallel straight bands across a
 * grain), cracks (one thin dark jagged line), dislocation networks (many thin dark random line
 * segments), lamellae (dense fine stripes), amorphous (smooth speckle without structure) and
 * inclusions (one large bright irregular particle).
 */
import { Random } from '../../tensor/random.js';
import { tensor } from '../../tensor/tensor.js';
import type { Dataset } from '../dataset.js';
import { voronoiCell, type GrainPoint } from './grains.js';

export const MICROSTRUCTURE_CLASSES = [
  'equiaxed grains',
  'elongated grains',
  'twins',
  'precipitates',
  'voids',
  'cracks',
  'dislocations',
  'lamellae',
  'amorphous',
  'inclusions',
] as const;
export type MicrostructureClass = (typeof MICROSTRUCTURE_CLASSES)[number];

/** The two deliberately ambiguous pairs, by class index. */
export const AMBIGUOUS_PAIRS: readonly (readonly [number, number])[] = [
  [0, 1],
  [3, 4],
];

export interface MicrostructureOptions {
  count: number;
  seed: number;
  /** Image side in pixels (default 32). */
  size?: number;
  /** Gaussian noise σ (default 0.05). */
  noise?: number;
  /** Share of voids drawn bright and of precipitates drawn dark (default 0.25). */
  invertedContrast?: number;
  /** Only these classes (default all ten, uniformly). */
  classes?: readonly number[];
}

export interface MicrostructureSet extends Dataset {
  readonly classNames: readonly string[];
  /** Grain aspect ratio per image (NaN for non-grain classes): the ambiguity knob of pair 0/1. */
  readonly aspectRatios: readonly number[];
  /** Whether a void/precipitate image was drawn with the other class's contrast. */
  readonly inverted: readonly boolean[];
}

type Canvas = { data: Float32Array; size: number };

function addAt(c: Canvas, x: number, y: number, v: number): void {
  if (x >= 0 && y >= 0 && x < c.size && y < c.size) c.data[y * c.size + x] += v;
}

/** Adds a smooth disk (soft edge one pixel wide) of the given amplitude. */
function paintBlob(c: Canvas, cx: number, cy: number, r: number, amp: number, wobble = 0, rng?: Random): void {
  const lobes = rng ? Array.from({ length: 3 }, (_, k) => ({ k: k + 2, a: rng.uniform(-wobble, wobble), p: rng.uniform(0, 2 * Math.PI) })) : [];
  for (let y = 0; y < c.size; y++)
    for (let x = 0; x < c.size; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const angle = Math.atan2(dy, dx);
      const radius = r * (1 + lobes.reduce((s, l) => s + l.a * Math.cos(l.k * angle + l.p), 0));
      const edge = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(dx, dy)));
      if (edge > 0) c.data[y * c.size + x] += amp * edge;
    }
}

/** Adds a line of the given half-width from (x0, y0) to (x1, y1), darkening (amp < 0) or brightening. */
function paintLine(c: Canvas, x0: number, y0: number, x1: number, y1: number, halfWidth: number, amp: number): void {
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  for (let y = 0; y < c.size; y++)
    for (let x = 0; x < c.size; x++) {
      const px = x + 0.5 - x0;
      const py = y + 0.5 - y0;
      const t = Math.max(0, Math.min(1, (px * (x1 - x0) + py * (y1 - y0)) / (len * len)));
      const d = Math.hypot(px - t * (x1 - x0), py - t * (y1 - y0));
      if (d < halfWidth + 0.5) c.data[y * c.size + x] += amp * Math.min(1, halfWidth + 0.5 - d);
    }
}

/** Voronoi grains from seeds stretched by `aspect` along `angle`: boundaries dark, grains with their own level. */
function paintGrains(c: Canvas, rng: Random, aspect: number): void {
  const s = c.size;
  const angle = rng.uniform(0, Math.PI);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  // Distances are measured in a frame squeezed along `angle`, so cells come out `aspect` times longer along it.
  const toFrame = (x: number, y: number): GrainPoint => {
    const u = x * cos + y * sin;
    const v = -x * sin + y * cos;
    return { x: u / aspect, y: v };
  };
  const k = rng.int(9, 15);
  const seeds = Array.from({ length: k }, () => toFrame(rng.uniform(-4, s + 4), rng.uniform(-4, s + 4)));
  const levels = seeds.map(() => rng.uniform(-0.12, 0.12));
  for (let y = 0; y < s; y++)
    for (let x = 0; x < s; x++) {
      const p = toFrame(x + 0.5, y + 0.5);
      const { grain, edgeDistance } = voronoiCell(p.x, p.y, seeds);
      let v = levels[grain];
      if (edgeDistance < 0.7) v -= 0.35 * (1 - edgeDistance / 0.7);
      c.data[y * s + x] += v;
    }
}

/** Parallel sinusoidal stripes: lamellae (fine, many) or twin bands (few, broad, sharp-edged). */
function paintStripes(c: Canvas, angle: number, period: number, amp: number, phase: number, sharp: boolean): void {
  const k = (2 * Math.PI) / period;
  for (let y = 0; y < c.size; y++)
    for (let x = 0; x < c.size; x++) {
      const along = (x + 0.5) * Math.cos(angle) + (y + 0.5) * Math.sin(angle);
      const w = Math.sin(k * along + phase);
      c.data[y * c.size + x] += amp * (sharp ? Math.tanh(4 * w) : w);
    }
}

function paintClass(c: Canvas, label: number, rng: Random, invertedContrast: number): { aspect: number; inverted: boolean } {
  const s = c.size;
  const centre = () => rng.uniform(0.3 * s, 0.7 * s);
  switch (label) {
    case 0:
    case 1: {
      const aspect = label === 0 ? rng.uniform(1, 1.9) : rng.uniform(1.5, 3);
      paintGrains(c, rng, aspect);
      return { aspect, inverted: false };
    }
    case 2: // twins: a few broad sharp-edged parallel bands
      paintStripes(c, rng.uniform(0, Math.PI), rng.uniform(9, 14), 0.12, rng.uniform(0, 2 * Math.PI), true);
      break;
    case 3:
    case 4: {
      const inverted = rng.next() < invertedContrast;
      const bright = (label === 3) !== inverted;
      const n = rng.int(3, 7);
      for (let i = 0; i < n; i++) paintBlob(c, rng.uniform(3, s - 3), rng.uniform(3, s - 3), rng.uniform(1.5, 3), (bright ? 1 : -1) * rng.uniform(0.2, 0.35));
      return { aspect: NaN, inverted };
    }
    case 5: { // crack: one thin dark jagged line across the tile
      let [x, y] = [rng.uniform(0, s), 0];
      const drift = rng.uniform(-0.6, 0.6);
      while (y < s) {
        const nx = x + drift * 4 + rng.uniform(-2, 2);
        paintLine(c, x, y, nx, y + 4, 0.6, -0.4);
        [x, y] = [nx, y + 4];
      }
      break;
    }
    case 6: { // dislocation network: many short thin dark segments at random angles
      const n = rng.int(8, 13);
      for (let i = 0; i < n; i++) {
        const [x0, y0, a, len] = [rng.uniform(0, s), rng.uniform(0, s), rng.uniform(0, Math.PI), rng.uniform(5, 12)];
        paintLine(c, x0, y0, x0 + len * Math.cos(a), y0 + len * Math.sin(a), 0.3, -0.22);
      }
      break;
    }
    case 7: // lamellae: dense fine stripes
      paintStripes(c, rng.uniform(0, Math.PI), rng.uniform(3, 4.5), 0.12, rng.uniform(0, 2 * Math.PI), false);
      break;
    case 8: { // amorphous: smooth low-frequency speckle, no edges
      for (let w = 0; w < 6; w++) {
        const [kx, ky, ph, amp] = [rng.uniform(-0.6, 0.6), rng.uniform(-0.6, 0.6), rng.uniform(0, 2 * Math.PI), rng.uniform(0.02, 0.05)];
        for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) c.data[y * s + x] += amp * Math.sin(kx * x + ky * y + ph);
      }
      break;
    }
    case 9: // inclusion: one large bright irregular particle with a dark rim
      {
        const [cx, cy, r] = [centre(), centre(), rng.uniform(5, 8)];
        paintBlob(c, cx, cy, r + 1, -0.12);
        paintBlob(c, cx, cy, r, 0.42, 0.15, rng);
      }
      break;
    default:
      throw new Error(`microstructures: class ${label} is not one of 0–9`);
  }
  return { aspect: NaN, inverted: false };
}

/** Paints one tile of class `label` into a fresh size×size plane. */
export function microstructureTile(label: number, rng: Random, size = 32, noise = 0.05, invertedContrast = 0.25): { pixels: Float32Array; aspect: number; inverted: boolean } {
  const c: Canvas = { data: new Float32Array(size * size).fill(0.5 + rng.uniform(-0.06, 0.06)), size };
  const info = paintClass(c, label, rng, invertedContrast);
  for (let i = 0; i < c.data.length; i++) c.data[i] += noise * rng.normal();
  return { pixels: c.data, ...info };
}

export function generateMicrostructures(options: MicrostructureOptions): MicrostructureSet {
  const { count, seed, size = 32, noise = 0.05, invertedContrast = 0.25, classes = MICROSTRUCTURE_CLASSES.map((_, k) => k) } = options;
  if (!Number.isInteger(count) || count < 0) throw new Error(`microstructures: count must be a non-negative integer (got ${count})`);
  if (!Number.isInteger(size) || size < 8) throw new Error(`microstructures: size must be an integer ≥ 8 (got ${size})`);
  if (!(invertedContrast >= 0 && invertedContrast <= 1)) throw new Error(`microstructures: invertedContrast must be in [0, 1] (got ${invertedContrast})`);
  if (classes.length === 0 || classes.some((k) => !Number.isInteger(k) || k < 0 || k >= MICROSTRUCTURE_CLASSES.length)) {
    throw new Error(`microstructures: classes must be indices 0–${MICROSTRUCTURE_CLASSES.length - 1} (got ${classes.join(', ')})`);
  }
  const rng = new Random(seed);
  const plane = size * size;
  const images = new Float32Array(count * plane);
  const labels: number[] = [];
  const aspectRatios: number[] = [];
  const inverted: boolean[] = [];
  for (let n = 0; n < count; n++) {
    // Balanced: class n mod K, in a seeded order, so every class has ⌊count/K⌋ or one more images.
    const label = classes[n % classes.length];
    const tile = microstructureTile(label, rng, size, noise, invertedContrast);
    images.set(tile.pixels, n * plane);
    labels.push(label);
    aspectRatios.push(tile.aspect);
    inverted.push(tile.inverted);
  }
  const order = rng.permutation(count);
  const shuffled = new Float32Array(count * plane);
  order.forEach((from, to) => shuffled.set(images.subarray(from * plane, (from + 1) * plane), to * plane));
  return {
    images: tensor([count, 1, size, size], shuffled),
    labels: order.map((i) => labels[i]),
    classNames: [...MICROSTRUCTURE_CLASSES],
    aspectRatios: order.map((i) => aspectRatios[i]),
    inverted: order.map((i) => inverted[i]),
  };
}
