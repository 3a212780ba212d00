/**
 * The target flags of `explain` and `evaluate` for segmenters (models with per-pixel outputs
 * [K, H, W]): --target-class C with --target-region predicted|all|MASKFILE or --target-pixel Y,X.
 * Flags are checked before any file is read; the mask file is read from any format the input
 * registry reads (0/1, bool, or 0/255 PNG: non-zero is inside). The words of each target
 * ("class 1 logits summed over its predicted mask (412 px)") go to the console, run.json and the
 * overlays' outlines, so a picture never hides which question it answers.
 */
import type { Command } from 'commander';
import type { Tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import { isDenseModel } from '../models/dense-output.js';
import { segmentationTarget, type SegmentationTarget, type SegmentationTargetSpec } from '../attribution/common/segmentation-targets.js';
import { UsageError, parseInteger } from './errors.js';
import { asMasks, readArray } from './inputs.js';

export const SEGMENTATION_DEFAULT_HELP =
  'segmenters (per-pixel outputs [K, H, W]) are explained, by default, as the sum of the logits of the most frequent predicted non-background class (not class 0) over its predicted mask, per image (all background: class 0\'s mask)';

export interface SegmentationTargetFlags {
  targetClass?: number;
  targetRegion?: string;
  targetPixel?: string;
}

/** A parsed request: what to explain, with the mask still a path (read after the model is loaded). */
export type SegmentationRequest =
  | { readonly kind: 'pixel'; readonly classIndex: number; readonly y: number; readonly x: number }
  | { readonly kind: 'predicted' | 'image'; readonly classIndex: number }
  | { readonly kind: 'mask-file'; readonly classIndex: number; readonly path: string };

export function addSegmentationTargetOptions(command: Command): Command {
  return command
    .option('--target-class <c>', 'segmenters: the class whose per-pixel logits are explained (with --target-region or --target-pixel; default region: its predicted mask)', parseInteger('--target-class', 0))
    .option('--target-region <predicted|all|mask>', "segmenters: sum --target-class's logits over its predicted mask per image ('predicted'), the whole image ('all'), or a mask file (H,W) or (N,H,W), non-zero inside")
    .option('--target-pixel <y,x>', "segmenters: explain --target-class's logit at one pixel (row y, column x)");
}

/** The segmentation request the flags make, or undefined when none was given; refuses mixed flags. */
export function parseSegmentationFlags(opts: SegmentationTargetFlags & { target?: string; targets?: string; targetOutputs?: string }): SegmentationRequest | undefined {
  const { targetClass, targetRegion, targetPixel } = opts;
  if (targetClass === undefined) {
    if (targetRegion !== undefined || targetPixel !== undefined) throw new UsageError(`${targetRegion !== undefined ? '--target-region' : '--target-pixel'} needs --target-class C (the class whose logits are explained)`);
    return undefined;
  }
  const other = [['--target', opts.target], ['--targets', opts.targets], ['--target-outputs', opts.targetOutputs]].find(([, v]) => v !== undefined);
  if (other) throw new UsageError(`give --target-class (segmenters) or ${other[0]} (classifiers, flat outputs), not both`);
  if (targetRegion !== undefined && targetPixel !== undefined) throw new UsageError('give --target-region or --target-pixel, not both');
  if (targetPixel !== undefined) {
    const parts = targetPixel.split(',').map((s) => s.trim());
    const [y, x] = parts.map(Number);
    if (parts.length !== 2 || parts.some((p) => p === '') || ![y, x].every((v) => Number.isInteger(v) && v >= 0)) throw new UsageError(`--target-pixel must be Y,X (row, column; integers ≥ 0), got '${targetPixel}'`);
    return { kind: 'pixel', classIndex: targetClass, y, x };
  }
  if (targetRegion === undefined || targetRegion === 'predicted') return { kind: 'predicted', classIndex: targetClass };
  if (targetRegion === 'all') return { kind: 'image', classIndex: targetClass };
  return { kind: 'mask-file', classIndex: targetClass, path: targetRegion };
}

/**
 * The target of a segmenter for this batch, from the request (or the default); refuses class-index
 * flags on a segmenter and segmentation flags on a vector model, naming the flags to use instead.
 */
export async function segmenterTarget(model: Model, batch: Tensor, request: SegmentationRequest | undefined, classFlags: { target?: string; targets?: string }, onFile: (path: string) => void): Promise<SegmentationTarget | undefined> {
  const dense = isDenseModel(model);
  if (!dense) {
    if (request) throw new UsageError(`--target-class/--target-region/--target-pixel are for segmenters (per-pixel outputs [K, H, W]); this model gives [${model.outputShape.join(', ')}] per image: use --target`);
    return undefined;
  }
  const flag = classFlags.target !== undefined ? '--target' : classFlags.targets !== undefined ? '--targets' : undefined;
  if (flag) {
    throw new UsageError(`${flag} names classes of a classifier, but this model is a segmenter (per-pixel outputs [${model.outputShape.join(', ')}]); use --target-class C with --target-region predicted|all|MASKFILE or --target-pixel Y,X`);
  }
  let spec: SegmentationTargetSpec = { kind: 'dominant' };
  if (request?.kind === 'mask-file') {
    const [, h, w] = model.outputShape;
    const mask = asMasks(await readMaskFile(request.path), batch.shape[0], h, w, request.path);
    onFile(request.path);
    spec = { kind: 'region', classIndex: request.classIndex, mask };
  } else if (request) spec = request;
  try {
    return await segmentationTarget(model, batch, spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * A mask file's values with colour channels folded (a pixel is inside when any channel is non-zero),
 * so a mask drawn in an image editor and saved as RGB PNG reads as (H, W).
 */
async function readMaskFile(path: string): Promise<Tensor> {
  const array = await readArray(path);
  const axis = array.axes.findIndex((a) => a.name === 'c');
  const { shape, data } = array.values;
  if (axis < 0 || shape.length !== array.axes.length) return array.values;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const channels = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) for (let i = 0; i < inner; i++) if (data[(o * channels + c) * inner + i] !== 0) out[o * inner + i] = 1;
  }
  return { shape: [...shape.slice(0, axis), ...shape.slice(axis + 1)], data: out };
}

/** One line for the console: the shared description, or one per image when they differ. */
export function describeExplained(target: SegmentationTarget): string {
  const unique = [...new Set(target.descriptions)];
  if (unique.length === 1) return target.descriptions.length > 1 ? `${unique[0]} in every image` : unique[0];
  return target.descriptions.map((d, i) => `image ${i}: ${d}`).join('; ');
}

/** The explained pixels of image i as a [1, H, W] 0/1 map (the overlays outline it). */
export function explainedRegion(target: SegmentationTarget, i: number, shape: readonly number[]): Tensor {
  const [k, h, w] = shape;
  const plane = h * w;
  const c = target.rows[i].classIndex;
  const row = target.target.cotangent.data.subarray(i * k * plane + c * plane, i * k * plane + (c + 1) * plane);
  return { shape: [1, h, w], data: Float32Array.from(row) };
}
