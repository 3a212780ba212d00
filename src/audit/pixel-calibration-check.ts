/**
 * "Miscalibrated?" for a segmenter: the expected calibration error over pixels — every pixel is one
 * K-way prediction (softmax over its K logits) scored against its true class — with the reliability
 * data. The classifier form (calibration-check.ts) is per image; this one speaks of pixels. No
 * temperature is fitted: a split of pixels would put neighbours of one image on both sides.
 */
import { calibrationReport } from '../trust/calibration.js';
import { denseShape, pixelLogitRows } from '../models/dense-output.js';
import { defineCheck, need } from './check.js';
import { CALIBRATION_RULE } from './calibration-check.js';
import { PIXEL_LABELS } from './segmentation-summary.js';

export const pixelCalibrationCheck = defineCheck({
  id: 'pixel-calibration',
  title: 'Are the per-pixel confidences miscalibrated?',
  needs: [need('segmenter', 'per-pixel calibration needs class scores per pixel'), need('pixelLabels', 'calibration compares each pixel\'s confidence with its true class')],
  options: [],
  limits:
    'Pixels of one image are not independent: the ECE is pooled over all pixels of all images, so large, easy background regions can hide miscalibrated boundaries. ' +
    'Calibration is measured on the data given; on shifted data confidences can be wrong again.',
  async run(context) {
    const shape = denseShape(context.model, 'pixel calibration');
    const labels = context.data.masks![PIXEL_LABELS];
    const rows = pixelLogitRows(context.logits, shape);
    const r = calibrationReport(rows, Array.from(labels.data), { bins: 15, binning: 'uniform' });
    const verdict = r.ece > CALIBRATION_RULE.flagEce ? 'flag' : r.ece > CALIBRATION_RULE.warnEce ? 'warn' : 'pass';
    const direction = r.meanConfidence > r.accuracy ? 'over-confident' : 'under-confident';
    return {
      verdict,
      summary: `pixel ECE ${r.ece.toFixed(3)} over ${rows.shape[0]} pixels (${direction}: mean pixel confidence ${r.meanConfidence.toFixed(3)} vs pixel accuracy ${r.accuracy.toFixed(3)}); MCE ${r.mce.toFixed(3)}, NLL ${r.nll.toFixed(3)} per pixel.`,
      headline: `its per-pixel confidences are ${direction} (pixel ECE ${r.ece.toFixed(3)})`,
      rule: `flag when the ECE over pixels (15 uniform bins, softmax over the K classes of each pixel) > ${CALIBRATION_RULE.flagEce}; warn when > ${CALIBRATION_RULE.warnEce}.`,
      evidence: { pixels: rows.shape[0], ece: r.ece, mce: r.mce, brier: r.brier, nll: r.nll, pixelAccuracy: r.accuracy, meanConfidence: r.meanConfidence },
      figures: [{ kind: 'reliability', title: 'pixel reliability', caption: 'reliability over pixels: pixel accuracy against pixel confidence per bin; the dashed diagonal is perfect calibration', curves: [{ name: 'as trained', bins: r.bins }] }],
    };
  },
});
