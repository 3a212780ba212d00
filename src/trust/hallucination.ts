/**
 * Hallucination flag for image-to-image models (denoisers, super-resolution, autoencoders): is a
 * feature of the reconstruction grounded in the input, or painted by the model? Each feature (a
 * region of the output image) is attributed to the input with input × gradient of the sum of the
 * outputs in the region; its *support* is the total |attribution| per output pixel of the feature.
 * A feature whose support is below 5% of a reference feature's (one known to be real, e.g. a
 * lattice fringe that is plainly in the input) is flagged: the model produced it with almost no
 * evidence from the input.
 */
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, sizeOf, tensor } from '../tensor/tensor.js';

export interface HallucinationOptions {
  /** Index of the reference feature (default 0). */
  reference?: number;
  /** Support ratio below which a feature is flagged (default 0.05). */
  threshold?: number;
}

export interface FeatureSupport {
  feature: number;
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

/**
 * `image` is one input [1, ...inputShape]; `features` are masks [F, H, W] over the output image,
 * which the model returns flattened as [1, C·H·W] (channels summed into one feature).
 */
export async function hallucinationCheck(model: Model, image: Tensor, features: Tensor, options: HallucinationOptions = {}): Promise<HallucinationResult> {
  if (image.shape[0] !== 1 || image.shape.slice(1).join() !== model.inputShape.join()) {
    throw new Error(`hallucination check: the input has shape ${shapeToString(image.shape)}; give one image [1, ${model.inputShape.join(', ')}]`);
  }
  if (firstNonFinite(image.data) >= 0) throw new Error('hallucination check: the input image holds a non-finite value; clean it first');
  if (features.shape.length !== 3) throw new Error(`hallucination check: feature masks have shape ${shapeToString(features.shape)}; give [F, H, W] masks over the output image`);
  const [f, h, w] = features.shape;
  const plane = h * w;
  const k = model.outputSize;
  if (k % plane !== 0) throw new Error(`hallucination check: the model outputs ${k} values, not a whole number of ${h}×${w} planes; give masks of the output image's size`);
  const reference = options.reference ?? 0;
  const threshold = options.threshold ?? 0.05;
  if (!Number.isInteger(reference) || reference < 0 || reference >= f) throw new Error(`hallucination check: reference ${reference} is not a feature index (0..${f - 1})`);
  const channels = k / plane;
  // One backward row per feature: the cotangent selects the feature's pixels in every channel.
  const cot = new Float32Array(f * k);
  const areas = new Array<number>(f).fill(0);
  for (let i = 0; i < f; i++) {
    for (let p = 0; p < plane; p++) {
      if (features.data[i * plane + p] <= 0.5) continue;
      areas[i]++;
      for (let c = 0; c < channels; c++) cot[i * k + c * plane + p] = 1;
    }
  }
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
    features: support.map((s, i) => ({ feature: i, area: areas[i], support: s, ratio: s / ref, flagged: s / ref < threshold })),
  };
}
