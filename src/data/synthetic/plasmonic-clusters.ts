/**
 * The structure–property reference scenario (Kalinin's lecture, im2spec / dual VAE): gold-like
 * nanoparticle clusters — monomers, dimers, trimers in a chain — seen in a dark-field microscope
 * (bright particles on a dark background), each paired with its scattering spectrum.
 *
 * The spectrum is a small physical model, not a simulation: Lorentzian plasmon peaks whose positions
 * and widths follow the textbook trends.
 *  - Single particle: the dipole resonance red-shifts and broadens with size (retardation and
 *    radiative damping): λ₁ = 520 + 12·(r − 2) nm, γ₁ = 45 + 12·(r − 2) nm (r in pixels).
 *  - Coupled clusters (n ≥ 2): the longitudinal bonding mode red-shifts by the "plasmon ruler"
 *    law (Jain, Huang & El-Sayed 2007), Δλ/λ₁ = κₙ·exp(−(s/D)/0.23) with gap s and diameter D = 2r;
 *    longer chains shift more (κ₂ = 0.18, κ₃ = 0.27) and the mode broadens (γ = γ₁·(1 + 0.25(n − 1))).
 *    The transverse mode blue-shifts slightly (−1.5% at contact) and keeps the single-particle width.
 *  - Illumination is unpolarised, so both modes appear (longitudinal ⅔, transverse ⅓ of the
 *    cluster's strength) and the orientation of the cluster does NOT change its spectrum: it is a
 *    factor of the image only, which is exactly what a structure–property model must learn to ignore.
 *  - Strength ∝ n·(r/3)³ (scattering grows with the particles' volume), plus Gaussian noise.
 *
 * A region of geometry space — a box of radius × gap — is held out of training: the lecture's
 * "predict the optical response of a geometry the network has never encountered", measured.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/tensor.js';
import { Random } from '../../tensor/random.js';

export interface ClusterGeometry {
  /** Particles in the cluster (1 = monomer, 2 = dimer, 3 = trimer chain). */
  particles: number;
  /** Particle radius in pixels. */
  radius: number;
  /** Surface-to-surface gap between neighbours in pixels (0 for a monomer: it has none). */
  gap: number;
  /** Direction of the chain axis in radians, [0, π) (0 for a monomer). */
  orientation: number;
}

/** A box of geometry space kept out of training. */
export interface HeldOutRegion {
  radius: readonly [number, number];
  /** Gap range of the box; monomers (no gap) are held out on radius alone. */
  gap: readonly [number, number];
  /** Cluster sizes the box applies to (default all). */
  particles?: readonly number[];
}

export interface PlasmonicClusterOptions {
  count: number;
  seed: number;
  /** Image side in pixels (default 32). */
  size?: number;
  /** Spectral bins (default 128) spanning `wavelengthRange`. */
  bins?: number;
  wavelengthRange?: readonly [number, number];
  /** Cluster sizes drawn uniformly (default 1, 2, 3). */
  particleCounts?: readonly number[];
  radiusRange?: readonly [number, number];
  gapRange?: readonly [number, number];
  /** Standard deviation of the image's Gaussian noise (intensities ~ [0, 1]; default 0.03). */
  imageNoise?: number;
  /** Standard deviation of the spectrum's Gaussian noise (peak heights ~ 0.3–1.5; default 0.02). */
  spectrumNoise?: number;
  heldOut?: HeldOutRegion | readonly HeldOutRegion[];
}

export interface PlasmonicClusters {
  /** Dark-field images [N, 1, size, size], intensities in [0, 1]. */
  images: Tensor;
  /** Scattering spectra [N, bins]. */
  spectra: Tensor;
  /** Bin-centre wavelengths in nm. */
  wavelengths: Float32Array;
  geometry: ClusterGeometry[];
  /** Whether each example lies in the held-out region (never used for training). */
  heldOut: boolean[];
}

export const DEFAULT_RADIUS_RANGE: readonly [number, number] = [2, 3.8];
export const DEFAULT_GAP_RANGE: readonly [number, number] = [0.5, 3];
/**
 * Two boxes: one inside the training ranges (interpolation: radius 2.75–3.25 px with gap
 * 1.25–2.25 px, every cluster size) and one at their edge (extrapolation: the closest gaps,
 * 0.5–0.8 px, of dimers and trimers — the strongest coupling, whose red shift no training
 * example reaches).
 */
export const DEFAULT_HELD_OUT: readonly HeldOutRegion[] = [
  { radius: [2.75, 3.25], gap: [1.25, 2.25] },
  { radius: [2, 3.8], gap: [0.5, 0.8], particles: [2, 3] },
];

export function inHeldOutRegion(g: ClusterGeometry, regions: HeldOutRegion | readonly HeldOutRegion[]): boolean {
  return (Array.isArray(regions) ? regions : [regions]).some((r: HeldOutRegion) => inRegion(g, r));
}

function inRegion(g: ClusterGeometry, region: HeldOutRegion): boolean {
  if (region.particles && !region.particles.includes(g.particles)) return false;
  const inRadius = g.radius >= region.radius[0] && g.radius <= region.radius[1];
  if (g.particles === 1) return inRadius;
  return inRadius && g.gap >= region.gap[0] && g.gap <= region.gap[1];
}

/** The noise-free spectrum of one geometry (the physical model above), written into `out`. */
export function clusterSpectrum(g: ClusterGeometry, wavelengths: Float32Array, out: Float32Array): void {
  const lambda1 = 520 + 12 * (g.radius - 2);
  const gamma1 = 45 + 12 * (g.radius - 2);
  const strength = g.particles * (g.radius / 3) ** 3;
  const lorentz = (l: number, centre: number, width: number) => {
    const h = width / 2;
    return (h * h) / ((l - centre) ** 2 + h * h);
  };
  if (g.particles === 1) {
    for (let i = 0; i < wavelengths.length; i++) out[i] = strength * lorentz(wavelengths[i], lambda1, gamma1);
    return;
  }
  const kappa = g.particles === 2 ? 0.18 : 0.27 + 0.06 * (g.particles - 3);
  const coupling = Math.exp(-(g.gap / (2 * g.radius)) / 0.23);
  const lambdaL = lambda1 * (1 + kappa * coupling);
  const gammaL = gamma1 * (1 + 0.25 * (g.particles - 1));
  const lambdaT = lambda1 * (1 - 0.015 * coupling);
  for (let i = 0; i < wavelengths.length; i++) {
    const l = wavelengths[i];
    out[i] = strength * ((2 / 3) * lorentz(l, lambdaL, gammaL) + (1 / 3) * lorentz(l, lambdaT, gamma1));
  }
}

/** Particle centres of a chain through the image centre (plus `shift`), along `orientation`. */
export function particleCentres(g: ClusterGeometry, size: number, shift: readonly [number, number] = [0, 0]): [number, number][] {
  const pitch = 2 * g.radius + g.gap;
  const cx = (size - 1) / 2 + shift[0];
  const cy = (size - 1) / 2 + shift[1];
  const dx = Math.cos(g.orientation);
  const dy = Math.sin(g.orientation);
  return Array.from({ length: g.particles }, (_, k) => {
    const t = (k - (g.particles - 1) / 2) * pitch;
    return [cx + t * dx, cy + t * dy];
  });
}

/**
 * Renders soft disks (a 0.6-pixel logistic edge, as a diffraction-limited dark-field image blurs
 * them) of brightness 0.85 on a 0.05 background into `out` [size·size], without noise.
 */
export function renderCluster(centres: readonly [number, number][], radius: number, size: number, out: Float32Array): void {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0;
      for (const [cx, cy] of centres) {
        const d = Math.hypot(x - cx, y - cy);
        cover = Math.max(cover, 1 / (1 + Math.exp((d - radius) / 0.6)));
      }
      out[y * size + x] = 0.05 + 0.85 * cover;
    }
  }
}

export function plasmonicClusters(options: PlasmonicClusterOptions): PlasmonicClusters {
  const {
    count,
    seed,
    size = 32,
    bins = 128,
    wavelengthRange = [400, 900],
    particleCounts = [1, 2, 3],
    radiusRange = DEFAULT_RADIUS_RANGE,
    gapRange = DEFAULT_GAP_RANGE,
    imageNoise = 0.03,
    spectrumNoise = 0.02,
    heldOut = DEFAULT_HELD_OUT,
  } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`plasmonic clusters: count must be a positive integer (got ${count})`);
  if (!Number.isInteger(size) || size < 16) throw new Error(`plasmonic clusters: size must be an integer ≥ 16 (got ${size})`);
  if (!Number.isInteger(bins) || bins < 8) throw new Error(`plasmonic clusters: bins must be an integer ≥ 8 (got ${bins})`);
  if (particleCounts.length === 0 || particleCounts.some((p) => !Number.isInteger(p) || p < 1)) throw new Error('plasmonic clusters: particle counts must be positive integers');
  const longest = Math.max(...particleCounts) * 2 * radiusRange[1] + (Math.max(...particleCounts) - 1) * gapRange[1];
  if (longest > size - 2) throw new Error(`plasmonic clusters: the longest cluster (${longest.toFixed(1)} px) does not fit a ${size}-pixel image; use a larger size or smaller particles`);

  const wavelengths = Float32Array.from({ length: bins }, (_, i) => wavelengthRange[0] + ((i + 0.5) * (wavelengthRange[1] - wavelengthRange[0])) / bins);
  const rng = new Random(seed);
  const geometryRng = rng.fork('geometry');
  const imageRng = rng.fork('image-noise');
  const spectrumRng = rng.fork('spectrum-noise');
  const plane = size * size;
  const images = new Float32Array(count * plane);
  const spectra = new Float32Array(count * bins);
  const geometry: ClusterGeometry[] = [];
  const held: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const particles = particleCounts[geometryRng.int(0, particleCounts.length)];
    const radius = geometryRng.uniform(radiusRange[0], radiusRange[1]);
    const gap = particles > 1 ? geometryRng.uniform(gapRange[0], gapRange[1]) : 0;
    const orientation = particles > 1 ? geometryRng.uniform(0, Math.PI) : 0;
    const g: ClusterGeometry = { particles, radius, gap, orientation };
    // The cluster sits near the centre with a little jitter, as a particle picked out of a field would.
    const length = particles * 2 * radius + (particles - 1) * gap;
    const room = Math.max(0, Math.min(1.5, (size - 2 - length) / 2));
    const shift: [number, number] = [geometryRng.uniform(-room, room), geometryRng.uniform(-room, room)];
    const image = images.subarray(i * plane, (i + 1) * plane);
    renderCluster(particleCentres(g, size, shift), radius, size, image);
    imageRng.addNormal(image, 0, plane, imageNoise);
    // A detector records no negative light and saturates: intensities stay in [0, 1].
    for (let p = 0; p < plane; p++) image[p] = Math.min(1, Math.max(0, image[p]));
    const spectrum = spectra.subarray(i * bins, (i + 1) * bins);
    clusterSpectrum(g, wavelengths, spectrum);
    spectrumRng.addNormal(spectrum, 0, bins, spectrumNoise);
    geometry.push(g);
    held.push(inHeldOutRegion(g, heldOut));
  }
  return { images: tensor([count, 1, size, size], images), spectra: tensor([count, bins], spectra), wavelengths, geometry, heldOut: held };
}
