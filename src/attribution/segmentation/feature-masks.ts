/**
 * Interpretable features per image for KernelSHAP and LIME: square patches (the default, one mask
 * shared by every image) or SLIC superpixels (slic.ts, one mask per image, all channels of a pixel
 * in the same feature).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { OptionSpec } from '../../options/option-spec.js';
import type { FeatureMask } from '../feature-mask.js';
import { featureMask } from '../feature-mask.js';
import { slicBatch, type SlicOptions } from './slic.js';

export const SEGMENTATIONS = ['patches', 'slic'] as const;
export type SegmentationKind = (typeof SEGMENTATIONS)[number];

export interface SegmentOptions extends SlicOptions {
  /** 'patches' (default) or 'slic'. */
  segments?: SegmentationKind;
  /** Side of the square patches (default 4). */
  patch?: number;
}

/** The feature options KernelSHAP and LIME both declare (one flag, one meaning, for both). */
export const SEGMENT_OPTIONS: readonly (OptionSpec & { readonly key: keyof SegmentOptions & string })[] = [
  { key: 'segments', flag: '--segments', kind: 'choice', choices: SEGMENTATIONS, default: 'patches', placeholder: '<kind>', help: `features as ${SEGMENTATIONS.join(' | ')} (SLIC superpixels per image)` },
  { key: 'patch', flag: '--patch-size', kind: 'integer', min: 1, default: 4, help: 'side of the square patches that form the features' },
  { key: 'nSegments', flag: '--n-segments', kind: 'integer', min: 1, default: 50, placeholder: '<K>', help: 'with --segments slic: desired number of superpixels' },
  { key: 'compactness', flag: '--compactness', kind: 'number', above: 0, default: 0.1, placeholder: '<m>', help: 'with --segments slic: SLIC compactness on [0, 1]-scaled intensities (larger: squarer segments)' },
  { key: 'iterations', flag: '--slic-iterations', kind: 'integer', min: 1, default: 10, help: 'with --segments slic: k-means rounds' },
];

export function imageFeatureMasks(inputs: Tensor, options: SegmentOptions, method: string): FeatureMask[] {
  const kind = options.segments ?? 'patches';
  if (!SEGMENTATIONS.includes(kind)) throw new Error(`${method}: segments must be one of ${SEGMENTATIONS.join(', ')} (got '${String(kind)}')`);
  const n = inputs.shape[0];
  if (kind === 'patches') {
    const shared = featureMask(inputs.shape, options.patch ?? 4, method);
    return Array.from({ length: n }, () => shared);
  }
  if (inputs.shape.length !== 4) throw new Error(`${method}: slic segments need image inputs [N, C, H, W]; got ${inputs.shape.length}-D inputs (use segments 'patches')`);
  const c = inputs.shape[1];
  return slicBatch(inputs, options).map((seg) => {
    const plane = seg.height * seg.width;
    const featureOf = new Int32Array(c * plane);
    for (let ch = 0; ch < c; ch++) featureOf.set(seg.labels, ch * plane);
    return { count: seg.count, featureOf };
  });
}
