/**
 * "Does the segmenter use a shortcut outside the region of interest?": where does the evidence for its own mask come from? Per
 * image, the input-gradient saliency of the dominant predicted class summed over its predicted mask
 * (the default segmentation target, segmentation-targets.ts) is split into the share inside the
 * user's ROI dilated by a few pixels (a mask's evidence legitimately includes its boundary context)
 * and the share outside. A model that copies a bright corner into its mask draws that mask's
 * evidence from the corner: most of its saliency lies outside the ROI.
 */
import type { Tensor } from '../tensor/tensor.js';
import { saliency } from '../attribution/saliency.js';
import { segmentationTarget } from '../attribution/common/segmentation-targets.js';
import { defineCheck, need, notRunResult, roiMask } from './check.js';

export const SEGMENTATION_SHORTCUT_RULE = {
  /** Median share of the mask's saliency outside the dilated ROI above which the check flags. */
  flagOutside: 0.5,
  /** … and warns. */
  warnOutside: 0.25,
};

/** The mask grown by `radius` pixels (square neighbourhood, Chebyshev distance). */
export function dilateMask(mask: Float32Array, height: number, width: number, radius: number): Uint8Array {
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!(mask[y * width + x] > 0.5)) continue;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < height && xx >= 0 && xx < width) out[yy * width + xx] = 1;
        }
      }
    }
  }
  return out;
}

/** Share of |map| (summed over channels) outside the region, per image; NaN when the map is all zero. */
export function outsideShares(values: Tensor, roi: Tensor, radius: number): number[] {
  const [n, c, h, w] = values.shape;
  const plane = h * w;
  return Array.from({ length: n }, (_, i) => {
    const inside = dilateMask(roi.data.subarray(i * plane, (i + 1) * plane), h, w, radius);
    let total = 0;
    let outside = 0;
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < plane; p++) {
        const v = Math.abs(values.data[(i * c + ch) * plane + p]);
        total += v;
        if (!inside[p]) outside += v;
      }
    }
    return total > 0 ? outside / total : NaN;
  });
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const segmentationShortcutCheck = defineCheck({
  id: 'segmentation-shortcut',
  title: 'Does the segmenter use a shortcut outside the region of interest?',
  needs: [need('segmenter', 'it explains each image\'s predicted mask'), need('roi', 'the audit cannot tell where the real evidence is')],
  options: [{ key: 'dilation', flag: '--segmentation-roi-dilation', kind: 'integer', min: 0, default: 2, help: 'pixels the ROI is grown by before the outside share is measured (boundary context counts as inside)' }],
  limits:
    'Input-gradient saliency is a local, first-order view; a mask whose evidence is spread thinly inside a large ROI still counts as inside. ' +
    'Images whose model predicts only background are explained over the background mask.',
  async run(context, options: { dilation: number }) {
    const roi = roiMask(context.data)!;
    const images = context.data.images;
    const [, h, w] = context.model.outputShape;
    if (images.shape[2] !== h || images.shape[3] !== w) return notRunResult(`the model's masks are ${h}×${w} but its images ${images.shape[2]}×${images.shape[3]}: the ROI cannot be laid on both.`);
    context.progress(0, 'explaining the predicted masks');
    const target = await segmentationTarget(context.model, images, { kind: 'dominant' });
    const values = (await saliency.attribute(context.model, images, { target: target.target })).values;
    context.progress(0.9);
    const shares = outsideShares(values, roi.mask, options.dilation);
    const used = shares.map((s, i) => ({ s, i })).filter(({ s, i }) => Number.isFinite(s) && target.rows[i].pixels > 0);
    if (used.length === 0) return notRunResult('no image has a predicted mask with non-zero saliency to measure.');
    const m = median(used.map((u) => u.s));
    const verdict = m > SEGMENTATION_SHORTCUT_RULE.flagOutside ? 'flag' : m > SEGMENTATION_SHORTCUT_RULE.warnOutside ? 'warn' : 'pass';
    const mostly = used.filter((u) => u.s > SEGMENTATION_SHORTCUT_RULE.flagOutside).length;
    return {
      verdict,
      summary:
        `median ${(100 * m).toFixed(0)}% of the saliency for each image's predicted mask lies outside the ${roi.name === 'roi' ? 'ROI' : `${roi.name} region`} (grown by ${options.dilation} px); ` +
        `in ${mostly} of ${used.length} images most of the mask's evidence comes from outside it.`,
      headline: `${(100 * m).toFixed(0)}% of the evidence for its masks lies outside the region of interest (median over images)`,
      rule: `flag when the median share of |saliency| (summed over the predicted mask's logits of the dominant class) outside the dilated ROI > ${SEGMENTATION_SHORTCUT_RULE.flagOutside}; warn when > ${SEGMENTATION_SHORTCUT_RULE.warnOutside}.`,
      evidence: { medianOutsideShare: m, images: used.length, dilation: options.dilation, perImage: used.map(({ s, i }) => ({ image: i, outsideShare: s, explained: target.descriptions[i] })) },
    };
  },
});
