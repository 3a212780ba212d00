/**
 * The lecture's reference scenario: 32×32 greyscale EM-like tiles on a noisy textured background,
 * label 1 when a centre-region disk defect is present, and an optional corner artifact (a small
 * bright square) that a *shortcut* training set ties to the label. Everything is seeded.
 */
import { Random } from '../../tensor/random.js';
import { tensor } from '../../tensor/tensor.js';
import type { Dataset } from '../dataset.js';

export type ArtifactRule =
  /** never present (the clean set) */
  | 'none'
  /** present exactly on defect images (the shortcut set) */
  | 'with-defect'
  /** present on every image */
  | 'always';

export interface EmDefectOptions {
  count: number;
  seed: number;
  size?: number;
  /** Share of images with a defect. */
  defectRate?: number;
  artifact?: ArtifactRule;
  /** Number of specimens the tiles come from; each has its own brightness and texture. */
  specimens?: number;
  /** Gaussian read-noise σ. */
  noise?: number;
  /** Defect contrast range (added intensity). */
  contrast?: readonly [number, number];
  /** Defect radius range in pixels. */
  radius?: readonly [number, number];
  /** Side of the corner artifact square in pixels. */
  artifactSize?: number;
  /**
   * Defect probability per specimen (one per specimen), replacing defectRate: ties the label to the
   * specimen, as when whole specimens come from a defective batch. For leakage studies.
   */
  specimenDefectRates?: readonly number[];
  /**
   * Hot pixels per specimen: saturated pixels at fixed detector positions, the same in every tile of
   * a specimen (each specimen imaged in its own session): a fingerprint of specimen identity.
   */
  hotPixels?: number;
}

/** The corner artifact: a saturated square at the top-left corner, like a detector hot spot. */
export const DEFAULT_ARTIFACT_SIZE = 4;
export const ARTIFACT_INTENSITY = 1;

export interface EmDefectSet extends Dataset {
  /** The same tiles before the artifact was painted in (for the "remove the artifact" test). */
  readonly withoutArtifact: Dataset['images'];
  readonly hasArtifact: readonly boolean[];
}

interface Specimen {
  base: number;
  waves: { kx: number; ky: number; phase: number; amp: number }[];
}

function makeSpecimen(rng: Random): Specimen {
  return {
    base: rng.uniform(0.28, 0.42),
    waves: Array.from({ length: 3 }, () => ({
      kx: rng.uniform(-0.9, 0.9),
      ky: rng.uniform(-0.9, 0.9),
      phase: rng.uniform(0, 2 * Math.PI),
      amp: rng.uniform(0.015, 0.04),
    })),
  };
}

/** Region mask of the corner artifact, [size, size]. */
export function cornerMask(size = 32, artifactSize = DEFAULT_ARTIFACT_SIZE): Float32Array {
  const m = new Float32Array(size * size);
  for (let y = 0; y < artifactSize; y++) for (let x = 0; x < artifactSize; x++) m[y * size + x] = 1;
  return m;
}

/** Paints the artifact into one [H, W] tile in place. */
export function paintArtifact(tile: Float32Array, size = 32, artifactSize = DEFAULT_ARTIFACT_SIZE): void {
  for (let y = 0; y < artifactSize; y++) for (let x = 0; x < artifactSize; x++) tile[y * size + x] = ARTIFACT_INTENSITY;
}

export function generateEmDefects(options: EmDefectOptions): EmDefectSet {
  const {
    count,
    seed,
    size = 32,
    defectRate = 0.5,
    artifact = 'none',
    specimens = 20,
    noise = 0.04,
    contrast = [0.18, 0.35],
    radius = [3, 6],
    artifactSize = DEFAULT_ARTIFACT_SIZE,
    specimenDefectRates,
    hotPixels = 0,
  } = options;
  if (specimenDefectRates && specimenDefectRates.length !== specimens) {
    throw new Error(`specimenDefectRates has ${specimenDefectRates.length} entries but there are ${specimens} specimens; give one rate per specimen`);
  }
  const rng = new Random(seed);
  const specimenList = Array.from({ length: specimens }, () => makeSpecimen(rng));
  // A stream of its own, so sets without hot pixels stay identical to what they were before the option.
  const hotRng = new Random(seed ^ 0x407b1e);
  const hotPixelsOf = specimenList.map(() => Array.from({ length: hotPixels }, () => hotRng.int(0, size * size)));
  const pixels = size * size;
  const images = new Float32Array(count * pixels);
  const plain = new Float32Array(count * pixels);
  const defectMasks = new Float32Array(count * pixels);
  const cornerMasks = new Float32Array(count * pixels);
  const corner = cornerMask(size, artifactSize);
  const labels: number[] = [];
  const groups: number[] = [];
  const hasArtifact: boolean[] = [];

  for (let n = 0; n < count; n++) {
    const specimenId = rng.int(0, specimens);
    const sp = specimenList[specimenId];
    const label = rng.next() < (specimenDefectRates ? specimenDefectRates[specimenId] : defectRate) ? 1 : 0;
    const tile = plain.subarray(n * pixels, (n + 1) * pixels);
    const shift = { x: rng.uniform(0, 32), y: rng.uniform(0, 32) };
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = sp.base;
        for (const w of sp.waves) v += w.amp * Math.sin(w.kx * (x + shift.x) + w.ky * (y + shift.y) + w.phase);
        tile[y * size + x] = v;
      }
    }
    if (label === 1) {
      const cx = size / 2 - 0.5 + rng.uniform(-3, 3);
      const cy = size / 2 - 0.5 + rng.uniform(-3, 3);
      const r = rng.uniform(radius[0], radius[1]);
      const c = rng.uniform(contrast[0], contrast[1]);
      const mask = defectMasks.subarray(n * pixels, (n + 1) * pixels);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const d = Math.hypot(x - cx, y - cy);
          // A soft edge over one pixel, like a real precipitate's projected thickness.
          const weight = Math.min(1, Math.max(0, r + 0.5 - d));
          tile[y * size + x] += c * weight;
          if (d <= r) mask[y * size + x] = 1;
        }
      }
    }
    for (let i = 0; i < pixels; i++) tile[i] = Math.min(1, Math.max(0, tile[i] + rng.normal(0, noise)));
    for (const p of hotPixelsOf[specimenId]) tile[p] = ARTIFACT_INTENSITY;
    const out = images.subarray(n * pixels, (n + 1) * pixels);
    out.set(tile);
    const withArtifact = artifact === 'always' || (artifact === 'with-defect' && label === 1);
    if (withArtifact) paintArtifact(out, size, artifactSize);
    cornerMasks.set(corner, n * pixels);
    labels.push(label);
    groups.push(specimenId);
    hasArtifact.push(withArtifact);
  }
  return {
    images: tensor([count, 1, size, size], images),
    withoutArtifact: tensor([count, 1, size, size], plain),
    labels,
    groups,
    hasArtifact,
    masks: { defect: tensor([count, size, size], defectMasks), corner: tensor([count, size, size], cornerMasks) },
  };
}
