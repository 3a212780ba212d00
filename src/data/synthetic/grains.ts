/**
 * Polycrystal-like micrographs: a Voronoi tessellation of random grain centres (seeds), each grain
 * with its own brightness and an oriented stripe texture (orientation contrast, as in a
 * channelling-contrast SEM or bright-field TEM image), dark lines along the grain boundaries, a
 * per-image brightness offset and Gaussian noise. The label is the grain-size class: 0 = few large
 * grains, 1 = many small ones. Each image comes with its boundary mask (masks.boundary, [N, H, W]).
 *
 * A pixel (centre p) inside grain i is on a boundary when its distance to the edge of i's Voronoi
 * cell is below `boundaryWidth`. That distance is exact and cheap: the cell is the intersection of
 * the half-planes "closer to s_i than to s_j", so the distance to its edge is
 *   min_j (|p − s_j|² − |p − s_i|²) / (2 |s_j − s_i|),
 * the distance to the nearest bisector. The image border is not a boundary.
 */
import { Random } from '../../tensor/random.js';
import { tensor } from '../../tensor/tensor.js';
import type { Dataset } from '../dataset.js';

export interface GrainOptions {
  count: number;
  seed: number;
  /** Image side in pixels (default 32). */
  size?: number;
  /** Inclusive range of grain counts per class: [few large, many small] (default [[3, 6], [14, 22]]). */
  grainsPerClass?: readonly [readonly [number, number], readonly [number, number]];
  /** Half-width of the dark boundary lines in pixels (default 0.75: lines about 1.5 px wide). */
  boundaryWidth?: number;
  /** How much darker a boundary's centre line is than the grain (default 0.5). */
  boundaryDepth?: number;
  /** Gaussian noise σ (default 0.04). */
  noise?: number;
}

export interface GrainPoint {
  readonly x: number;
  readonly y: number;
}

export interface GrainSet extends Dataset {
  /** masks.boundary: 1 on grain-boundary pixels. */
  readonly masks: { readonly boundary: Dataset['images'] };
  /** Grains per image. */
  readonly grainCounts: readonly number[];
  /** Grain centres per image, in pixel coordinates (pixel (x, y) has its centre at (x + 0.5, y + 0.5)). */
  readonly seeds: readonly (readonly GrainPoint[])[];
}

/** Index of the nearest seed and the distance from p to the edge of that seed's Voronoi cell. */
export function voronoiCell(px: number, py: number, seeds: readonly GrainPoint[]): { grain: number; edgeDistance: number } {
  let grain = 0;
  let best = Infinity;
  seeds.forEach((s, i) => {
    const d = (px - s.x) ** 2 + (py - s.y) ** 2;
    if (d < best) [best, grain] = [d, i];
  });
  let edgeDistance = Infinity;
  const own = seeds[grain];
  seeds.forEach((s, j) => {
    if (j === grain) return;
    const gap = Math.hypot(s.x - own.x, s.y - own.y);
    if (gap === 0) {
      edgeDistance = 0;
      return;
    }
    const d = ((px - s.x) ** 2 + (py - s.y) ** 2 - best) / (2 * gap);
    if (d < edgeDistance) edgeDistance = d;
  });
  return { grain, edgeDistance };
}

function checkOptions(o: Required<GrainOptions>): void {
  if (!Number.isInteger(o.count) || o.count < 0) throw new Error(`grains: count must be a non-negative integer (got ${o.count})`);
  if (!Number.isInteger(o.size) || o.size < 4) throw new Error(`grains: size must be an integer ≥ 4 (got ${o.size})`);
  o.grainsPerClass.forEach(([lo, hi], c) => {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 2 || hi < lo) {
      throw new Error(`grains: grainsPerClass[${c}] = [${lo}, ${hi}] must be integers with 2 ≤ low ≤ high`);
    }
  });
  if (o.grainsPerClass[0][1] >= o.grainsPerClass[1][0]) throw new Error('grains: the few-large class must have fewer grains than the many-small class (ranges overlap)');
  if (!(o.boundaryWidth > 0)) throw new Error(`grains: boundaryWidth must be > 0 (got ${o.boundaryWidth})`);
}

export function generateGrains(options: GrainOptions): GrainSet {
  const o: Required<GrainOptions> = { size: 32, grainsPerClass: [[3, 6], [14, 22]], boundaryWidth: 0.75, boundaryDepth: 0.5, noise: 0.04, ...options };
  checkOptions(o);
  const { count, size } = o;
  const rng = new Random(o.seed);
  const plane = size * size;
  const images = new Float32Array(count * plane);
  const boundary = new Float32Array(count * plane);
  const labels: number[] = [];
  const grainCounts: number[] = [];
  const seeds: GrainPoint[][] = [];

  for (let n = 0; n < count; n++) {
    const label = rng.int(0, 2);
    const [lo, hi] = o.grainsPerClass[label];
    const k = rng.int(lo, hi + 1);
    const centres = Array.from({ length: k }, () => ({ x: rng.uniform(0, size), y: rng.uniform(0, size) }));
    const grains = centres.map(() => ({
      level: rng.uniform(0.45, 0.8),
      angle: rng.uniform(0, Math.PI),
      frequency: rng.uniform(0.6, 1.2),
      phase: rng.uniform(0, 2 * Math.PI),
      amplitude: rng.uniform(0.02, 0.06),
    }));
    const offset = rng.uniform(-0.08, 0.08);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const [px, py] = [x + 0.5, y + 0.5];
        const { grain, edgeDistance } = voronoiCell(px, py, centres);
        const g = grains[grain];
        const along = px * Math.cos(g.angle) + py * Math.sin(g.angle);
        let v = g.level + offset + g.amplitude * Math.sin(g.frequency * along + g.phase);
        if (edgeDistance < o.boundaryWidth) {
          // A groove: darkest on the bisector, fading to the grain's level at the line's edge.
          v -= o.boundaryDepth * (1 - edgeDistance / o.boundaryWidth);
          boundary[n * plane + y * size + x] = 1;
        }
        images[n * plane + y * size + x] = v + o.noise * rng.normal();
      }
    labels.push(label);
    grainCounts.push(k);
    seeds.push(centres);
  }
  return {
    images: tensor([count, 1, size, size], images),
    labels,
    masks: { boundary: tensor([count, size, size], boundary) },
    grainCounts,
    seeds,
  };
}
