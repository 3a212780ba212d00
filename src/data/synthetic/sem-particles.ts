/**
 * SEM-like tiles of crystals on a substrate, controlled by five lot-level attributes in [0, 1] (the
 * reference scenario of the knobs issue, after LLNL's feedstock lots):
 * - size: mean particle radius, 3.5 → 8.5 px;
 * - porosity: density of pin-prick holes (≈ 1 px dark dots) on the crystal faces;
 * - polydispersity: spread of radii (log-normal, coefficient of variation 0.05 → 0.65);
 * - facetness: outline from round (0) to a pentagon with flat faces (1), blended radially, and the
 *   flat faces shaded each by its own tilt towards the detector (a faceted crystal shows planes of
 *   uniform brightness meeting at sharp lines; a round one a smooth dome) — at 3.5–8.5 px radius the
 *   outline alone moves by under a pixel, which neither a scientist nor a CNN sees in a 64×64 tile;
 * - decoy: crystal brightness (charging / detector gain) — the stress function ignores it.
 * SEM contrast: a dim textured substrate, a shadow down-right of every crystal, edge brightening
 * (secondary-electron yield rises where the beam meets a slope) and brightness-dependent shot noise.
 *
 * 30 lots by default, attributes drawn as a Latin hypercube (every attribute covers its range evenly
 * and by chance correlates little with the others, so the decoy does not shadow a real knob). The
 * label of every tile is its lot's peak stress: a hidden but known function of the attributes plus
 * a per-lot noise term — lot-level labels only, as in the paper.
 */
import { Random } from '../../tensor/random.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';

export const SEM_ATTRIBUTES = ['size', 'porosity', 'polydispersity', 'facetness', 'decoy'] as const;
export type SemAttribute = (typeof SEM_ATTRIBUTES)[number];
/** One lot's (or one tile's) attributes, in SEM_ATTRIBUTES order, each in [0, 1]. */
export type AttributeVector = readonly number[];

/** Corners of a fully faceted crystal. Five: a pentagon's harmonic is not the pixel grid's (4, 8). */
export const FACET_CORNERS = 5;

/**
 * The hidden peak stress (MPa) of a lot with these attributes: smaller, more porous, more
 * polydisperse and more faceted crystals are stronger (the direction the paper's Figure 3 reports),
 * with a size × facetness interaction so that the partial dependence is not just the coefficients.
 * The decoy is absent on purpose.
 */
export function peakStress(a: AttributeVector): number {
  const [size, porosity, poly, facet] = a;
  return 60 - 28 * size + 12 * porosity + 16 * poly + 20 * facet - 8 * size * facet + 6 * porosity * porosity;
}

/**
 * The true partial-dependence slope of peakStress along each attribute, averaged over the given
 * attribute vectors (central differences of the exact function; the function is smooth, so this is
 * its mean partial derivative). Per unit of attribute.
 */
export function peakStressSlopes(points: readonly AttributeVector[], h = 1e-3): number[] {
  return SEM_ATTRIBUTES.map((_, j) => {
    let sum = 0;
    for (const p of points) {
      const up = [...p];
      const down = [...p];
      up[j] += h;
      down[j] -= h;
      sum += (peakStress(up) - peakStress(down)) / (2 * h);
    }
    return sum / points.length;
  });
}

export interface SemLotsOptions {
  seed: number;
  lots?: number;
  tilesPerLot?: number;
  /** Tile side in pixels (default 64). */
  size?: number;
  /** σ of the per-lot stress noise, MPa (default 1.5). */
  lotNoise?: number;
}

export interface SemLots {
  /** [N, 1, S, S] in [0, 1]. */
  readonly images: Tensor;
  /** Lot index per tile. */
  readonly lots: readonly number[];
  /** Attributes per lot, SEM_ATTRIBUTES order. */
  readonly lotAttributes: readonly AttributeVector[];
  /** Peak stress per lot (the label: hidden function + lot noise). */
  readonly lotStress: readonly number[];
  /** Peak stress per tile (its lot's). */
  readonly stress: readonly number[];
  /** Seed of every tile's scene, so that a tile can be re-rendered with other attributes. */
  readonly tileSeeds: readonly number[];
}

/** Latin hypercube: each attribute's n values are one draw per stratum [k/n, (k+1)/n), shuffled. */
function latinHypercube(n: number, dims: number, rng: Random): number[][] {
  const columns = Array.from({ length: dims }, () => rng.permutation(n).map((k) => (k + rng.next()) / n));
  return Array.from({ length: n }, (_, i) => columns.map((c) => c[i]));
}

export function generateSemLots(options: SemLotsOptions): SemLots {
  const { seed, lots = 30, tilesPerLot = 40, size = 64, lotNoise = 1.5 } = options;
  if (!Number.isInteger(lots) || lots < 2) throw new Error(`sem-particles: lots must be an integer ≥ 2 (got ${lots})`);
  if (!Number.isInteger(tilesPerLot) || tilesPerLot < 1) throw new Error(`sem-particles: tilesPerLot must be a positive integer (got ${tilesPerLot})`);
  const rng = Random.forKey(seed, 'sem-lots');
  const lotAttributes = latinHypercube(lots, SEM_ATTRIBUTES.length, rng);
  const lotStress = lotAttributes.map((a) => peakStress(a) + rng.normal(0, lotNoise));
  const n = lots * tilesPerLot;
  const images = new Float32Array(n * size * size);
  const lotOf: number[] = [];
  const tileSeeds: number[] = [];
  for (let i = 0; i < n; i++) {
    const lot = Math.floor(i / tilesPerLot);
    const tileSeed = rng.uint32();
    lotOf.push(lot);
    tileSeeds.push(tileSeed);
    images.set(renderSemTile(lotAttributes[lot], tileSeed, size), i * size * size);
  }
  return { images: tensor([n, 1, size, size], images), lots: lotOf, lotAttributes, lotStress, stress: lotOf.map((l) => lotStress[l]), tileSeeds };
}

interface Crystal {
  x: number;
  y: number;
  radius: number;
  rotation: number;
  holes: { x: number; y: number }[];
}

/** Mean over θ of the pentagon's radial profile, so that faceting keeps a crystal's mean radius. */
const POLYGON_MEAN = (() => {
  let s = 0;
  const steps = 3600;
  for (let k = 0; k < steps; k++) s += polygonRadius((2 * Math.PI * k) / steps);
  return s / steps;
})();

/** Radius of a regular polygon with circumradius 1 (corners at θ = 2πk/n) in direction θ. */
function polygonRadius(theta: number): number {
  const sector = (2 * Math.PI) / FACET_CORNERS;
  const t = ((theta % sector) + sector) % sector;
  return Math.cos(Math.PI / FACET_CORNERS) / Math.cos(t - Math.PI / FACET_CORNERS);
}

/** The outline radius of a crystal in direction θ: circle blended with the mean-normalised polygon. */
function outlineRadius(c: Crystal, facet: number, theta: number): number {
  return c.radius * ((1 - facet) + (facet * polygonRadius(theta - c.rotation)) / POLYGON_MEAN);
}

/** Places non-overlapping crystals (rejection sampling) until about 35% of the tile is covered. */
function placeCrystals(a: AttributeVector, rng: Random, side: number): Crystal[] {
  const [size, porosity, poly] = a;
  const mean = 3.5 + 5 * size;
  const cv = 0.05 + 0.6 * poly;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const target = Math.max(1, Math.round((0.35 * side * side) / (Math.PI * mean * mean)));
  const crystals: Crystal[] = [];
  for (let attempt = 0; attempt < target * 30 && crystals.length < target; attempt++) {
    const radius = Math.min(side / 3, Math.max(2, mean * Math.exp(rng.normal(-sigma * sigma / 2, sigma))));
    const x = rng.uniform(-2, side + 2);
    const y = rng.uniform(-2, side + 2);
    if (crystals.some((c) => Math.hypot(c.x - x, c.y - y) < (c.radius + radius) * 1.12 + 1.5)) continue;
    const holes: { x: number; y: number }[] = [];
    const count = rng.poisson(porosity * 0.05 * Math.PI * radius * radius);
    for (let h = 0; h < count; h++) {
      const r = Math.sqrt(rng.next()) * Math.max(0, radius - 2.2);
      const phi = rng.uniform(0, 2 * Math.PI);
      holes.push({ x: x + r * Math.cos(phi), y: y + r * Math.sin(phi) });
    }
    crystals.push({ x, y, radius, rotation: rng.uniform(0, 2 * Math.PI), holes });
  }
  return crystals;
}

/** Brightness step between a face turned to the detector and one turned away, at full facetness. */
const FACE_CONTRAST = 0.16;
/** The secondary-electron detector sits up-left of the field (the shadows fall down-right). */
const DETECTOR_ANGLE = Math.atan2(-1, -1);

/**
 * Shading of the flat face of a fully faceted crystal that (px, py) lies on: each of the polygon's
 * faces is one plane, brighter the more its outward normal points towards the detector. Over the
 * faces of a regular polygon the cosines sum to zero, so faceting moves no crystal's mean brightness
 * (which would mimic the decoy).
 */
function faceShading(c: Crystal, px: number, py: number): number {
  const sector = (2 * Math.PI) / FACET_CORNERS;
  const t = (((Math.atan2(py - c.y, px - c.x) - c.rotation) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  const normal = c.rotation + (Math.floor(t / sector) + 0.5) * sector;
  return (FACE_CONTRAST / 2) * Math.cos(normal - DETECTOR_ANGLE);
}

/**
 * Renders one S×S tile (row-major, values in [0, 1]) of a scene drawn from `tileSeed` with the
 * attributes `a`. The same seed with other attributes gives the "same" field of view edited (the
 * random draws are made in the same order), which the tests use as the ground-truth edit.
 */
export function renderSemTile(a: AttributeVector, tileSeed: number, side = 64): Float32Array {
  const rng = new Random(tileSeed);
  const facet = a[3];
  const brightness = 0.5 + 0.25 * a[4];
  const crystals = placeCrystals(a, rng, side);
  // Substrate: dim, with a gentle texture from three random plane waves.
  const waves = Array.from({ length: 3 }, () => ({ kx: rng.uniform(-0.3, 0.3), ky: rng.uniform(-0.3, 0.3), phase: rng.uniform(0, 6.28) }));
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let v = 0.22;
      for (const w of waves) v += 0.02 * Math.sin(w.kx * x + w.ky * y + w.phase);
      out[y * side + x] = v;
    }
  }
  const coverage = (c: Crystal, px: number, py: number): { inside: number; depth: number } => {
    const dx = px - c.x;
    const dy = py - c.y;
    const rho = Math.hypot(dx, dy);
    const edge = outlineRadius(c, facet, Math.atan2(dy, dx));
    const depth = edge - rho;
    return { inside: Math.min(1, Math.max(0, depth + 0.5)), depth };
  };
  // Shadows first (they fall on the substrate only), then the crystals on top.
  for (const c of crystals) {
    const reach = c.radius * 1.5 + 4;
    for (let y = Math.max(0, Math.floor(c.y - reach)); y < Math.min(side, Math.ceil(c.y + reach)); y++) {
      for (let x = Math.max(0, Math.floor(c.x - reach)); x < Math.min(side, Math.ceil(c.x + reach)); x++) {
        const s = coverage(c, x + 0.5 - 1.5, y + 0.5 - 1.5).inside;
        out[y * side + x] *= 1 - 0.45 * s;
      }
    }
  }
  for (const c of crystals) {
    const reach = c.radius * 1.5 + 2;
    for (let y = Math.max(0, Math.floor(c.y - reach)); y < Math.min(side, Math.ceil(c.y + reach)); y++) {
      for (let x = Math.max(0, Math.floor(c.x - reach)); x < Math.min(side, Math.ceil(c.x + reach)); x++) {
        const { inside, depth } = coverage(c, x + 0.5, y + 0.5);
        if (inside <= 0) continue;
        let v = brightness + 0.25 * Math.exp(-Math.max(0, depth) / 1.2) + facet * faceShading(c, x + 0.5, y + 0.5);
        for (const h of c.holes) {
          const d = Math.hypot(x + 0.5 - h.x, y + 0.5 - h.y);
          v -= 0.45 * Math.min(1, Math.max(0, 1.2 - d));
        }
        const i = y * side + x;
        out[i] = out[i] * (1 - inside) + v * inside;
      }
    }
  }
  // Shot noise: variance proportional to the signal.
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i] + rng.normal(0, 0.04 * Math.sqrt(Math.max(out[i], 0.01)))));
  return out;
}
