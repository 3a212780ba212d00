/**
 * Attribution through the encoder–decoders, with the library's own Integrated Gradients (Captum
 * semantics, baseline 0) and the output-band targets of attribution/common:
 *  - im2spec: which pixels of the structure image drive the predicted spectrum's main peak (the sum
 *    of the predicted spectrum over a band of ±4 bins around its maximum). Scored by the share of the
 *    positive attribution that falls on the particles (pixels brighter than halfway between the
 *    image's background and its brightest pixel), which a model reading the structure should put there.
 *  - spec2im: which wavelengths drive a region of the predicted image (the pixels the model draws as
 *    particle, predicted intensity > 0.5). Scored by the share of |attribution| inside the true
 *    spectrum's peak (bins above half its maximum).
 * Completeness (Σ attribution = f(x) − f(0), IG's convergence delta) is reported for both.
 */
import { takeRows } from '../../tensor/tensor.js';
import type { Model } from '../../models/model.js';
import { integratedGradients } from '../../attribution/integrated-gradients.js';
import { outputRegionTarget, spectralBandTarget } from '../../attribution/common/output-band-target.js';
import type { PairedData } from './paired-data.js';

export interface BandAttribution {
  row: number;
  /** Bins explained (inclusive) and their wavelengths. */
  band: [number, number];
  bandWavelengths: [number, number];
  /** Share of the positive attribution on particle pixels. */
  onStructureShare: number;
  /** Relative completeness gap |Σφ − Δf| / |Δf|. */
  completenessGap: number;
  /** The attribution map [S·S] (rounded), for the report. */
  map: number[];
}

export interface RegionAttribution {
  row: number;
  regionPixels: number;
  /** Share of |attribution| on the bins of the true spectrum's peak (above half its maximum). */
  inPeakShare: number;
  /** Wavelength of the largest |attribution| and of the true spectrum's maximum. */
  attributionPeak: number;
  spectrumPeak: number;
  completenessGap: number;
  /** Attribution per wavelength (rounded). */
  values: number[];
}

export interface EncoderDecoderExplanations {
  method: 'integrated-gradients';
  /** IG steps for the spectral band (im2spec) and the image region (spec2im). */
  steps: { spectralBand: number; imageRegion: number };
  /** Rows shown in the report (the first few explained). */
  examples: number[];
  spectralBand: { perExample: BandAttribution[]; meanOnStructureShare: number; structurePixelShare: number };
  imageRegion: { perExample: RegionAttribution[]; meanInPeakShare: number; peakBinShare: number };
}

/** IG steps: 32 suffice for im2spec's ReLU network; spec2im ends in a sigmoid whose saturation needs more for completeness. */
const STEPS = 32;
const REGION_STEPS = 96;
const round = (v: number) => Number(v.toPrecision(4));

export async function explainThroughEncoderDecoders(args: { im2spec: Model; spec2im: Model; data: PairedData; rows: readonly number[]; seed: number; count?: number; shown?: number; onProgress?: (fraction: number) => void }): Promise<EncoderDecoderExplanations> {
  const { im2spec, spec2im, data, seed } = args;
  const count = Math.min(args.count ?? 8, args.rows.length);
  // Prefer coupled clusters when labels say which rows are (their peak is the coupled mode).
  const preferred = data.labels ? [...args.rows.filter((r) => data.labels![r] > 1), ...args.rows.filter((r) => data.labels![r] <= 1)] : [...args.rows];
  const rows = preferred.slice(0, count);
  const ig = integratedGradients;
  const bins = data.spectra.shape[1];
  const pixels = data.images.data.length / data.images.shape[0];

  const images = takeRows(data.images, rows);
  const predictedSpectra = await im2spec.forward(images);
  const perBand: BandAttribution[] = [];
  let structurePixels = 0;
  for (let k = 0; k < rows.length; k++) {
    const spectrum = predictedSpectra.data.subarray(k * bins, (k + 1) * bins);
    let peak = 0;
    for (let j = 1; j < bins; j++) if (spectrum[j] > spectrum[peak]) peak = j;
    const band: [number, number] = [Math.max(0, peak - 4), Math.min(bins - 1, peak + 4)];
    const one = takeRows(images, [k]);
    const a = await ig.attribute(im2spec, one, { target: spectralBandTarget(1, bins, band[0], band[1]), steps: STEPS, seed });
    const map = a.values.data;
    const image = one.data;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of image) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const threshold = (lo + hi) / 2;
    let positive = 0;
    let onStructure = 0;
    for (let p = 0; p < pixels; p++) {
      if (image[p] > threshold) structurePixels += 1 / (pixels * rows.length);
      if (map[p] > 0) {
        positive += map[p];
        if (image[p] > threshold) onStructure += map[p];
      }
    }
    perBand.push({ row: rows[k], band, bandWavelengths: [data.wavelengths[band[0]], data.wavelengths[band[1]]], onStructureShare: positive > 0 ? onStructure / positive : 0, completenessGap: completenessGap(a.extras), map: Array.from(map, round) });
    args.onProgress?.((k + 1) / (2 * rows.length));
  }

  const spectra = takeRows(data.spectra, rows);
  const predictedImages = await spec2im.forward(spectra);
  const perRegion: RegionAttribution[] = [];
  let peakBins = 0;
  for (let k = 0; k < rows.length; k++) {
    const predicted = predictedImages.data.subarray(k * pixels, (k + 1) * pixels);
    let mask: Float32Array = Float32Array.from(predicted, (v) => (v > 0.5 ? 1 : 0));
    if (!mask.some((v) => v > 0)) mask = topShare(predicted, 0.1);
    const one = takeRows(spectra, [k]);
    const a = await ig.attribute(spec2im, one, { target: outputRegionTarget(1, pixels, mask), steps: REGION_STEPS, seed });
    const values = a.values.data;
    const truth = one.data;
    let maxTrue = 0;
    for (let j = 1; j < bins; j++) if (truth[j] > truth[maxTrue]) maxTrue = j;
    let total = 0;
    let inPeak = 0;
    let maxAttr = 0;
    for (let j = 0; j < bins; j++) {
      total += Math.abs(values[j]);
      if (truth[j] > truth[maxTrue] / 2) {
        inPeak += Math.abs(values[j]);
        peakBins += 1 / (bins * rows.length);
      }
      if (Math.abs(values[j]) > Math.abs(values[maxAttr])) maxAttr = j;
    }
    perRegion.push({ row: rows[k], regionPixels: mask.reduce((s, v) => s + v, 0), inPeakShare: total > 0 ? inPeak / total : 0, attributionPeak: data.wavelengths[maxAttr], spectrumPeak: data.wavelengths[maxTrue], completenessGap: completenessGap(a.extras), values: Array.from(values, round) });
    args.onProgress?.(0.5 + (k + 1) / (2 * rows.length));
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return {
    method: 'integrated-gradients',
    steps: { spectralBand: STEPS, imageRegion: REGION_STEPS },
    examples: rows.slice(0, args.shown ?? 3),
    spectralBand: { perExample: perBand, meanOnStructureShare: mean(perBand.map((b) => b.onStructureShare)), structurePixelShare: structurePixels },
    imageRegion: { perExample: perRegion, meanInPeakShare: mean(perRegion.map((r) => r.inPeakShare)), peakBinShare: peakBins },
  };
}

function completenessGap(extras: Readonly<Record<string, unknown>> | undefined): number {
  const c = extras?.completeness as { relativeGap?: number[] } | undefined;
  return c?.relativeGap?.[0] ?? NaN;
}

/** A mask of the brightest `share` of the values. */
function topShare(values: Float32Array, share: number): Float32Array {
  const sorted = Array.from(values).sort((a, b) => b - a);
  const cut = sorted[Math.max(0, Math.floor(values.length * share) - 1)];
  return Float32Array.from(values, (v) => (v >= cut ? 1 : 0));
}
