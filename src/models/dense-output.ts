/**
 * Reading a dense (per-pixel) model output. Models return it flat, [N, K·H·W] in C order
 * (index k·H·W + y·W + x, see OnnxModel); these helpers give it back its [K, H, W] meaning:
 * the model's own predicted mask (argmax over K per pixel) and per-pixel class probabilities.
 * Kept in models/ so that targets, trust metrics and the audit share one reading.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Model } from './model.js';

export interface DenseShape {
  readonly classes: number;
  readonly height: number;
  readonly width: number;
}

/** Whether the model gives per-pixel outputs [K, H, W] (a segmenter) rather than one vector per example. */
export function isDenseModel(model: Pick<Model, 'outputShape'>): boolean {
  // Hand-made Model objects (tests, wrappers) may predate outputShape: they are vector models.
  return model.outputShape !== undefined && model.outputShape.length === 3;
}

/** [K, H, W] of a dense model; `who` names the caller in the refusal. */
export function denseShape(model: Pick<Model, 'outputShape'>, who: string): DenseShape {
  if (!isDenseModel(model)) {
    throw new Error(`${who} needs a model with per-pixel outputs [K, H, W]; this one gives [${(model.outputShape ?? []).join(', ')}] per image`);
  }
  const [classes, height, width] = model.outputShape;
  return { classes, height, width };
}

/**
 * The predicted class of every pixel, [N, H, W] row-major: argmax over K (the first maximum on
 * ties, as torch.argmax does).
 */
export function predictedPixelClasses(output: Tensor, shape: DenseShape): Int32Array {
  const { classes: k, height: h, width: w } = shape;
  const plane = h * w;
  const n = output.shape[0];
  if (output.shape.length !== 2 || output.shape[1] !== k * plane) {
    throw new Error(`dense output has shape [${output.shape.join(', ')}] but the model's per-pixel outputs need [${n}, ${k * plane}]`);
  }
  const labels = new Int32Array(n * plane);
  for (let i = 0; i < n; i++) {
    const base = i * k * plane;
    for (let p = 0; p < plane; p++) {
      let best = 0;
      let bestValue = output.data[base + p];
      for (let c = 1; c < k; c++) {
        const v = output.data[base + c * plane + p];
        if (v > bestValue) {
          best = c;
          bestValue = v;
        }
      }
      labels[i * plane + p] = best;
    }
  }
  return labels;
}

/**
 * Per-pixel class probabilities [N·H·W, K] (softmax over K at each pixel, max-shifted), one row per
 * pixel: the layout the calibration math of trust/ takes for one prediction per row.
 */
export function pixelProbabilities(output: Tensor, shape: DenseShape): Float32Array {
  const { classes: k, height: h, width: w } = shape;
  const plane = h * w;
  const n = output.shape[0];
  const probs = new Float32Array(n * plane * k);
  for (let i = 0; i < n; i++) {
    const base = i * k * plane;
    for (let p = 0; p < plane; p++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, output.data[base + c * plane + p]);
      let sum = 0;
      const row = (i * plane + p) * k;
      for (let c = 0; c < k; c++) sum += probs[row + c] = Math.exp(output.data[base + c * plane + p] - max);
      for (let c = 0; c < k; c++) probs[row + c] /= sum;
    }
  }
  return probs;
}

/** Per-pixel logits as rows [N·H·W, K] (pixel-major): one K-way prediction per row, for per-pixel calibration. */
export function pixelLogitRows(output: Tensor, shape: DenseShape): Tensor {
  const { classes: k, height: h, width: w } = shape;
  const plane = h * w;
  const n = output.shape[0];
  const data = new Float32Array(n * plane * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) for (let p = 0; p < plane; p++) data[(i * plane + p) * k + c] = output.data[i * k * plane + c * plane + p];
  return { shape: [n * plane, k], data };
}
