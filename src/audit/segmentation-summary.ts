/**
 * The audit's headline for a segmenter: IoU and Dice per class and pixel accuracy against the
 * per-pixel labels (data.masks['pixel-labels'], class ids [N, H, W]), in place of the per-image
 * accuracy (an argmax over K·H·W flattened outputs would be meaningless).
 */
import type { Tensor } from '../tensor/tensor.js';
import { denseShape, isDenseModel, predictedPixelClasses } from '../models/dense-output.js';
import { segmentationOverlap, type SegmentationOverlap } from '../trust/segmentation-overlap.js';
import type { AuditInput } from './check.js';

/** The key of the per-pixel labels among a dataset's masks. */
export const PIXEL_LABELS = 'pixel-labels';

/** Overlap of the model's predicted masks with the per-pixel labels; undefined for vector models or without labels. */
export function segmentationSummary(input: AuditInput, logits: Tensor): SegmentationOverlap | undefined {
  if (!isDenseModel(input.model)) return undefined;
  const truth = input.data.masks?.[PIXEL_LABELS];
  if (!truth) return undefined;
  const shape = denseShape(input.model, 'the segmentation summary');
  const predicted = predictedPixelClasses(logits, shape);
  if (truth.data.length !== predicted.length) {
    throw new Error(`audit: the per-pixel labels hold ${truth.data.length} values but ${logits.shape[0]} images of ${shape.height}×${shape.width} need ${predicted.length}`);
  }
  return segmentationOverlap(predicted, truth.data, shape.classes);
}

/** The one-line quality figure of an audited model: accuracy, or for a segmenter mean IoU/Dice and pixel accuracy. */
export function qualityText(a: { accuracy: number; overlap?: SegmentationOverlap }): string {
  if (a.overlap) {
    const perClass = a.overlap.iou.map((v, c) => `class ${c} ${Number.isNaN(v) ? '—' : v.toFixed(3)}`).join(', ');
    return `mean IoU ${a.overlap.meanIou.toFixed(3)} (${perClass}), mean Dice ${a.overlap.meanDice.toFixed(3)}, pixel accuracy ${a.overlap.pixelAccuracy.toFixed(3)}`;
  }
  return Number.isFinite(a.accuracy) ? `accuracy ${a.accuracy.toFixed(3)}` : 'no per-image accuracy (a regressor, or a segmenter without per-pixel labels)';
}
