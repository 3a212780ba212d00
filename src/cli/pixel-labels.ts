/**
 * A segmenter's `--labels`: the true class of every pixel, (N, H, W) or (N, 1, H, W) class ids (or
 * one (H, W) map for all images), from any file trustscope reads (.npy, a PNG or TIFF label mask…).
 * The audit puts them in data.masks['pixel-labels'] so per-pixel calibration and IoU/Dice run.
 *
 * The Dataset still carries one label per image; for a segmenter it is derived — the majority
 * class of the image's pixels — and used only where a check needs an image-level class (the OOD
 * check's class-conditional Mahalanobis means); nothing reports it as accuracy.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/tensor.js';
import { UsageError } from './errors.js';
import { asMasks, describePosition, readValues } from './inputs.js';

/** Per-pixel class ids [N, H, W] for `n` images of h×w and a model of `classes` classes, checked. */
export async function readPixelLabels(path: string, n: number, h: number, w: number, classes: number): Promise<Tensor> {
  const raw = await readValues(path);
  if (raw.shape.length === 1 || (raw.shape.length === 2 && !(raw.shape[0] === h && raw.shape[1] === w))) {
    throw new UsageError(`${path} has shape ${shapeToString(raw.shape)}: one label per image, but the model is a segmenter; give per-pixel class ids (${n}, ${h}, ${w})`);
  }
  const labels = asMasks(raw, n, h, w, path);
  const bad = labels.data.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
  if (bad >= 0) {
    throw new UsageError(`${path}: ${labels.data[bad]} at ${describePosition(labels.shape, bad)} is not a class of the model (integers 0..${classes - 1}); a segmenter's --labels holds one class id per pixel`);
  }
  return labels;
}

/** The most frequent class of each image's pixels (ties: the lower class). */
export function majorityClasses(labels: Tensor, classes: number): number[] {
  const [n, h, w] = labels.shape;
  const per = h * w;
  return Array.from({ length: n }, (_, i) => {
    const counts = new Array<number>(classes).fill(0);
    for (let p = 0; p < per; p++) counts[labels.data[i * per + p]]++;
    return counts.indexOf(Math.max(...counts));
  });
}
