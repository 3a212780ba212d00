/**
 * "Shortcut suspected?": where does the model look, compared with where the evidence is? Needs a
 * region-of-interest mask per image (where the real evidence lies, e.g. the defect). Two kinds of
 * evidence, in the lecture's order: the explanation (saliency mean inside the ROI vs outside it) and
 * an intervention (the hotspot transplant: paste the strongest outside-ROI window into images of
 * other classes; a random outside-ROI window is the control).
 */
import type { Dataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, row, takeRows } from '../tensor/tensor.js';
import { saliency } from '../attribution/saliency.js';
import { regionContrast } from '../evaluate/region.js';
import { hotspotTransplant, type TransplantResult } from '../trust/hotspot-transplant.js';
import { overlayPng, pngDataUri } from '../report/png.js';
import type { Figure, Finding } from './findings.js';
import { notRun } from './findings.js';

export const SHORTCUT_RULE = {
  /** Transplant flip rate at or above which a shortcut is confirmed… */
  flipRate: 0.5,
  /** …when it also exceeds the random-window control by this much. */
  overControl: 0.3,
  /** Saliency mean inside the ROI / outside it below which the explanation is "not on the evidence". */
  insideOutside: 2,
};

export interface ShortcutCheckOptions {
  /** Name of the ROI mask in the dataset (default 'roi', then 'defect'). */
  mask?: string;
  /** Images explained per class (default 100). */
  sources?: number;
  /** Images of other classes pasted into (default 200). */
  recipients?: number;
  seed?: number;
  examples?: number;
}

export interface ClassShortcutEvidence {
  class: number;
  images: number;
  saliencyInside: number;
  saliencyOutside: number;
  saliencyRatio: number;
  transplant: Omit<TransplantResult, 'hotspots'>;
}

const TITLE = 'Shortcut suspected?';
const LIMITS =
  'The check only sees what the masks say is evidence: if the masks are wrong, so is the verdict. A pass means the model ' +
  'looks at the marked regions and no outside patch fakes the class; whether what it sees there is the physics must still be judged by an expert.';

function maskOf(data: Dataset, name?: string): { name: string; mask: Tensor } | undefined {
  const names = name ? [name] : ['roi', 'defect'];
  for (const n of names) if (data.masks?.[n]) return { name: n, mask: data.masks[n] };
  return undefined;
}

function nonEmpty(mask: Tensor, i: number): boolean {
  const plane = mask.shape[1] * mask.shape[2];
  for (let p = 0; p < plane; p++) if (mask.data[i * plane + p] > 0.5) return true;
  return false;
}

export async function shortcutCheck(model: Model, data: Dataset, options: ShortcutCheckOptions = {}): Promise<Finding> {
  const roi = maskOf(data, options.mask);
  if (!roi) {
    return notRun('shortcut', TITLE, 'no region-of-interest masks given (--masks): the audit cannot tell where the real evidence is.', LIMITS);
  }
  const predicted = argmaxRows(await model.forward(data.images));
  const classes = [...new Set(data.labels)].sort((a, b) => a - b);
  const perClass: ClassShortcutEvidence[] = [];
  const figures: Figure[] = [];
  for (const c of classes) {
    // Sources: correctly predicted images of class c whose ROI is marked.
    const src = data.labels.map((l, i) => (l === c && predicted[i] === c && nonEmpty(roi.mask, i) ? i : -1)).filter((i) => i >= 0).slice(0, options.sources ?? 100);
    const rec = data.labels.map((l, i) => (l !== c ? i : -1)).filter((i) => i >= 0).slice(0, options.recipients ?? 200);
    if (src.length === 0 || rec.length === 0) continue;
    const images = takeRows(data.images, src);
    const masks = takeRows(roi.mask, src);
    const sal = await saliency.attribute(model, images, { target: c });
    const region = regionContrast(sal.values, masks);
    const t = await hotspotTransplant(model, { sources: images, maps: sal.values, roi: masks, recipients: takeRows(data.images, rec) }, { targetClass: c, seed: options.seed ?? 0 });
    const { hotspots: _h, ...transplant } = t;
    perClass.push({ class: c, images: src.length, saliencyInside: region.inside, saliencyOutside: region.outside, saliencyRatio: region.ratio, transplant });
    const k = Math.min(options.examples ?? 4, src.length);
    figures.push({
      caption: `class ${c}: saliency overlays (outline = region of interest); the transplanted window of each is its strongest outside-ROI ${t.window}×${t.window} window`,
      images: Array.from({ length: k }, (_, i) => {
        const one = (x: Tensor) => ({ shape: x.shape.slice(1), data: row(x, i).data });
        const png = overlayPng(one(images), one(sal.values), { scale: 4, outlines: [{ mask: one(masks), color: '#99ff00' }] });
        return { uri: pngDataUri(png), label: `image ${src[i]}` };
      }),
    });
  }
  if (perClass.length === 0) {
    return notRun('shortcut', TITLE, `no correctly predicted image has a non-empty '${roi.name}' mask, so there is nothing to compare against.`, LIMITS);
  }
  const confirmed = perClass.filter((e) => e.transplant.flipRate >= SHORTCUT_RULE.flipRate && e.transplant.flipRate - e.transplant.controlFlipRate >= SHORTCUT_RULE.overControl);
  const offTarget = perClass.filter((e) => !(e.saliencyRatio >= SHORTCUT_RULE.insideOutside));
  const verdict = confirmed.length > 0 ? 'flag' : offTarget.length > 0 ? 'warn' : 'pass';
  const describe = (e: ClassShortcutEvidence) =>
    `class ${e.class}: saliency inside/outside the ${roi.name} region ${e.saliencyRatio.toFixed(1)}×, ` +
    `pasting the outside hotspot turns ${(100 * e.transplant.flipRate).toFixed(0)}% of other images into class ${e.class} (random window: ${(100 * e.transplant.controlFlipRate).toFixed(0)}%)`;
  const lead =
    verdict === 'flag'
      ? 'Shortcut: a patch from outside the evidence region makes the model predict the class.'
      : verdict === 'warn'
        ? 'The explanation is not concentrated on the evidence region, but no outside patch fakes the class.'
        : 'The model looks at the evidence region; no outside patch fakes the class.';
  return {
    id: 'shortcut',
    title: TITLE,
    verdict,
    summary: `${lead} ${perClass.map(describe).join('; ')}.`,
    rule:
      `flag when pasting the strongest outside-ROI window flips ≥ ${100 * SHORTCUT_RULE.flipRate}% of other images and beats the random-window control by ≥ ${100 * SHORTCUT_RULE.overControl} points; ` +
      `warn when saliency inside/outside the ROI is below ${SHORTCUT_RULE.insideOutside}×.`,
    evidence: { mask: roi.name, perClass },
    limits: LIMITS,
    figures,
  };
}
