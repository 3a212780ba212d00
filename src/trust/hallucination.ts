/**
 * Hallucination flag for image-to-image models (denoisers, super-resolution, autoencoders): is a
 * feature of the reconstruction grounded in the input, or painted by the model? Each feature (a
 * region of the output image) is attributed to the input with input × gradient of the sum of the
 * outputs in the region; its *support* is the total |attribution| per output pixel of the feature.
 * A feature whose support is below 5% of a reference feature's (one known to be real, e.g. a
 * lattice fringe that is plainly in the input) is flagged: the model produced it with almost no
 * evidence from the input.
 *
 * A feature is any reducer over the output a segmenter's target can be (a region, one pixel, the
 * whole image), over all channels or one.
 */
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, sizeOf, tensor } from '../tensor/tensor.js';

export interface HallucinationOptions {
  /** Index of the reference feature (default 0). */
  reference?: number;
  /** Support ratio below which a feature is flagged (default 0.05). */
  threshold?: number;
  /** The output image's [H, W] for a model whose output is flat (C·H·W); default: the model's [C, H, W] output, or the masks' size. */
  outputImage?: readonly [number, number];
}

/**
 * One feature of the output image: the same reducers a segmenter's target takes
 * (attribution/common/segmentation-targets.ts) — a region mask, one pixel, the whole image — with
 * the output channel in the class's place. Without `channel` the feature spans every channel (an
 * RGB reconstruction's feature is its colour pixels together).
 */
export type OutputFeature =
  | { readonly kind: 'region'; readonly mask: ArrayLike<number>; readonly channel?: number }
  | { readonly kind: 'pixel'; readonly y: number; readonly x: number; readonly channel?: number }
  | { readonly kind: 'image'; readonly channel?: number };

export interface FeatureSupport {
  feature: number;
  /** What the feature is: 'region', 'pixel (y, x)', 'image', with ', channel c' when one channel. */
  kind: string;
  /** Output pixels in the feature. */
  area: number;
  /** Σ |x ⊙ ∂(Σ_feature y)/∂x| / area. */
  support: number;
  /** support / the reference's support. */
  ratio: number;
  flagged: boolean;
}

export interface HallucinationResult {
  reference: number;
  threshold: number;
  features: FeatureSupport[];
}

/** Masks [F, H, W] as region features (the original form of the check). */
export function regionFeatures(masks: Tensor): OutputFeature[] {
  if (masks.shape.length !== 3) throw new Error(`hallucination check: feature masks have shape ${shapeToString(masks.shape)}; give [F, H, W] masks over the output image`);
  const [f, h, w] = masks.shape;
  return Array.from({ length: f }, (_, i) => ({ kind: 'region' as const, mask: masks.data.subarray(i * h * w, (i + 1) * h * w) }));
}

/** The output image's [channels, H, W]: from the model's [C, H, W] output, or from masks over a flat one. */
function outputPlanes(model: Model, plane?: readonly [number, number]): [number, number, number] {
  const k = model.outputSize;
  if (plane) {
    const [h, w] = plane;
    if (k % (h * w) !== 0) throw new Error(`hallucination check: the model outputs ${k} values, not a whole number of ${h}×${w} planes; give masks of the output image's size`);
    return [k / (h * w), h, w];
  }
  if (model.outputShape.length === 3) return model.outputShape as [number, number, number];
  throw new Error(`hallucination check: the model's output [${model.outputShape.join(', ')}] is not an image [C, H, W]; give region masks (they tell the output image's size)`);
}

function describeFeature(f: OutputFeature): string {
  const where = f.kind === 'pixel' ? `pixel (${f.y}, ${f.x})` : f.kind;
  return f.channel === undefined ? where : `${where}, channel ${f.channel}`;
}

/**
 * `image` is one input [1, ...inputShape]; `features` are masks [F, H, W] over the output image
 * (region features), or reducers (OutputFeature). The model returns the output image flattened as
 * [1, C·H·W].
 */
export async function hallucinationCheck(model: Model, image: Tensor, features: Tensor | readonly OutputFeature[], options: HallucinationOptions = {}): Promise<HallucinationResult> {
  if (image.shape[0] !== 1 || image.shape.slice(1).join() !== model.inputShape.join()) {
    throw new Error(`hallucination check: the input has shape ${shapeToString(image.shape)}; give one image [1, ${model.inputShape.join(', ')}]`);
  }
  if (firstNonFinite(image.data) >= 0) throw new Error('hallucination check: the input image holds a non-finite value; clean it first');
  const masks = 'shape' in features ? features : undefined;
  const list = masks ? regionFeatures(masks) : (features as readonly OutputFeature[]);
  const [channels, h, w] = outputPlanes(model, masks ? [masks.shape[1], masks.shape[2]] : options.outputImage);
  const plane = h * w;
  const k = model.outputSize;
  const f = list.length;
  if (f === 0) throw new Error('hallucination check: no features given; give at least a reference feature and one to test');
  const reference = options.reference ?? 0;
  const threshold = options.threshold ?? 0.05;
  if (!Number.isInteger(reference) || reference < 0 || reference >= f) throw new Error(`hallucination check: reference ${reference} is not a feature index (0..${f - 1})`);
  // One backward row per feature: the cotangent selects the feature's pixels in its channel(s).
  const cot = new Float32Array(f * k);
  const areas = new Array<number>(f).fill(0);
  list.forEach((feature, i) => {
    const c = feature.channel;
    if (c !== undefined && !(Number.isInteger(c) && c >= 0 && c < channels)) throw new Error(`hallucination check: feature ${i} names channel ${c}, but the output image has ${channels} (0..${channels - 1})`);
    if (feature.kind === 'region' && feature.mask.length !== plane) throw new Error(`hallucination check: feature ${i}'s mask has ${feature.mask.length} values; the output image is ${h}×${w}`);
    if (feature.kind === 'pixel' && !(Number.isInteger(feature.y) && Number.isInteger(feature.x) && feature.y >= 0 && feature.y < h && feature.x >= 0 && feature.x < w)) {
      throw new Error(`hallucination check: feature ${i} is pixel (${feature.y}, ${feature.x}), outside the ${h}×${w} output image`);
    }
    const inside = (p: number) => (feature.kind === 'image' ? true : feature.kind === 'pixel' ? p === feature.y * w + feature.x : feature.mask[p] > 0.5);
    for (let p = 0; p < plane; p++) {
      if (!inside(p)) continue;
      areas[i]++;
      for (let ch = 0; ch < channels; ch++) if (c === undefined || ch === c) cot[i * k + ch * plane + p] = 1;
    }
  });
  const empty = areas.findIndex((a) => a === 0);
  if (empty >= 0) throw new Error(`hallucination check: feature ${empty} has an empty mask; mark at least one output pixel`);
  const d = sizeOf(model.inputShape);
  const repeated = new Float32Array(f * d);
  for (let i = 0; i < f; i++) repeated.set(image.data, i * d);
  const { inputGrad } = await model.vjp(tensor([f, ...model.inputShape], repeated), tensor([f, k], cot));
  const support = areas.map((area, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.abs(image.data[j] * inputGrad.data[i * d + j]);
    return s / area;
  });
  const ref = support[reference];
  if (!(ref > 0)) throw new Error(`hallucination check: the reference feature ${reference} has no support in the input; choose a feature known to be real`);
  return {
    reference,
    threshold,
    features: support.map((s, i) => ({ feature: i, kind: describeFeature(list[i]), area: areas[i], support: s, ratio: s / ref, flagged: s / ref < threshold })),
  };
}
