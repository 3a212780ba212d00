/**
 * What a structure–property study takes: paired images and spectra, which rows are held out, and —
 * when known — labels (cluster size), generative factors and geometry coordinates. The demo's
 * plasmonic clusters fill every field; a user's data needs only images, spectra and the held-out rows.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString } from '../../tensor/tensor.js';
import type { Factor } from '../../generative/structure-property/latent-analysis.js';
import { DEFAULT_GAP_RANGE, DEFAULT_HELD_OUT, DEFAULT_RADIUS_RANGE, inHeldOutRegion, type PlasmonicClusters } from '../../data/synthetic/plasmonic-clusters.js';

export interface PairedData {
  /** Structure images [N, C, S, S], intensities ≈ [0, 1] (the image decoder ends in a sigmoid). */
  images: Tensor;
  /** Property spectra [N, B]. */
  spectra: Tensor;
  /** Bin centres (nm, eV…; default the bin index). */
  wavelengths: Float32Array;
  /** Unit of `wavelengths` for axis titles. */
  wavelengthUnit: string;
  /** Rows never used for training (the "never encountered" test). */
  heldOut: boolean[];
  /** Optional name of the held-out region of each held-out row (e.g. 'interior', 'edge'): errors are also reported per region. */
  heldOutRegions?: (string | undefined)[];
  /** A class label per row (the number of particles in a cluster): coloured latents and the linear probe. */
  labels?: number[];
  /** Name of what `labels` count. */
  labelName?: string;
  /** Generative factors per row, for the latent↔factor table. */
  factors?: Factor[];
  /** Geometry coordinates per row scaled to [0, 1] and a group per row, for the distance from the training region. */
  geometry?: { coordinates: number[][]; groups: number[]; names: string[] };
}

/** A problem with the data or models the user gave (not a failure of ours): the CLI shows it as one line. */
export class StudyInputError extends Error {}

export function checkPairedData(d: PairedData): void {
  const n = d.images.shape[0];
  if (d.images.shape.length !== 4 || d.images.shape[2] !== d.images.shape[3]) throw new StudyInputError(`images have shape ${shapeToString(d.images.shape)}; give square images [N, C, S, S]`);
  if (d.spectra.shape.length !== 2 || d.spectra.shape[0] !== n) throw new StudyInputError(`spectra have shape ${shapeToString(d.spectra.shape)}; give one spectrum per image: [${n}, bins]`);
  if (d.wavelengths.length !== d.spectra.shape[1]) throw new StudyInputError(`${d.wavelengths.length} wavelengths for ${d.spectra.shape[1]} spectral bins; give one per bin`);
  if (d.heldOut.length !== n) throw new StudyInputError(`the held-out flags cover ${d.heldOut.length} rows but there are ${n} images`);
  const held = d.heldOut.filter(Boolean).length;
  if (held < 2 || n - held < 8) throw new StudyInputError(`${held} held-out and ${n - held} training rows; hold out at least 2 and train on at least 8`);
  if (d.labels && d.labels.length !== n) throw new StudyInputError(`${d.labels.length} labels for ${n} rows; give one per row`);
}

/** The demo scenario as paired data: labels = particles, factors, (radius, gap) scaled to [0, 1] grouped by particle count. */
export function pairedFromClusters(c: PlasmonicClusters): PairedData {
  const scale = (v: number, [lo, hi]: readonly [number, number]) => (v - lo) / (hi - lo);
  return {
    images: c.images,
    spectra: c.spectra,
    wavelengths: c.wavelengths,
    wavelengthUnit: 'nm',
    heldOut: c.heldOut,
    // DEFAULT_HELD_OUT's two boxes: interpolation inside the training ranges, extrapolation at their edge.
    heldOutRegions: c.geometry.map((g, i) => (!c.heldOut[i] ? undefined : inHeldOutRegion(g, DEFAULT_HELD_OUT[1]) ? 'edge (closest gaps)' : 'interior')),
    labels: c.geometry.map((g) => g.particles),
    labelName: 'particles',
    factors: [
      { name: 'particles', values: c.geometry.map((g) => g.particles) },
      { name: 'radius', values: c.geometry.map((g) => g.radius) },
      { name: 'gap', values: c.geometry.map((g) => g.gap) },
      { name: 'cos 2θ', values: c.geometry.map((g) => (g.particles > 1 ? Math.cos(2 * g.orientation) : 0)) },
      { name: 'sin 2θ', values: c.geometry.map((g) => (g.particles > 1 ? Math.sin(2 * g.orientation) : 0)) },
    ],
    geometry: {
      names: ['radius', 'gap'],
      coordinates: c.geometry.map((g) => [scale(g.radius, DEFAULT_RADIUS_RANGE), g.particles > 1 ? scale(g.gap, DEFAULT_GAP_RANGE) : 0]),
      groups: c.geometry.map((g) => g.particles),
    },
  };
}
