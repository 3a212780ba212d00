/**
 * Targets for segmenters (per-pixel logits [K, H, W], returned flat [N, K·H·W] by the model): what
 * one attribution of a dense output explains. Each form is a 0/1 weighting of the flat outputs, so
 * it becomes the cotangent Target every method, metric and check already takes:
 * - one pixel's logit of class c;
 * - the sum of class c's logits over a region (one mask [H, W] for all images, or [N, H, W]);
 * - the sum of class c's logits over the model's own predicted mask of c (per image, argmax over K);
 * - the sum of class c's logits over the whole image;
 * - the default: the predicted mask of the most frequent predicted non-background class, per image.
 * Logits, not softmax probabilities: Captum's segmentation tutorial explains the sum of the logits
 * of the argmax-selected pixels (its agg_segmentation_wrapper); we follow it, so numbers compare.
 * A softmax would also couple every class at a pixel into one class's explanation.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString, tensor } from '../../tensor/tensor.js';
import type { Model } from '../../models/model.js';
import { denseShape, predictedPixelClasses, type DenseShape } from '../../models/dense-output.js';

export type SegmentationTargetSpec =
  | { readonly kind: 'pixel'; readonly classIndex: number; readonly y: number; readonly x: number }
  /** mask: [H, W] for every image or [N, H, W] per image; non-zero pixels are in the region */
  | { readonly kind: 'region'; readonly classIndex: number; readonly mask: Tensor }
  | { readonly kind: 'predicted'; readonly classIndex: number }
  | { readonly kind: 'image'; readonly classIndex: number }
  /** per image, the most frequent predicted class other than `background` (default 0) */
  | { readonly kind: 'dominant'; readonly background?: number };

export interface SegmentationTarget {
  /** [N, K·H·W] weighting: 1 on the explained class's logits at the chosen pixels. */
  readonly target: { readonly cotangent: Tensor };
  /** Per image: the class explained and how many pixels its logits were summed over. */
  readonly rows: readonly { readonly classIndex: number; readonly pixels: number }[];
  /** Per image, what was explained in words: "class 1 logits summed over its predicted mask (412 px)". */
  readonly descriptions: readonly string[];
}

/** The weighting that sums class classes[i]'s logits over the pixels where masks[i] is set. */
export function classOverMasks(shape: DenseShape, classes: readonly number[], masks: Uint8Array): { cotangent: Tensor; pixels: number[] } {
  const { classes: k, height: h, width: w } = shape;
  const plane = h * w;
  const n = classes.length;
  if (masks.length !== n * plane) throw new Error(`masks hold ${masks.length} pixels but ${n} images of ${h}×${w} need ${n * plane}`);
  const data = new Float32Array(n * k * plane);
  const pixels: number[] = [];
  for (let i = 0; i < n; i++) {
    checkClass(classes[i], k);
    const base = i * k * plane + classes[i] * plane;
    let count = 0;
    for (let p = 0; p < plane; p++) {
      if (masks[i * plane + p]) {
        data[base + p] = 1;
        count++;
      }
    }
    pixels.push(count);
  }
  return { cotangent: tensor([n, k * plane], data), pixels };
}

function checkClass(c: number, k: number): void {
  if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`class ${c} is not a class of this segmenter (it has ${k} classes per pixel: 0..${k - 1})`);
}

/** Region masks [N·H·W] from one mask [H, W] (shared) or [N, H, W] / [N, 1, H, W] (per image). */
export function regionMasks(mask: Tensor, n: number, shape: DenseShape): Uint8Array {
  const { height: h, width: w } = shape;
  const plane = h * w;
  const dims = mask.shape.filter((d, i) => !(d === 1 && i < mask.shape.length - 2));
  const perImage = dims.length === 3 && dims[0] === n && dims[1] === h && dims[2] === w;
  const shared = mask.data.length === plane && mask.shape[mask.shape.length - 2] === h && mask.shape[mask.shape.length - 1] === w;
  if (!perImage && !shared) {
    throw new Error(`region mask has shape ${shapeToString(mask.shape)}; it must be [${h}, ${w}] (one for all images) or [${n}, ${h}, ${w}] (one per image), the size of the model's output`);
  }
  const out = new Uint8Array(n * plane);
  for (let i = 0; i < n; i++) {
    const src = shared ? 0 : i * plane;
    for (let p = 0; p < plane; p++) {
      const v = mask.data[src + p];
      if (!Number.isFinite(v)) throw new Error(`region mask holds ${v} at pixel ${p}; masks must be 0/1`);
      out[i * plane + p] = v !== 0 ? 1 : 0;
    }
  }
  return out;
}

/** The most frequent predicted class other than `background` per image; background itself when nothing else is predicted. */
export function dominantClasses(labels: Int32Array, n: number, shape: DenseShape, background: number): number[] {
  const plane = shape.height * shape.width;
  return Array.from({ length: n }, (_, i) => {
    const counts = new Array<number>(shape.classes).fill(0);
    for (let p = 0; p < plane; p++) counts[labels[i * plane + p]]++;
    let best = background;
    for (let c = 0; c < shape.classes; c++) if (c !== background && counts[c] > 0 && (best === background || counts[c] > counts[best])) best = c;
    return best;
  });
}

/** Resolves a segmentation target spec for these inputs (a forward pass when it depends on the prediction). */
export async function segmentationTarget(model: Model, inputs: Tensor, spec: SegmentationTargetSpec): Promise<SegmentationTarget> {
  const shape = denseShape(model, 'a segmentation target');
  const n = inputs.shape[0];
  const plane = shape.height * shape.width;
  const px = (count: number) => `${count} px`;
  const build = (classes: number[], masks: Uint8Array, say: (c: number, pixels: number) => string): SegmentationTarget => {
    const { cotangent, pixels } = classOverMasks(shape, classes, masks);
    return { target: { cotangent }, rows: classes.map((c, i) => ({ classIndex: c, pixels: pixels[i] })), descriptions: classes.map((c, i) => say(c, pixels[i])) };
  };
  const predictedMasks = async (classes: number[]) => {
    const labels = predictedPixelClasses(await model.forward(inputs), shape);
    return { labels, masks: Uint8Array.from(labels, (l, j) => (l === classes[Math.floor(j / plane)] ? 1 : 0)) };
  };
  switch (spec.kind) {
    case 'pixel': {
      const { y, x } = spec;
      if (!Number.isInteger(y) || !Number.isInteger(x) || y < 0 || y >= shape.height || x < 0 || x >= shape.width) {
        throw new Error(`pixel (${y}, ${x}) is outside the model's ${shape.height}×${shape.width} output; give Y,X with 0 ≤ Y < ${shape.height}, 0 ≤ X < ${shape.width}`);
      }
      const masks = new Uint8Array(n * plane);
      for (let i = 0; i < n; i++) masks[i * plane + y * shape.width + x] = 1;
      return build(new Array<number>(n).fill(spec.classIndex), masks, (c) => `class ${c} logit at pixel (y ${y}, x ${x})`);
    }
    case 'region':
      return build(new Array<number>(n).fill(spec.classIndex), regionMasks(spec.mask, n, shape), (c, p) => `class ${c} logits summed over the given region (${px(p)})`);
    case 'image':
      return build(new Array<number>(n).fill(spec.classIndex), new Uint8Array(n * plane).fill(1), (c, p) => `class ${c} logits summed over the whole image (${px(p)})`);
    case 'predicted': {
      checkClass(spec.classIndex, shape.classes);
      const classes = new Array<number>(n).fill(spec.classIndex);
      const { masks } = await predictedMasks(classes);
      return build(classes, masks, (c, p) => `class ${c} logits summed over its predicted mask (${px(p)})`);
    }
    case 'dominant': {
      const background = spec.background ?? 0;
      checkClass(background, shape.classes);
      const labels = predictedPixelClasses(await model.forward(inputs), shape);
      const classes = dominantClasses(labels, n, shape, background);
      const masks = Uint8Array.from(labels, (l, j) => (l === classes[Math.floor(j / plane)] ? 1 : 0));
      return build(classes, masks, (c, p) =>
        c === background ? `class ${c} (background: nothing else predicted) logits summed over its predicted mask (${px(p)})` : `class ${c} (most frequent predicted non-background class) logits summed over its predicted mask (${px(p)})`,
      );
    }
  }
}
