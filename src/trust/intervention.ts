/**
 * Intervention test: change the suspected cause in the input and watch the prediction. Paste the
 * artifact into images that lack the feature (does the model now "see" it?) and take it away from
 * images that have it (does the model still find the real feature?).
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, shapeToString, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';

export interface Patch {
  /** [H, W], 1 where the patch is pasted. */
  readonly mask: Float32Array;
  /** Intensity written into the masked pixels (every channel). */
  readonly value: number;
}

export function pastePatch(images: Tensor, patch: Patch): Tensor {
  const [n, c, h, w] = images.shape;
  if (images.shape.length !== 4 || patch.mask.length !== h * w) {
    throw new Error(`patch mask has ${patch.mask.length} pixels but the images are ${shapeToString(images.shape)}; give an [H, W] mask`);
  }
  const out = images.data.slice();
  const plane = h * w;
  for (let i = 0; i < n * c; i++) for (let p = 0; p < plane; p++) if (patch.mask[p] > 0.5) out[i * plane + p] = patch.value;
  return tensor(images.shape, out);
}

/** Share of images the model assigns to `cls`. */
export async function predictedRate(model: Model, images: Tensor, cls: number): Promise<number> {
  if (images.shape[0] === 0) return NaN;
  const predicted = argmaxRows(await model.forward(images));
  return predicted.filter((p) => p === cls).length / predicted.length;
}

export async function accuracyOn(model: Model, images: Tensor, labels: readonly number[]): Promise<number> {
  if (images.shape[0] === 0) return NaN;
  const predicted = argmaxRows(await model.forward(images));
  return predicted.filter((p, i) => p === labels[i]).length / predicted.length;
}

export interface InterventionResult {
  /** Share of feature-free images called positive once the artifact is pasted in. */
  injectedDefectRate: number;
  /** Accuracy on images whose artifact was taken away. */
  removedArtifactAccuracy: number;
}

export async function interventionTest(
  model: Model,
  input: {
    /** Images without the real feature (true class ≠ positiveClass). */
    featureFree: Tensor;
    patch: Patch;
    positiveClass: number;
    /** Images with the artifact removed, and their true labels. */
    artifactRemoved: Tensor;
    labels: readonly number[];
  },
): Promise<InterventionResult> {
  return {
    injectedDefectRate: await predictedRate(model, pastePatch(input.featureFree, input.patch), input.positiveClass),
    removedArtifactAccuracy: await accuracyOn(model, input.artifactRemoved, input.labels),
  };
}
