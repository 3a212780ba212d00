/**
 * What KernelSHAP and LIME share: the interpretable features (a feature mask like Captum's
 * `feature_mask`), the scoring of binary coalitions (common/perturbed-copies.ts) and the spreading
 * of per-feature values back over the input (the surrogate is solved by tensor/linalg.ts).
 *
 * Features: for image inputs [N, C, H, W], square patches of side `patch` tiled from the top-left
 * corner (the last row and column of patches clipped at the border), each patch covering all
 * channels, numbered row-major over the patch grid; for tabular inputs [N, F], one feature per
 * column. A coalition z ∈ {0, 1}^M keeps the input where z = 1 and puts the baseline where z = 0.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, sizeOf, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import { scorePerturbedCopies } from './common/perturbed-copies.js';

export interface FeatureMask {
  /** Number of interpretable features M. */
  readonly count: number;
  /** Feature index of every element of one example (length prod(inputs.shape[1:])). */
  readonly featureOf: Int32Array;
}

/** Patches of side `patch` over [C, H, W] examples (all channels), or one feature per column of [F] examples. */
export function featureMask(inputShape: readonly number[], patch = 4, method = 'feature mask'): FeatureMask {
  if (inputShape.length === 2) {
    const f = inputShape[1];
    return { count: f, featureOf: Int32Array.from({ length: f }, (_, j) => j) };
  }
  if (inputShape.length !== 4) throw new Error(`${method} needs image inputs [N, C, H, W] or tabular inputs [N, F]; got ${inputShape.length}-D ${shapeToString(inputShape)}`);
  const [, c, h, w] = inputShape;
  if (!Number.isInteger(patch) || patch < 1) throw new Error(`${method}: patch must be an integer ≥ 1 (got ${patch})`);
  const gw = Math.ceil(w / patch);
  const gh = Math.ceil(h / patch);
  const plane = h * w;
  const featureOf = new Int32Array(c * plane);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) featureOf[ch * plane + y * w + x] = Math.floor(y / patch) * gw + Math.floor(x / patch);
  return { count: gh * gw, featureOf };
}

/**
 * Weighted outputs of every coalition of every input: coalitions[i] holds the S_i binary rows
 * (each of length M) of input i, and an absent feature takes `baseline` (expanded to the inputs'
 * shape); returns scores[i][s]. All rows of all inputs go to the model as whole batches.
 */
export async function evaluateCoalitions(
  model: Model,
  inputs: Tensor,
  baseline: Float32Array,
  mask: FeatureMask | readonly FeatureMask[],
  coalitions: readonly (readonly Uint8Array[])[],
  cotangent: Tensor,
): Promise<Float64Array[]> {
  const d = sizeOf(inputs.shape.slice(1));
  // Copy `first[i] + s` is input i under its coalition s.
  const first = new Int32Array(coalitions.length + 1);
  coalitions.forEach((rows, i) => (first[i + 1] = first[i] + rows.length));
  const inputOf = new Int32Array(first[coalitions.length]);
  coalitions.forEach((rows, i) => inputOf.fill(i, first[i], first[i + 1]));
  const scores = await scorePerturbedCopies(model, inputs, cotangent, {
    count: inputOf.length,
    inputOf: (copy) => inputOf[copy],
    fill(copy, into) {
      const img = inputOf[copy];
      const z = coalitions[img][copy - first[img]];
      const off = img * d;
      const featureOf = maskOf(mask, img).featureOf;
      for (let e = 0; e < d; e++) into[e] = z[featureOf[e]] === 1 ? inputs.data[off + e] : baseline[off + e];
    },
  });
  return coalitions.map((_, i) => scores.slice(first[i], first[i + 1]));
}

/** The mask of image `img`: one shared mask, or one per image (superpixels). */
export function maskOf(mask: FeatureMask | readonly FeatureMask[], img: number): FeatureMask {
  return 'featureOf' in mask ? mask : mask[img];
}

/** Per-feature values [N, M] broadcast back to every element of each feature, in the inputs' shape. */
export function broadcastFeatures(inputs: Tensor, mask: FeatureMask | readonly FeatureMask[], perFeature: readonly Float64Array[]): Tensor {
  const d = sizeOf(inputs.shape.slice(1));
  const values = new Float32Array(inputs.data.length);
  perFeature.forEach((phi, i) => {
    const featureOf = maskOf(mask, i).featureOf;
    for (let e = 0; e < d; e++) values[i * d + e] = phi[featureOf[e]];
  });
  return tensor(inputs.shape, values);
}

/** [N, M] tensor of per-feature values (rows with fewer features, as superpixels give, are zero-padded to M). */
export function featureTable(perFeature: readonly Float64Array[], m: number): Tensor {
  const out = new Float32Array(perFeature.length * m);
  perFeature.forEach((phi, i) => out.set(phi, i * m));
  return tensor([perFeature.length, m], out);
}
